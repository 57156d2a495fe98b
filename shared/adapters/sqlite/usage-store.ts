/**
 * Usage aggregates, account-day versions (I1) and the ingest log (I5) on SQLite.
 * The only decision taken here is the I1 version compare, because it must happen inside the
 * same write transaction as the replacement (see the port).
 */
import type Database from 'better-sqlite3';
import { isDay, type DayRange } from '../../domain/calendar';
import type { AccountDayVersion, IngestLogEntry, UsageAggregate } from '../../domain/model';
import { accountDayDigest, decideReplacement } from '../../domain/replacement';
import { StoreError, type AccountDayBatch, type StaleAccountDay, type UsageStore, type VersionConflict } from '../../ports/store';
import { checkApplyCall, checkDayRange, checkIngestLimit, ingestAlreadyExists } from '../../ports/store-rules';
import { checkRow, decodeRow, ingestRow, moneyText, usageRow, versionRow } from './row-schemas';

/** A private read connection for one scan; released when the scan ends. */
export interface ScanConnection {
  db: Database.Database;
  release(): void;
}

export interface SqliteUsageDeps {
  db: Database.Database;
  /**
   * Opens a private read connection for one scan, or returns null when the database cannot be
   * shared (in-memory). A scan on its own connection reads one consistent snapshot (WAL) and
   * leaves the main connection free for other calls made while the caller iterates.
   */
  openReader(): ScanConnection | null;
  /** Test hook for I3: called after every write step of an apply; a throw aborts the transaction. */
  faultInjector?: ((step: string) => void) | undefined;
}

const USAGE_KEY = ['account_id', 'day', 'service_id', 'sku_id', 'currency'] as const;
const USAGE_COLUMNS = 'day, account_id, service_id, sku_id, currency, cost, credit, service_name, sku_name, rows';
const SCAN_ORDER = 'ORDER BY day, account_id, service_id, sku_id, currency';

function usageToRow(aggregate: UsageAggregate) {
  return {
    day: aggregate.day,
    account_id: aggregate.accountId,
    service_id: aggregate.serviceId,
    sku_id: aggregate.skuId,
    currency: aggregate.currency,
    cost: moneyText(aggregate.cost),
    credit: moneyText(aggregate.credit),
    service_name: aggregate.serviceName,
    sku_name: aggregate.skuName,
    rows: aggregate.rows,
  };
}

/** Converts one account-day batch (already checked whole by checkApplyCall) to rows. */
function prepareBatch(batch: AccountDayBatch): ReturnType<typeof usageToRow>[] {
  return batch.rows.map(usageToRow);
}

