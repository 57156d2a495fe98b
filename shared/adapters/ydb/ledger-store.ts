/**
 * The append-only rebate ledger (R7, R8) and accrual runs (R12) in YDB. A run and its entries
 * are inserted in one serializable transaction that first checks no entry id or (key, seq) is
 * taken: a concurrent run that computed the same entries gets LedgerConflictError (directly, or
 * after its commit is ABORTED and the retry sees the winner's rows) and writes nothing.
 */
import type { AccrualRun, LedgerEntry } from '../../domain/model';
import { LedgerConflictError, StoreError, type LedgerStore } from '../../ports/store';
import { CHECK_LEDGER_APPEND, INSERT_LEDGER_APPEND, LIST_LEDGER_PAGE, LIST_RUNS_PAGE } from './queries';
import { readLedgerEntry, readRun } from './rows';
import { withTransaction, ydbFailure, ydbStatus, type YdbRunner } from './runner';
import { StatusCode } from './sdk';
import { decodeRows, param, structList, type StructFields } from './values';

const KEY_FIELDS: StructFields = {
  partner_id: { scalar: 'Utf8' },
  quarter: { scalar: 'Utf8' },
  specialization: { scalar: 'Utf8' },
  currency: { scalar: 'Utf8' },
  seq: { scalar: 'Uint64' },
};
const ENTRY_FIELDS: StructFields = {
  ...KEY_FIELDS,
  id: { scalar: 'Utf8' },
  amount: { scalar: 'Money' },
  kind: { scalar: 'Utf8' },
  run_id: { scalar: 'Utf8' },
  created_at: { scalar: 'Utf8' },
  actor: { scalar: 'Utf8' },
  note: { scalar: 'Utf8' },
};
const RUN_FIELDS: StructFields = {
  quarter: { scalar: 'Utf8' },
  run_id: { scalar: 'Utf8' },
  dry_run: { scalar: 'Bool' },
  rules_versions: { scalar: 'Utf8' },
  rules_digest: { scalar: 'Utf8' },
  started_at: { scalar: 'Utf8' },
  actor: { scalar: 'Utf8' },
  note: { scalar: 'Utf8' },
  entries: { scalar: 'Uint64' },
};

function entryRow(e: LedgerEntry) {
  return { partner_id: e.partnerId, quarter: e.quarter, specialization: e.specialization, currency: e.currency, seq: e.seq, id: e.id, amount: e.amount, kind: e.kind, run_id: e.runId, created_at: e.createdAt, actor: e.actor, note: e.note };
}

function runRow(run: AccrualRun) {
  return { quarter: run.quarter, run_id: run.runId, dry_run: run.dryRun, rules_versions: JSON.stringify(run.rulesVersions), rules_digest: run.rulesDigest, started_at: run.startedAt, actor: run.actor, note: run.note, entries: run.entries };
}

/** A clash inside the call itself is a conflict before anything reaches YDB (same as SQLite). */
function checkDistinct(entries: readonly LedgerEntry[]): void {
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const e of entries) {
    const key = JSON.stringify([e.partnerId, e.quarter, e.specialization, e.currency, e.seq]);
    if (ids.has(e.id) || keys.has(key)) throw new LedgerConflictError(e.id);
    if (!Number.isSafeInteger(e.seq) || e.seq < 1) throw new StoreError('INVALID_ENTRY', `ledger entry ${e.id}: seq ${e.seq} is not a positive integer`);
    ids.add(e.id);
    keys.add(key);
  }
}

export function createYdbLedgerStore(runner: YdbRunner): LedgerStore {
  async function append(run: AccrualRun, entries: LedgerEntry[]): Promise<void> {
    checkDistinct(entries);
    const checkParams = {
      $run_quarter: param.utf8(run.quarter),
      $run_id: param.utf8(run.runId),
      $keys: structList(KEY_FIELDS, entries.map(entryRow)),
      $partner_ids: param.utf8List([...new Set(entries.map((e) => e.partnerId))]),
      $ids: param.utf8List(entries.map((e) => e.id)),
    };
    const insertParams = { $entries: structList(ENTRY_FIELDS, entries.map(entryRow)), $runs: structList(RUN_FIELDS, [runRow(run)]) };
    let attempt = 0;
    await runner.retry((session) =>
      withTransaction(runner, session, async (tx) => {
        attempt += 1;
        const [runSet, byKey, byId] = (await tx.query(CHECK_LEDGER_APPEND, checkParams)).resultSets;
        const existing = [...decodeRows(byKey), ...decodeRows(byId)].map((row) => ({ id: String(row['id']), runId: String(row['run_id']) }));
        if (decodeRows(runSet).length > 0) {
          // A retry whose earlier attempt committed (its answer was lost) finds all of its own rows.
          const ours = new Set(existing.filter((e) => e.runId === run.runId).map((e) => e.id));
          if (attempt > 1 && entries.every((e) => ours.has(e.id))) return;
          throw new StoreError('ALREADY_EXISTS', `accrual run ${run.runId} is already recorded`);
        }
        const clash = existing[0];
        if (clash !== undefined) throw new LedgerConflictError(clash.id);
        await tx.query(INSERT_LEDGER_APPEND, insertParams, true);
      }),
    );
  }

  return {
    async listEntries(filter) {
      try {
        const rows = await runner.readAll({
          text: LIST_LEDGER_PAGE,
          params: { $partner_id: param.optionalUtf8(filter?.partnerId), $quarter: param.optionalUtf8(filter?.quarter) },
          cursor: (last) => ({
            $after_partner_id: param.utf8(last === undefined ? '' : String(last['partner_id'])),
            $after_quarter: param.utf8(last === undefined ? '' : String(last['quarter'])),
            $after_specialization: param.utf8(last === undefined ? '' : String(last['specialization'])),
            $after_currency: param.utf8(last === undefined ? '' : String(last['currency'])),
            $after_seq: param.uint64(last === undefined ? 0 : (last['seq'] as bigint)),
          }),
        }, readLedgerEntry);
        // Key order: (partner, quarter, specialization, currency, seq), as the primary key reads.
        return rows;
      } catch (error) {
        throw ydbFailure('list ledger entries', error);
      }
    },
    async appendRun(run, entries) {
      try {
        await append(run, entries);
      } catch (error) {
        // INSERT refuses an existing key: the same conflict, caught by YDB instead of the check.
        if (ydbStatus(error) === StatusCode.PRECONDITION_FAILED) throw new LedgerConflictError(entries[0]?.id ?? run.runId, { cause: error });
        throw ydbFailure(`append run ${run.runId}`, error);
      }
    },
    async listRuns(filter) {
      try {
        const rows = await runner.readAll({
          text: LIST_RUNS_PAGE,
          params: { $quarter: param.optionalUtf8(filter?.quarter) },
          cursor: (last) => ({ $after_quarter: param.utf8(last === undefined ? '' : String(last['quarter'])), $after_run_id: param.utf8(last === undefined ? '' : String(last['run_id'])) }),
        }, readRun);
        return rows.sort((a, b) => (a.startedAt !== b.startedAt ? (a.startedAt < b.startedAt ? -1 : 1) : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
      } catch (error) {
        throw ydbFailure('list accrual runs', error);
      }
    },
  };
}
