/**
 * The rules every store keeps that are not storage (STYLE: "a rule both stores must keep lives
 * once, above them"). Both adapters call these; `test/contract/rules-contract.ts` states each one
 * so both must pass it:
 * - an apply call's batches are checked before they are written: an account-day may appear only
 *   once per call (never silently last-wins), its rows must be its own, distinct and in range; an
 *   array is checked whole first, a streamed call in (day, account) order as it goes;
 * - a duplicate ingest log id is refused (ALREADY_EXISTS), never overwritten;
 * - a period (link or specialization) may only end earlier than it does now — an ended one too,
 *   which is how an operator corrects a mistaken end (issue 8); never later, never on the same day;
 * - an "ended by" audit read back is all three fields or none: half a record is corruption;
 * - ledger entries of one call are distinct by id and by (key, seq);
 * - the ingest log lists newest first (start time, then id, both descending).
 */
import { isDay, type Day, type DayRange } from '../domain/calendar';
import {
  CURRENCIES,
  type AccountDayVersion,
  type Audit,
  type IngestLogEntry,
  type LedgerEntry,
  type UsageAggregate,
} from '../domain/model';
import {
  APPLY_DETAIL_LIMIT,
  LedgerConflictError,
  StoreError,
  type AccountDayBatch,
  type ApplyResult,
  type StaleAccountDay,
  type VersionConflict,
} from './store';

/** Decimal(22,9): at most 13 integer digits, so |nanos| < 10^22. */
const MONEY_LIMIT = 10n ** 22n;

function fitsMoney(value: unknown): boolean {
  return typeof value === 'bigint' && value < MONEY_LIMIT && value > -MONEY_LIMIT;
}

function aggregateProblem(a: UsageAggregate): string | null {
  if (a.serviceId === '' || a.skuId === '') return 'empty service or sku id';
  if (!(CURRENCIES as readonly string[]).includes(a.currency)) return `unknown currency ${String(a.currency)}`;
  if (!fitsMoney(a.cost)) return 'cost is outside Decimal(22,9)';
  if (!fitsMoney(a.credit)) return 'credit is outside Decimal(22,9)';
  if (!Number.isSafeInteger(a.rows) || a.rows < 0) return `rows ${a.rows} is not a non-negative integer`;
  return null;
}

/** Days already found to be calendar days (a file has a few, across hundreds of thousands of batches). */
const knownDays = new Set<string>();

function isKnownDay(day: string): boolean {
  if (knownDays.has(day)) return true;
  if (!isDay(day)) return false;
  if (knownDays.size < 10_000) knownDays.add(day);
  return true;
}

/** The problem of one batch (INVALID_BATCH for its shape, INVALID_RECORD for a value the store cannot hold). */
function checkBatch(batch: AccountDayBatch): void {
  const where = `account-day ${batch.accountId}/${batch.day}`;
  if (batch.accountId === '' || !isKnownDay(batch.day)) throw new StoreError('INVALID_BATCH', `${where}: bad account id or day`);
  if (!Number.isSafeInteger(batch.version) || batch.version < 0)
    throw new StoreError('INVALID_BATCH', `${where}: version ${batch.version} is not a non-negative integer`);
  let previous: UsageAggregate | null = null;
  for (const row of sortedRows(batch.rows)) {
    if (row.accountId !== batch.accountId || row.day !== batch.day)
      throw new StoreError('INVALID_BATCH', `${where} holds a row of ${row.accountId}/${row.day}`);
    if (previous !== null && compareRows(previous, row) === 0)
      throw new StoreError('INVALID_BATCH', `${where} holds two rows for ${row.serviceId}/${row.skuId}/${row.currency}`);
    previous = row;
    const problem = aggregateProblem(row);
    if (problem)
      throw new StoreError('INVALID_RECORD', `refusing to write usage_aggregates ${where} ${row.serviceId}/${row.skuId}: ${problem}`);
  }
}

/** The rows in (service, sku, currency) order: as given when they already are (the parser's order). */
function sortedRows(rows: readonly UsageAggregate[]): readonly UsageAggregate[] {
  for (let i = 1; i < rows.length; i++) if (compareRows(rows[i - 1]!, rows[i]!) > 0) return [...rows].sort(compareRows);
  return rows;
}