export function createSqliteUsageStore(deps: SqliteUsageDeps): UsageStore {
  const { db } = deps;
  const fault = deps.faultInjector ?? (() => undefined);
  const storedVersion = db.prepare(
    'SELECT account_id, day, version, source_key, applied_at, digest FROM account_day_versions WHERE account_id = ? AND day = ?',
  );
  const deleteAccountDay = db.prepare('DELETE FROM usage_aggregates WHERE day = ? AND account_id = ?');
  const insertAggregate = db.prepare(
    `INSERT INTO usage_aggregates (${USAGE_COLUMNS})
     VALUES (@day, @account_id, @service_id, @sku_id, @currency, @cost, @credit, @service_name, @sku_name, @rows)`,
  );
  const upsertVersion = db.prepare(
    `INSERT INTO account_day_versions (account_id, day, version, source_key, applied_at, digest) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (account_id, day) DO UPDATE SET
       version = excluded.version, source_key = excluded.source_key, applied_at = excluded.applied_at, digest = excluded.digest`,
  );
  const releaseVersion = db.prepare(
    'UPDATE account_day_versions SET version = 0, digest = NULL, source_key = ?, applied_at = ? WHERE account_id = ? AND day = ?',
  );
  const versionsInRange = db.prepare(
    `SELECT account_id, day, version, source_key, applied_at FROM account_day_versions
     WHERE day BETWEEN ? AND ? ORDER BY day, account_id`,
  );
  const insertIngest = db.prepare(
    `INSERT INTO ingest_log (id, object_key, etag, version, rows, account_days_applied, account_days_stale, status,
       reason, started_at, finished_at)
     VALUES (@id, @object_key, @etag, @version, @rows, @account_days_applied, @account_days_stale, @status,
       @reason, @started_at, @finished_at)`,
  );
  const ingestExists = db.prepare('SELECT 1 FROM ingest_log WHERE id = ?');
  const listIngest = db.prepare(
    `SELECT * FROM ingest_log WHERE (@object_key IS NULL OR object_key = @object_key)
     ORDER BY started_at DESC, id DESC LIMIT @limit`,
  );

  // I1 + I3: one IMMEDIATE transaction takes the write lock before the versions are read, so the
  // compare and the replacement cannot interleave with another writer, and a failure at any step
  // rolls back every account-day of the call.
  // The whole call is checked first (store-rules: an account-day once per call, rows its own and
  // in range); rows are converted one account-day at a time inside the transaction, so a large
  // file never holds two copies of its aggregates.
  const apply = db.transaction((sourceKey: string, batches: AccountDayBatch[]) => {
    const applied: AccountDayVersion[] = [];
    const stale: StaleAccountDay[] = [];
    const conflicts: VersionConflict[] = [];
    const appliedAt = new Date().toISOString();
    for (const batch of batches) {
      const rows = prepareBatch(batch);
      const raw = storedVersion.get(batch.accountId, batch.day) as { digest?: unknown } | undefined;
      const stored = raw === undefined ? undefined : decodeRow(versionRow, 'account_day_versions', ['account_id', 'day'], raw);
      const storedDigest = typeof raw?.digest === 'string' ? raw.digest : null;
      const digest = accountDayDigest(batch.rows);
      const decision = decideReplacement(stored && { version: stored.version, digest: storedDigest }, { version: batch.version, digest });
      if (decision === 'stale') {
        stale.push({ accountId: batch.accountId, day: batch.day, version: batch.version, storedVersion: stored!.version });
        continue;
      }
      if (decision === 'keep-conflict' || decision === 'replace-conflict') {
        const kept = decision === 'keep-conflict' ? 'stored' : 'incoming';
        conflicts.push({ accountId: batch.accountId, day: batch.day, version: batch.version, digest, storedDigest: storedDigest!, kept });
        if (kept === 'stored') continue;
      }
      const step = `${batch.accountId}/${batch.day}`;
      deleteAccountDay.run(batch.day, batch.accountId);
      fault(`delete:${step}`);
      for (const row of rows) insertAggregate.run(row);
      fault(`insert:${step}`);
      upsertVersion.run(batch.accountId, batch.day, batch.version, sourceKey, appliedAt, digest);
      fault(`version:${step}`);
      applied.push({ accountId: batch.accountId, day: batch.day, version: batch.version, sourceKey });
    }
    fault('commit');
    return { applied, stale, conflicts };
  });

  const release = db.transaction((keys: readonly { accountId: string; day: string }[], sourceKey: string) => {
    const found: AccountDayVersion[] = [];
    const at = new Date().toISOString();
    for (const key of keys) {
      const raw = storedVersion.get(key.accountId, key.day);
      if (raw === undefined) continue;
      const stored = decodeRow(versionRow, 'account_day_versions', ['account_id', 'day'], raw);
      releaseVersion.run(sourceKey, at, key.accountId, key.day);
      found.push({ accountId: stored.accountId, day: stored.day, version: stored.version, sourceKey: stored.sourceKey });
    }
    return found;
  });

  async function* scan(range: DayRange, accountIds: readonly string[] | undefined): AsyncGenerator<UsageAggregate> {
    checkDayRange(range);
    // json_each keeps any number of account ids in one parameter and one statement, so the
    // result stays in scan order without chunked IN lists.
    const sql = `SELECT ${USAGE_COLUMNS} FROM usage_aggregates WHERE day BETWEEN @from AND @to
      ${accountIds === undefined ? '' : 'AND account_id IN (SELECT value FROM json_each(@ids))'} ${SCAN_ORDER}`;
    const params = { from: range.from, to: range.to, ...(accountIds === undefined ? {} : { ids: JSON.stringify(accountIds) }) };
    const reader = deps.openReader();
    try {
      // In memory there is no second connection: materialise (in-memory databases are small).
      const rows = reader === null ? db.prepare(sql).all(params) : reader.db.prepare(sql).iterate(params);
      for (const raw of rows) yield decodeRow(usageRow, 'usage_aggregates', USAGE_KEY, raw);
    } finally {
      reader?.release();
    }
  }

  return {
    async applyAccountDays(sourceKey, batches) {
      checkApplyCall(sourceKey, batches);
      return apply.immediate(sourceKey, batches);
    },
    scanUsage(range, filter) {
      return scan(range, filter?.accountIds);
    },
    async releaseAccountDays(keys, sourceKey) {
      if (sourceKey === '') throw new StoreError('INVALID_BATCH', 'releaseAccountDays needs a source key');
      for (const k of keys)
        if (!isDay(k.day) || k.accountId === '')
          throw new StoreError('INVALID_BATCH', `account-day ${k.accountId}/${k.day}: bad account id or day`);
      return release.immediate(keys, sourceKey);
    },
    async listAccountDayVersions(range) {
      checkDayRange(range);
      return versionsInRange
        .all(range.from, range.to)
        .map((raw) => decodeRow(versionRow, 'account_day_versions', ['account_id', 'day'], raw));
    },
    async recordIngest(entry: IngestLogEntry) {
      const row = checkRow(ingestRow, 'ingest_log', ['id'], {
        id: entry.id,
        object_key: entry.objectKey,
        etag: entry.etag,
        version: entry.version,
        rows: entry.rows,
        account_days_applied: entry.accountDaysApplied,
        account_days_stale: entry.accountDaysStale,
        status: entry.status,
        reason: entry.reason,
        started_at: entry.startedAt,
        finished_at: entry.finishedAt,
      });
      db.transaction(() => {
        if (ingestExists.get(entry.id) !== undefined) throw ingestAlreadyExists(entry.id);
        insertIngest.run(row);
      }).immediate();
    },
    async listIngestLog(filter) {
      const limit = filter?.limit;
      checkIngestLimit(limit);
      return listIngest
        .all({ object_key: filter?.objectKey ?? null, limit: limit ?? -1 })
        .map((raw) => decodeRow(ingestRow, 'ingest_log', ['id'], raw));
    },
  };
}
