/**
 * Usage aggregates, account-day versions (I1) and the ingest log (I5) in YDB.
 *
 * Replacement is atomic for readers (I3): a batch's rows are written with BulkUpsert under a
 * fresh generation id that no reader follows yet; then one serializable transaction compares
 * versions (I1: replace when batch.version ≥ stored) and switches every winning account-day's
 * pointer to its new generation. Readers join usage with the pointers, so they see all of a
 * call's account-days or none. Replaced generations are deleted afterwards, best effort; a crash
 * before the switch leaves only unreferenced rows, and a re-run finishes the job.
 */
import { randomUUID } from 'node:crypto';
import { isDay, type DayRange } from '../../domain/calendar';
import type { AccountDayVersion } from '../../domain/model';
import { StoreError, type AccountDayBatch, type ApplyResult, type StaleAccountDay, type UsageStore } from '../../ports/store';
import { DELETE_USAGE_GENERATIONS, LIST_ACCOUNT_DAY_VERSIONS_PAGE, LIST_INGEST_LOG_PAGE, SCAN_USAGE_PAGE, SELECT_ACCOUNT_DAY_VERSIONS, UPSERT_ACCOUNT_DAY_VERSIONS, UPSERT_INGEST_LOG } from './queries';
import { readIngest, readUsage, readVersion } from './rows';
import { withTransaction, ydbFailure, type Tx, type YdbRunner } from './runner';
import { decodeRows, param, structList, type StructFields } from './values';

export interface YdbUsageOptions {
  /** Rows per BulkUpsert request (default 1000). */
  bulkBatchRows?: number;
  /** Account-days per key lookup or pointer upsert (default 500; each lookup stays under 1000 rows). */
  keyChunk?: number;
  /** Told about best-effort cleanups that failed (rows left unreferenced, harmless to readers). */
  onWarning?: (message: string, cause: unknown) => void;
}

const KEY_FIELDS: StructFields = { day: { scalar: 'Date' }, account_id: { scalar: 'Utf8' } };
const GENERATION_FIELDS: StructFields = { ...KEY_FIELDS, generation: { scalar: 'Utf8' } };
const POINTER_FIELDS: StructFields = { ...GENERATION_FIELDS, version: { scalar: 'Uint64' }, source_key: { scalar: 'Utf8' } };
export const USAGE_FIELDS: StructFields = {
  ...GENERATION_FIELDS,
  service_id: { scalar: 'Utf8' },
  sku_id: { scalar: 'Utf8' },
  currency: { scalar: 'Utf8' },
  cost: { scalar: 'Money' },
  credit: { scalar: 'Money' },
  service_name: { scalar: 'Utf8' },
  sku_name: { scalar: 'Utf8' },
  row_count: { scalar: 'Uint64' },
};
const INGEST_FIELDS: StructFields = {
  object_key: { scalar: 'Utf8' },
  id: { scalar: 'Utf8' },
  etag: { scalar: 'Utf8', optional: true },
  version: { scalar: 'Uint64', optional: true },
  row_count: { scalar: 'Uint64' },
  account_days_applied: { scalar: 'Uint64' },
  account_days_stale: { scalar: 'Uint64' },
  status: { scalar: 'Utf8' },
  reason: { scalar: 'Utf8', optional: true },
  started_at: { scalar: 'Utf8' },
  finished_at: { scalar: 'Utf8' },
};

interface Stored {
  version: number;
  generation: string;
}

const keyOf = (accountId: string, day: string) => `${day}\u0000${accountId}`;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function checkRange(range: DayRange): void {
  if (!isDay(range.from) || !isDay(range.to)) {
    throw new StoreError('INVALID_RANGE', `day range ${range.from}..${range.to} is not two calendar days (YYYY-MM-DD)`);
  }
}

/** Validates every batch before anything is written: a bad call writes nothing. */
function checkBatches(sourceKey: string, batches: readonly AccountDayBatch[]): void {
  if (sourceKey === '') throw new StoreError('INVALID_BATCH', 'applyAccountDays needs a source key');
  const accountDays = new Set<string>();
  for (const batch of batches) {
    const where = `account-day ${batch.accountId}/${batch.day}`;
    if (batch.accountId === '' || !isDay(batch.day)) throw new StoreError('INVALID_BATCH', `${where}: bad account id or day`);
    if (!Number.isSafeInteger(batch.version) || batch.version < 0) throw new StoreError('INVALID_BATCH', `${where}: version ${batch.version} is not a non-negative integer`);
    if (accountDays.has(keyOf(batch.accountId, batch.day))) throw new StoreError('INVALID_BATCH', `${where} appears twice in one call`);
    accountDays.add(keyOf(batch.accountId, batch.day));
    const seen = new Set<string>();
    for (const row of batch.rows) {
      if (row.accountId !== batch.accountId || row.day !== batch.day) throw new StoreError('INVALID_BATCH', `${where} holds a row of ${row.accountId}/${row.day}`);
      const rowKey = `${row.serviceId}\u0000${row.skuId}\u0000${row.currency}`;
      if (seen.has(rowKey)) throw new StoreError('INVALID_BATCH', `${where} holds two rows for ${row.serviceId}/${row.skuId}/${row.currency}`);
      seen.add(rowKey);
    }
  }
}