function compareRows(a: UsageAggregate, b: UsageAggregate): number {
  return compareText(a.serviceId, b.serviceId) || compareText(a.skuId, b.skuId) || compareText(a.currency, b.currency);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The order a call's account-days are applied in: (day, accountId) ascending, as code units — the
 * order of the stores' keys (day first, for the quarter scans), so a fresh store's inserts append.
 */
export function compareAccountDays(a: { accountId: string; day: string }, b: { accountId: string; day: string }): number {
  return compareText(a.day, b.day) || compareText(a.accountId, b.accountId);
}

/**
 * The batches of an applyAccountDays call, each checked before it is handed to the store; both
 * adapters apply exactly what this yields. An array is checked whole and sorted first, so a bad
 * call writes nothing (I2, I3). Any other iterable is read lazily (a large file's merged
 * aggregates): each batch is checked as it comes and must follow the one before in
 * (day, accountId) order — which also makes a repeated account-day an error without remembering
 * them all; the adapter then makes sure that nothing of a call that fails becomes visible.
 */
export function* checkedBatches(sourceKey: string, batches: Iterable<AccountDayBatch>): Generator<AccountDayBatch> {
  if (sourceKey === '') throw new StoreError('INVALID_BATCH', 'applyAccountDays needs a source key');
  if (Array.isArray(batches)) {
    const sorted = [...(batches as readonly AccountDayBatch[])].sort(compareAccountDays);
    for (const [i, batch] of sorted.entries()) checkInOrder(sorted[i - 1], batch);
    yield* sorted;
    return;
  }
  let previous: AccountDayBatch | undefined;
  for (const batch of batches) {
    checkInOrder(previous, batch);
    previous = batch;
    yield batch;
  }
}

function checkInOrder(previous: AccountDayBatch | undefined, batch: AccountDayBatch): void {
  checkBatch(batch);
  if (previous === undefined) return;
  const order = compareAccountDays(previous, batch);
  if (order === 0)
    throw new StoreError(
      'INVALID_BATCH',
      `account-day ${batch.accountId}/${batch.day} appears twice in one call; a file holds each account-day once (I1)`,
    );
  if (order > 0)
    throw new StoreError(
      'INVALID_BATCH',
      `account-day ${batch.accountId}/${batch.day} comes after ${previous.accountId}/${previous.day}; a streamed call must be in (day, account) order`,
    );
}

/** Counts an apply's outcomes and keeps the first APPLY_DETAIL_LIMIT of each (both adapters). */
export class ApplyTally {
  private readonly result: ApplyResult = {
    applied: [],
    appliedCount: 0,
    stale: [],
    staleCount: 0,
    conflicts: [],
    conflictCount: 0,
    conflictsKeptStored: 0,
  };

  applied(version: AccountDayVersion): void {
    if (this.result.appliedCount++ < APPLY_DETAIL_LIMIT) this.result.applied.push(version);
  }

  stale(stale: StaleAccountDay): void {
    if (this.result.staleCount++ < APPLY_DETAIL_LIMIT) this.result.stale.push(stale);
  }

  conflict(conflict: VersionConflict): void {
    if (conflict.kept === 'stored') this.result.conflictsKeptStored++;
    if (this.result.conflictCount++ < APPLY_DETAIL_LIMIT) this.result.conflicts.push(conflict);
  }

  done(): ApplyResult {
    return this.result;
  }
}

export function checkDayRange(range: DayRange): void {
  if (!isDay(range.from) || !isDay(range.to))
    throw new StoreError('INVALID_RANGE', `day range ${range.from}..${range.to} is not two calendar days (YYYY-MM-DD)`);
}

export function checkIngestLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1))
    throw new StoreError('INVALID_FILTER', `ingest log limit ${limit} is not a positive integer`);
}

/** The duplicate-id rule of the ingest log: refused, the first entry stays. */
export function ingestAlreadyExists(id: string): StoreError {
  return new StoreError('ALREADY_EXISTS', `ingest log entry ${id} already exists; entries are never overwritten`);
}

/** Ingest log order: newest first by start time, then by id, both descending. */
export function compareIngestNewestFirst(a: IngestLogEntry, b: IngestLogEntry): number {
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** What ending a period needs to know of its current state. */
export interface PeriodState {
  to: Day | null;
  ended: Audit | null;
}

/**
 * "A period only ends earlier": an open period may be ended, a bounded or already ended one may
 * be ended earlier again (a correction; the caller keeps the earlier end's audit in the new note,
 * R12); ending it on or after its current last day is ALREADY_ENDED.
 */
export function checkPeriodEnd(noun: string, id: string, current: PeriodState, to: Day): void {
  if (!isDay(to)) throw new StoreError('INVALID_RECORD', `${noun} ${id}: last day ${to} is not a calendar day`);
  if (current.to !== null && to >= current.to) {
    throw new StoreError('ALREADY_ENDED', `${noun} ${id} already ends on ${current.to}; it can only be ended earlier`);
  }
}

/**
 * The "ended by" audit of a stored period: all three columns or none. Half a record (say, an actor
 * and a time but no note) is corruption and fails (CORRUPT_ROW) instead of being filled in.
 */
export function readEndedAudit(table: string, id: string, actor: string | null, at: string | null, note: string | null): Audit | null {
  const set = [actor, at, note].filter((v) => v !== null).length;
  if (set === 0) return null;
  if (set === 3) return { actor: actor as string, at: at as string, note: note as string };
  throw new StoreError(
    'CORRUPT_ROW',
    `stored row of ${table} (id=${JSON.stringify(id)}) is invalid: ended_actor, ended_at and ended_note must be all set or all null`,
  );
}

/** Ledger entries of one append are distinct by id and by (key, seq), with positive seqs. */
export function checkDistinctEntries(entries: readonly LedgerEntry[]): void {
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const e of entries) {
    const key = JSON.stringify([e.partnerId, e.quarter, e.specialization, e.currency, e.seq]);
    if (ids.has(e.id) || keys.has(key)) throw new LedgerConflictError(e.id);
    if (!Number.isSafeInteger(e.seq) || e.seq < 1)
      throw new StoreError('INVALID_ENTRY', `ledger entry ${e.id}: seq ${e.seq} is not a positive integer`);
    ids.add(e.id);
    keys.add(key);
  }
}
