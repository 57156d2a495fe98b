/**
 * The append-only rebate ledger (R7, R8) and accrual runs (R12) in YDB. A run and its entries
 * are inserted in one serializable transaction that first checks no entry id or (key, seq) is
 * taken: a concurrent run that computed the same entries gets LedgerConflictError (directly, or
 * after its commit is ABORTED and the retry sees the winner's rows) and writes nothing.
 */
import type { AccrualRun, LedgerEntry } from '../../domain/model';
import { LedgerConflictError, StoreError, type LedgerStore } from '../../ports/store';
import { checkDistinctEntries } from '../../ports/store-rules';
import {
  CHECK_LEDGER_APPEND,
  INSERT_LEDGER_APPEND,
  LIST_LEDGER_BY_PARTNER_PAGE,
  LIST_LEDGER_BY_PARTNER_QUARTER_PAGE,
  LIST_LEDGER_BY_QUARTER_PAGE,
  LIST_LEDGER_PAGE,
  LIST_RUNS_BY_QUARTER_PAGE,
  LIST_RUNS_PAGE,
} from './queries';
import { readLedgerEntry, readRun } from './rows';
import { withTransaction, ydbFailure, ydbStatus, type PagedRead, type YdbRunner } from './runner';
import { StatusCode } from './sdk';
import { decodeRows, param, structList, type Row, type StructFields } from './values';

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
function compareLedgerKey(a: LedgerEntry, b: LedgerEntry): number {
  return (
    byText(a.partnerId, b.partnerId) ||
    byText(a.quarter, b.quarter) ||
    byText(a.specialization, b.specialization) ||
    byText(a.currency, b.currency) ||
    a.seq - b.seq
  );
}

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
  return {
    partner_id: e.partnerId,
    quarter: e.quarter,
    specialization: e.specialization,
    currency: e.currency,
    seq: e.seq,
    id: e.id,
    amount: e.amount,
    kind: e.kind,
    run_id: e.runId,
    created_at: e.createdAt,
    actor: e.actor,
    note: e.note,
  };
}

function runRow(run: AccrualRun) {
  return {
    quarter: run.quarter,
    run_id: run.runId,
    dry_run: run.dryRun,
    rules_versions: JSON.stringify(run.rulesVersions),
    rules_digest: run.rulesDigest,
    started_at: run.startedAt,
    actor: run.actor,
    note: run.note,
    entries: run.entries,
  };
}

export function createYdbLedgerStore(runner: YdbRunner): LedgerStore {
  async function append(run: AccrualRun, entries: LedgerEntry[]): Promise<void> {
    checkDistinctEntries(entries);
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
        const existing = [...decodeRows(byKey), ...decodeRows(byId)].map((row) => ({
          id: String(row['id']),
          runId: String(row['run_id']),
        }));
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
      const partner = filter?.partnerId;
      const quarter = filter?.quarter;
      const text = (row: Row | undefined, column: string) => param.utf8(row === undefined ? '' : String(row[column]));
      const seq = (row: Row | undefined) => param.uint64(row === undefined ? 0 : (row['seq'] as bigint));
      // One query per access path; each is a key range of the table or of its by_quarter index.
      const read: PagedRead =
        partner !== undefined && quarter !== undefined
          ? {
              text: LIST_LEDGER_BY_PARTNER_QUARTER_PAGE,
              params: { $partner_id: param.utf8(partner), $quarter: param.utf8(quarter) },
              cursor: (last) => ({
                $after_specialization: text(last, 'specialization'),
                $after_currency: text(last, 'currency'),
                $after_seq: seq(last),
              }),
            }
          : partner !== undefined
            ? {
                text: LIST_LEDGER_BY_PARTNER_PAGE,
                params: { $partner_id: param.utf8(partner) },
                cursor: (last) => ({
                  $after_quarter: text(last, 'quarter'),
                  $after_specialization: text(last, 'specialization'),
                  $after_currency: text(last, 'currency'),
                  $after_seq: seq(last),
                }),
              }
            : quarter !== undefined
              ? {
                  text: LIST_LEDGER_BY_QUARTER_PAGE,
                  params: { $quarter: param.utf8(quarter) },
                  cursor: (last) => ({
                    $after_partner_id: text(last, 'partner_id'),
                    $after_specialization: text(last, 'specialization'),
                    $after_currency: text(last, 'currency'),
                    $after_seq: seq(last),
                  }),
                }
              : {
                  text: LIST_LEDGER_PAGE,
                  params: {},
                  cursor: (last) => ({
                    $after_partner_id: text(last, 'partner_id'),
                    $after_quarter: text(last, 'quarter'),
                    $after_specialization: text(last, 'specialization'),
                    $after_currency: text(last, 'currency'),
                    $after_seq: seq(last),
                  }),
                };
      try {
        const rows = await runner.readAll(read, readLedgerEntry);
        // The port's order: (partner, quarter, specialization, currency, seq), the table key's.
        return rows.sort(compareLedgerKey);
      } catch (error) {
        throw ydbFailure('list ledger entries', error);
      }
    },
    async appendRun(run, entries) {
      try {
        await append(run, entries);
      } catch (error) {
        // INSERT refuses an existing key: the same conflict, caught by YDB instead of the check.
        if (ydbStatus(error) === StatusCode.PRECONDITION_FAILED)
          throw new LedgerConflictError(entries[0]?.id ?? run.runId, { cause: error });
        throw ydbFailure(`append run ${run.runId}`, error);
      }
    },
    async listRuns(filter) {
      const quarter = filter?.quarter;
      const after = (row: Row | undefined, column: string) => param.utf8(row === undefined ? '' : String(row[column]));
      const read: PagedRead =
        quarter === undefined
          ? {
              text: LIST_RUNS_PAGE,
              params: {},
              cursor: (last) => ({ $after_quarter: after(last, 'quarter'), $after_run_id: after(last, 'run_id') }),
            }
          : {
              text: LIST_RUNS_BY_QUARTER_PAGE,
              params: { $quarter: param.utf8(quarter) },
              cursor: (last) => ({ $after_run_id: after(last, 'run_id') }),
            };
      try {
        const rows = await runner.readAll(read, readRun);
        return rows.sort((a, b) =>
          a.startedAt !== b.startedAt ? (a.startedAt < b.startedAt ? -1 : 1) : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0,
        );
      } catch (error) {
        throw ydbFailure('list accrual runs', error);
      }
    },
  };
}
