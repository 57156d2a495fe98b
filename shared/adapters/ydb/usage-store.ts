/**
 * Usage aggregates, account-day versions (I1) and the ingest log (I5) in YDB. Replacing
 * account-days (generations, pointer switch, cleanup) lives in `usage-apply.ts`.
 *
 * A usage scan streams: it hands the caller one decoded page at a time from one snapshot and
 * reads the next page only when the caller has taken the previous one, so a quarter scan holds
 * one page, not the quarter (see `paged-reads.ts` for what a retry mid-scan does).
 */
import { isDay, type DayRange } from '../../domain/calendar';
import { StoreError, type UsageStore } from '../../ports/store';
import { LIST_ACCOUNT_DAY_VERSIONS_PAGE, LIST_INGEST_LOG_PAGE, SCAN_USAGE_PAGE, UPSERT_INGEST_LOG } from './queries';
import { readIngest, readUsage, readVersion } from './rows';
import { ydbFailure, type YdbRunner } from './runner';
import { checkBatches, createAccountDayApplier, createAccountDayReleaser, type YdbUsageOptions } from './usage-apply';
import { param, structList, type StructFields } from './values';

export type { YdbUsageOptions } from './usage-apply';

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

function checkRange(range: DayRange): void {
  if (!isDay(range.from) || !isDay(range.to)) {
    throw new StoreError('INVALID_RANGE', `day range ${range.from}..${range.to} is not two calendar days (YYYY-MM-DD)`);
  }
}

export function createYdbUsageStore(runner: YdbRunner, options: YdbUsageOptions = {}): UsageStore {
  const apply = createAccountDayApplier(runner, options);
  const release = createAccountDayReleaser(runner, options);

  async function* scan(range: DayRange, accountIds: readonly string[] | undefined) {
    checkRange(range);
    if (accountIds !== undefined && accountIds.length === 0) return;
    const pages = runner.stream(
      {
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
      },
      readUsage,
    );
    try {
      for await (const page of pages) yield* page;
    } catch (error) {
      throw ydbFailure(`scan usage ${range.from}..${range.to}`, error);
    }
  }

  return {
    async applyAccountDays(sourceKey, batches) {
      checkBatches(sourceKey, batches);
      if (batches.length === 0) return { applied: [], stale: [], conflicts: [] };
      try {
        return await apply(sourceKey, batches);
      } catch (error) {
        throw ydbFailure(`apply ${batches.length} account-days from ${sourceKey}`, error);
      }
    },
    scanUsage: (range, filter) => scan(range, filter?.accountIds),
    async releaseAccountDays(keys, sourceKey) {
      if (sourceKey === '') throw new StoreError('INVALID_BATCH', 'releaseAccountDays needs a source key');
      for (const k of keys) if (!isDay(k.day) || k.accountId === '') throw new StoreError('INVALID_BATCH', `account-day ${k.accountId}/${k.day}: bad account id or day`);
      if (keys.length === 0) return [];
      try {
        return await release(keys, sourceKey);
      } catch (error) {
        throw ydbFailure(`release ${keys.length} account-day version(s)`, error);
      }
    },
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
        }, readVersion);
        return rows;
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
        }, readIngest);
        const newestFirst = rows.sort((a, b) => (a.startedAt !== b.startedAt ? (a.startedAt < b.startedAt ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        return limit === undefined ? newestFirst : newestFirst.slice(0, limit);
      } catch (error) {
        throw ydbFailure('list the ingest log', error);
      }
    },
  };
}
