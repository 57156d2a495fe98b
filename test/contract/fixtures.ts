/**
 * Builders for the store contract suite. Money is written as decimal strings and compared as
 * strings (formatMoney) or bigint, never as numbers.
 */
import type { Day } from '../../shared/domain/calendar';
import { formatMoney, parseMoney } from '../../shared/domain/money';
import {
  ledgerEntryId,
  type AccrualRun,
  type Audit,
  type Currency,
  type IngestLogEntry,
  type LedgerEntry,
  type SpecializationPeriod,
  type SubaccountLink,
  type UsageAggregate,
} from '../../shared/domain/model';
import type { AccountDayBatch, ApplyResult, Store } from '../../shared/ports/store';

/** What the contract suite works on; `store` changes when the suite reopens it. */
export interface ContractContext {
  readonly store: Store;
}

export const COMPUTE = 'dn22pas77ftg9h3f2djj';
export const STORAGE = 'dn2li5qddoc5cad2n6br';

export function audit(actor: string, at: string, note: string): Audit {
  return { actor, at, note };
}

export function link(id: string, partnerId: string, subaccountId: string, from: Day, to: Day | null = null): SubaccountLink {
  return {
    id,
    partnerId,
    subaccountId,
    from,
    to,
    created: audit('op-anna', `${from}T09:00:00.000Z`, `link ${id}: contract №42, «Кириллица», 'quotes'`),
    ended: null,
  };
}

export function period(id: string, partnerId: string, specialization: string, from: Day, to: Day | null = null): SpecializationPeriod {
  return {
    id,
    partnerId,
    specialization,
    from,
    to,
    created: audit('op-boris', `${from}T10:00:00.000Z`, `granted ${specialization}`),
    ended: null,
  };
}

export interface AggregateInput {
  accountId: string;
  day: Day;
  serviceId?: string;
  skuId?: string;
  currency?: Currency;
  cost?: string;
  credit?: string;
  serviceName?: string;
  skuName?: string;
  rows?: number;
}

export function aggregate(input: AggregateInput): UsageAggregate {
  return {
    accountId: input.accountId,
    day: input.day,
    serviceId: input.serviceId ?? COMPUTE,
    skuId: input.skuId ?? 'sku-vcpu',
    currency: input.currency ?? 'RUB',
    cost: parseMoney(input.cost ?? '10.5'),
    credit: parseMoney(input.credit ?? '-0.5'),
    serviceName: input.serviceName ?? 'Compute Cloud',
    skuName: input.skuName ?? 'Intel Ice Lake. 100% vCPU',
    rows: input.rows ?? 1,
  };
}

/** One account-day batch; each row only states what differs from the defaults. */
export function batch(accountId: string, day: Day, version: number, rows: Omit<AggregateInput, 'accountId' | 'day'>[]): AccountDayBatch {
  return { accountId, day, version, rows: rows.map((row) => aggregate({ accountId, day, ...row })) };
}

/** An aggregate with money as exact strings, for toEqual comparisons. */
/** The ApplyResult of lists this short: every list whole, each count its list's length. */
export function applyResult(lists: Pick<ApplyResult, 'applied' | 'stale' | 'conflicts'>): ApplyResult {
  return {
    ...lists,
    appliedCount: lists.applied.length,
    staleCount: lists.stale.length,
    conflictCount: lists.conflicts.length,
    conflictsKeptStored: lists.conflicts.filter((c) => c.kept === 'stored').length,
  };
}

export function shown(a: UsageAggregate) {
  return { ...a, cost: formatMoney(a.cost, 0), credit: formatMoney(a.credit, 0) };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export async function usageIn(store: Store, from: Day, to: Day, accountIds?: readonly string[]) {
  const rows = await collect(store.usage.scanUsage({ from, to }, accountIds === undefined ? undefined : { accountIds }));
  return rows.map(shown);
}

export function ingest(id: string, objectKey: string, startedAt: string, overrides: Partial<IngestLogEntry> = {}): IngestLogEntry {
  return {
    id,
    objectKey,
    etag: `"etag-${id}"`,
    version: 1767225600,
    rows: 1200,
    accountDaysApplied: 3,
    accountDaysStale: 1,
    status: 'applied',
    reason: null,
    startedAt,
    finishedAt: startedAt.replace(/\.\d{3}Z$/, '.900Z'),
    ...overrides,
  };
}

export interface EntryInput {
  partnerId: string;
  quarter: string;
  specialization: string;
  currency?: Currency;
  seq: number;
  amount: string;
  kind?: LedgerEntry['kind'];
}

export function entry(runId: string, input: EntryInput): LedgerEntry {
  const key = {
    partnerId: input.partnerId,
    quarter: input.quarter,
    specialization: input.specialization,
    currency: input.currency ?? 'RUB',
  };
  return {
    id: ledgerEntryId(key, input.seq),
    ...key,
    seq: input.seq,
    amount: parseMoney(input.amount),
    kind: input.kind ?? (input.seq === 1 ? 'accrual' : 'adjustment'),
    runId,
    createdAt: '2026-04-01T03:00:05.000Z',
    actor: 'timer',
    note: `run ${runId}`,
  };
}

export function run(runId: string, quarter: string, startedAt: string, entries: number, dryRun = false): AccrualRun {
  return {
    runId,
    quarter,
    dryRun,
    rulesVersions: ['2023-01-01', '2026-01-01'],
    rulesDigest: `sha256:${runId}`,
    startedAt,
    actor: 'timer',
    note: `quarterly ${quarter}`,
    entries,
  };
}

/** A ledger entry with its amount as an exact string. */
export function shownEntry(e: LedgerEntry) {
  return { ...e, amount: formatMoney(e.amount, 0) };
}
