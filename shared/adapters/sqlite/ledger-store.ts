/**
 * The append-only rebate ledger (R7, R8) and accrual runs (R12) on SQLite. There is no UPDATE
 * or DELETE here on purpose: corrections are new entries and balances are sums.
 */
import type Database from 'better-sqlite3';
import type { AccrualRun, LedgerEntry } from '../../domain/model';
import { LedgerConflictError, StoreError, type LedgerStore } from '../../ports/store';
import { checkDistinctEntries } from '../../ports/store-rules';
import { checkRow, decodeRow, ledgerRow, moneyText, runRow } from './row-schemas';

const ENTRY_KEY = ['id'] as const;

function entryToRow(entry: LedgerEntry) {
  return {
    id: entry.id,
    partner_id: entry.partnerId,
    quarter: entry.quarter,
    specialization: entry.specialization,
    currency: entry.currency,
    seq: entry.seq,
    amount: moneyText(entry.amount),
    kind: entry.kind,
    run_id: entry.runId,
    created_at: entry.createdAt,
    actor: entry.actor,
    note: entry.note,
  };
}

function runToRow(run: AccrualRun) {
  return {
    run_id: run.runId,
    quarter: run.quarter,
    dry_run: run.dryRun ? 1 : 0,
    rules_versions: JSON.stringify(run.rulesVersions),
    rules_digest: run.rulesDigest,
    started_at: run.startedAt,
    actor: run.actor,
    note: run.note,
    entries: run.entries,
  };
}

export function createSqliteLedgerStore(db: Database.Database): LedgerStore {
  const insertEntry = db.prepare(
    `INSERT INTO ledger_entries (id, partner_id, quarter, specialization, currency, seq, amount, kind, run_id,
       created_at, actor, note)
     VALUES (@id, @partner_id, @quarter, @specialization, @currency, @seq, @amount, @kind, @run_id,
       @created_at, @actor, @note)`,
  );
  const clashingEntry = db.prepare(
    `SELECT id FROM ledger_entries
     WHERE id = @id OR (partner_id = @partner_id AND quarter = @quarter AND specialization = @specialization
       AND currency = @currency AND seq = @seq)
     LIMIT 1`,
  );
  const insertRun = db.prepare(
    `INSERT INTO accrual_runs (run_id, quarter, dry_run, rules_versions, rules_digest, started_at, actor, note, entries)
     VALUES (@run_id, @quarter, @dry_run, @rules_versions, @rules_digest, @started_at, @actor, @note, @entries)`,
  );
  const runExists = db.prepare('SELECT 1 FROM accrual_runs WHERE run_id = ?');
  const listEntries = db.prepare(
    `SELECT * FROM ledger_entries
     WHERE (@partner IS NULL OR partner_id = @partner) AND (@quarter IS NULL OR quarter = @quarter)
     ORDER BY partner_id, quarter, specialization, currency, seq`,
  );
  const listRuns = db.prepare('SELECT * FROM accrual_runs WHERE (@quarter IS NULL OR quarter = @quarter) ORDER BY started_at, run_id');

  const append = db.transaction((runRowValue: ReturnType<typeof runToRow>, entryRows: ReturnType<typeof entryToRow>[]) => {
    if (runExists.get(runRowValue.run_id) !== undefined) {
      throw new StoreError('ALREADY_EXISTS', `accrual run ${runRowValue.run_id} is already recorded`);
    }
    // Deterministic entry ids (key + seq) make a concurrent run that computed the same entries
    // collide here; throwing rolls back the whole run, so the loser writes nothing (R7).
    const ids = new Set<string>();
    const keySeqs = new Set<string>();
    for (const row of entryRows) {
      const keySeq = JSON.stringify([row.partner_id, row.quarter, row.specialization, row.currency, row.seq]);
      const clash = clashingEntry.get(row) as { id: string } | undefined;
      if (clash !== undefined || ids.has(row.id) || keySeqs.has(keySeq)) throw new LedgerConflictError(row.id);
      ids.add(row.id);
      keySeqs.add(keySeq);
      insertEntry.run(row);
    }
    insertRun.run(runRowValue);
  });

  return {
    async listEntries(filter) {
      return listEntries
        .all({ partner: filter?.partnerId ?? null, quarter: filter?.quarter ?? null })
        .map((raw) => decodeRow(ledgerRow, 'ledger_entries', ENTRY_KEY, raw));
    },
    async appendRun(run, entries) {
      checkDistinctEntries(entries);
      const runValue = checkRow(runRow, 'accrual_runs', ['run_id'], runToRow(run));
      const entryRows = entries.map((entry) => checkRow(ledgerRow, 'ledger_entries', ENTRY_KEY, entryToRow(entry)));
      append.immediate(runValue, entryRows);
    },
    async listRuns(filter) {
      return listRuns.all({ quarter: filter?.quarter ?? null }).map((raw) => decodeRow(runRow, 'accrual_runs', ['run_id'], raw));
    },
  };
}