export function createYdbUsageStore(runner: YdbRunner, options: YdbUsageOptions = {}): UsageStore {
  const bulkBatchRows = options.bulkBatchRows ?? 1000;
  const keyChunk = options.keyChunk ?? 500;
  const warn = options.onWarning ?? (() => undefined);

  /** Stored versions of the given account-days, read chunk by chunk through `query`. */
  async function storedVersions(batches: readonly AccountDayBatch[], query: (params: Parameters<Tx['query']>[1]) => ReturnType<Tx['query']>) {
    const stored = new Map<string, Stored>();
    for (const chunk of chunks(batches, keyChunk)) {
      const result = await query({ $keys: structList(KEY_FIELDS, chunk.map((b) => ({ day: b.day, account_id: b.accountId }))) });
      const set = result.resultSets[0];
      if (set?.truncated) throw new StoreError('YDB_TRUNCATED', `account-day lookup of ${chunk.length} keys came back truncated`);
      for (const row of decodeRows(set)) {
        stored.set(keyOf(String(row['account_id']), String(row['day'])), { version: Number(row['version']), generation: String(row['generation']) });
      }
    }
    return stored;
  }

  async function writeGenerations(batches: readonly AccountDayBatch[], generations: ReadonlyMap<string, string>): Promise<void> {
    const rows = batches.flatMap((batch) =>
      batch.rows.map((a) => ({
        day: a.day,
        account_id: a.accountId,
        generation: generations.get(keyOf(batch.accountId, batch.day)),
        service_id: a.serviceId,
        sku_id: a.skuId,
        currency: a.currency,
        cost: a.cost,
        credit: a.credit,
        service_name: a.serviceName,
        sku_name: a.skuName,
        row_count: a.rows,
      })),
    );
    // Bounded requests; each one is repeat-safe (same keys, same generation, same values).
    for (const chunk of chunks(rows, bulkBatchRows)) {
      const typed = structList(USAGE_FIELDS, chunk);
      await runner.retry((session) => session.bulkUpsert('usage_aggregates', typed));
    }
  }

  /** I1 compare and pointer switch, one transaction for the whole call (I3). */
  function switchPointers(sourceKey: string, batches: readonly AccountDayBatch[], generations: ReadonlyMap<string, string>) {
    return runner.retry((session) =>
      withTransaction(runner, session, async (tx) => {
        const stored = await storedVersions(batches, (params) => tx.query(SELECT_ACCOUNT_DAY_VERSIONS, params));
        const winners: AccountDayBatch[] = [];
        const stale = new Map<string, number>();
        const replaced: { day: string; account_id: string; generation: string }[] = [];
        for (const batch of batches) {
          const key = keyOf(batch.accountId, batch.day);
          const current = stored.get(key);
          if (current !== undefined && batch.version < current.version) {
            stale.set(key, current.version);
            continue;
          }
          winners.push(batch);
          // After a retried switch that had committed, the stored generation is already ours.
          if (current !== undefined && current.generation !== generations.get(key)) replaced.push({ day: batch.day, account_id: batch.accountId, generation: current.generation });
        }
        const pointers = winners.map((b) => ({ day: b.day, account_id: b.accountId, generation: generations.get(keyOf(b.accountId, b.day)), version: b.version, source_key: sourceKey }));
        const parts = chunks(pointers, keyChunk);
        for (const [i, part] of parts.entries()) await tx.query(UPSERT_ACCOUNT_DAY_VERSIONS, { $rows: structList(POINTER_FIELDS, part) }, i === parts.length - 1);
        return { stale, replaced };
      }),
    );
  }

  async function dropGenerations(generations: { day: string; account_id: string; generation: string }[]): Promise<void> {
    for (const chunk of chunks(generations, 100)) {
      try {
        const typed = structList(GENERATION_FIELDS, chunk);
        await runner.retry((session) => runner.execute(session, DELETE_USAGE_GENERATIONS, { $generations: typed }));
      } catch (error) {
        warn(`could not delete ${chunk.length} replaced usage generations; they stay unreferenced`, error);
      }
    }
  }

  async function apply(sourceKey: string, batches: readonly AccountDayBatch[]): Promise<ApplyResult> {
    // Skip clearly stale account-days before writing their rows (BulkUpsert costs RUs); the
    // binding compare happens again inside the switch transaction.
    const before = await runner.retry((session) => storedVersions(batches, (params) => runner.execute(session, SELECT_ACCOUNT_DAY_VERSIONS, params)));
    const candidates = batches.filter((b) => !(b.version < (before.get(keyOf(b.accountId, b.day))?.version ?? -1)));
    const generations = new Map(candidates.map((b) => [keyOf(b.accountId, b.day), randomUUID()] as const));
    if (candidates.length > 0) await writeGenerations(candidates, generations);
    const switched = candidates.length > 0 ? await switchPointers(sourceKey, candidates, generations) : { stale: new Map<string, number>(), replaced: [] };

    const applied: AccountDayVersion[] = [];
    const stale: StaleAccountDay[] = [];
    const lost: { day: string; account_id: string; generation: string }[] = [];
    for (const batch of batches) {
      const key = keyOf(batch.accountId, batch.day);
      const storedVersion = switched.stale.get(key) ?? (generations.has(key) ? undefined : before.get(key)?.version);
      if (storedVersion === undefined) {
        applied.push({ accountId: batch.accountId, day: batch.day, version: batch.version, sourceKey });
        continue;
      }
      stale.push({ accountId: batch.accountId, day: batch.day, version: batch.version, storedVersion });
      const written = generations.get(key);
      if (written !== undefined) lost.push({ day: batch.day, account_id: batch.accountId, generation: written });
    }
    await dropGenerations([...switched.replaced, ...lost]);
    return { applied, stale };
  }

  async function* scan(range: DayRange, accountIds: readonly string[] | undefined) {
    checkRange(range);
    if (accountIds !== undefined && accountIds.length === 0) return;
    let rows;
    try {
      rows = await runner.readAll({
        text: SCAN_USAGE_PAGE,
        params: { $from: param.date(range.from), $to: param.date(range.to), $all_accounts: param.bool(accountIds === undefined), $account_ids: param.utf8List(accountIds ?? []) },
        // The first cursor (from, '', '', '', '') precedes every row of the range: ids and currencies are non-empty.
        cursor: (last) => ({
          $after_day: param.date(last === undefined ? range.from : String(last['day'])),
          $after_account_id: param.utf8(last === undefined ? '' : String(last['account_id'])),
          $after_service_id: param.utf8(last === undefined ? '' : String(last['service_id'])),
          $after_sku_id: param.utf8(last === undefined ? '' : String(last['sku_id'])),
          $after_currency: param.utf8(last === undefined ? '' : String(last['currency'])),
        }),
      });
    } catch (error) {
      throw ydbFailure(`scan usage ${range.from}..${range.to}`, error);
    }
    for (const row of rows) yield readUsage(row);
  }

  return {
    async applyAccountDays(sourceKey, batches) {
      checkBatches(sourceKey, batches);
      if (batches.length === 0) return { applied: [], stale: [] };
      try {
        return await apply(sourceKey, batches);
      } catch (error) {
        throw ydbFailure(`apply ${batches.length} account-days from ${sourceKey}`, error);
      }
    },
    scanUsage: (range, filter) => scan(range, filter?.accountIds),
    async listAccountDayVersions(range) {
      checkRange(range);
      try {
        const rows = await runner.readAll({
          text: LIST_ACCOUNT_DAY_VERSIONS_PAGE,
          params: { $from: param.date(range.from), $to: param.date(range.to) },
          cursor: (last) => ({
            $after_day: param.date(last === undefined ? range.from : String(last['day'])),
            $after_account_id: param.utf8(last === undefined ? '' : String(last['account_id'])),
          }),
        });
        return rows.map(readVersion);
      } catch (error) {
        throw ydbFailure(`list account-day versions ${range.from}..${range.to}`, error);
      }
    },
    async recordIngest(entry) {
      const rows = structList(INGEST_FIELDS, [
        {
          object_key: entry.objectKey,
          id: entry.id,
          etag: entry.etag,
          version: entry.version,
          row_count: entry.rows,
          account_days_applied: entry.accountDaysApplied,
          account_days_stale: entry.accountDaysStale,
          status: entry.status,
          reason: entry.reason,
          started_at: entry.startedAt,
          finished_at: entry.finishedAt,
        },
      ]);
      try {
        await runner.retry((session) => runner.execute(session, UPSERT_INGEST_LOG, { $rows: rows }));
      } catch (error) {
        throw ydbFailure(`record ingest of ${entry.objectKey}`, error);
      }
    },
    async listIngestLog(filter) {
      const limit = filter?.limit;
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new StoreError('INVALID_FILTER', `ingest log limit ${limit} is not a positive integer`);
      try {
        const rows = await runner.readAll({
          text: LIST_INGEST_LOG_PAGE,
          params: { $object_key: param.optionalUtf8(filter?.objectKey) },
          cursor: (last) => ({ $after_object_key: param.utf8(last === undefined ? '' : String(last['object_key'])), $after_id: param.utf8(last === undefined ? '' : String(last['id'])) }),
        });
        const newestFirst = rows.map(readIngest).sort((a, b) => (a.startedAt !== b.startedAt ? (a.startedAt < b.startedAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        return limit === undefined ? newestFirst : newestFirst.slice(0, limit);
      } catch (error) {
        throw ydbFailure('list the ingest log', error);
      }
    },
  };
}
