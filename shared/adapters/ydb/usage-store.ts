/**
 * Usage aggregates, account-day versions (I1) and the ingest log (I5) in YDB. Replacing
 * account-days (generations, pointer switch, cleanup) lives in `usage-apply.ts`; the scan's page
 * sources, each linear in what it returns, in `usage-scan.ts`.
 *
 * A usage scan streams: it hands the caller one decoded page at a time from one snapshot and
 * reads the next page only when the caller has taken the previous one, so a quarter scan holds
 * one page, not the quarter (see `paged-reads.ts` for what a retry or an idle caller does).
 */
import { isDeepStrictEqual } from 'node:util';
import { isDay } from '../../domain/calendar';
import type { IngestLogEntry } from '../../domain/model';
import { checkDayRange, checkIngestLimit, compareIngestNewestFirst, ingestAlreadyExists } from '../../ports/store-rules';
import { StoreError, type UsageStore } from '../../ports/store';
import { BUCKET_VALUES, compareUtf8 } from './account-day-key';
import { keysetPages, type PageSource } from './paged-reads';
import { effectivePointer } from './pointers';
import {
  INSERT_INGEST_LOG,
  LIST_ACCOUNT_DAY_VERSIONS_PAGE,
  LIST_INGEST_LOG_BY_OBJECT_PAGE,
  LIST_INGEST_LOG_NEWEST_PAGE,
  SELECT_INGEST_LOG,
} from './queries';
import { readIngest, readUsage, readVersion } from './rows';
import { withTransaction, ydbFailure, ydbStatus, type YdbRunner } from './runner';
import { StatusCode } from './sdk';
import { createAccountDayReleaser } from './account-day-release';
import { createAccountDayApplier, type YdbUsageOptions } from './usage-apply';
import { appliesInProgress, scanAllAccounts, scanListedAccounts } from './usage-scan';
import { decodeRows, param, structList, type Row, type StructFields } from './values';

export type { YdbUsageOptions } from './usage-apply';

const INGEST_FIELDS: StructFields = {
  id: { scalar: 'Utf8' },
  object_key: { scalar: 'Utf8' },
  newest_first: { scalar: 'Uint64' },
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

/** `newest_first` = this − start time in ms: ascending index order is newest first (until year 2286). */
const NEWEST_BASE = 10_000_000_000_000;

function newestFirst(entry: IngestLogEntry): number {
  const ms = Date.parse(entry.startedAt);
  if (!Number.isFinite(ms) || ms < 0 || ms >= NEWEST_BASE)
    throw new StoreError('INVALID_RECORD', `ingest log entry ${entry.id}: started_at ${entry.startedAt} is not an ISO instant`);
  return NEWEST_BASE - ms;
}

/**
 * The newest `limit` entries (all without a limit) through one index, newest first. Reads stop
 * once `limit` rows are in and the start-time tie at the boundary is complete (ties sort by id
 * descending, the index by id ascending).
 */
function newestEntries(objectKey: string | undefined, limit: number | undefined): PageSource {
  return async function* list_ingest_log(query, pageSize) {
    let after = { newest: 0, id: '' };
    let taken = 0;
    let boundary: bigint | undefined;
    for (;;) {
      const size = limit === undefined ? pageSize : Math.min(pageSize, Math.max(1, limit - taken + 1));
      const cursor = { $after_newest_first: param.uint64(after.newest), $after_id: param.utf8(after.id), $limit: param.uint64(size) };
      const result =
        objectKey === undefined
          ? await query(LIST_INGEST_LOG_NEWEST_PAGE, cursor)
          : await query(LIST_INGEST_LOG_BY_OBJECT_PAGE, { $object_key: param.utf8(objectKey), ...cursor });
      const set = result.resultSets[0];
      const rows: Row[] = [];
      let done = false;
      for (const row of decodeRows(set)) {
        const newest = row['newest_first'] as bigint;
        if (limit !== undefined && taken >= limit && newest !== boundary) {
          done = true;
          break;
        }
        rows.push(row);
        taken += 1;
        if (limit !== undefined && taken === limit) boundary = newest;
      }
      if (rows.length > 0) yield rows;
      const last = rows[rows.length - 1];
      if (done || last === undefined || (!set?.truncated && decodeRows(set).length < size)) return;
      after = { newest: Number(last['newest_first']), id: String(last['id']) };
    }
  };
}

/**
 * Groups plus account-days an ingest into YDB holds in memory before a sorted run is written
 * (issue 11; `UsageStore.ingestMemoryEntries`). Lower than SQLite's: the CLI starts ~24 MB
 * larger with the YDB SDK and its gRPC stack loaded (20 MB of it heap), and the apply's requests
 * keep a V8 heap of 62–76 MB where SQLite's stays under 45 MB (the 200,000-row file below: 126 MB
 * on SQLite). Past this bound a file spills, and its apply reads merged runs instead of the columns.
 *
 * Measured peak RSS of the CLI bundle's ingest into the protocol fake (`npm run bench --
 * --ydb-memory`), backfill-wide (1,200,060 entries) by bound: 450,000 (three runs) 152.8 and
 * 153.0 MB; 700,000 (two runs) 167.6 MB; unspilled 185.5 MB, its peak the columns at the parse's
 * end. Each step buys a few seconds of spill writing and merging per million rows, which an apply
 * over the network does not notice; the margin under 200 MB is kept instead. The first 200,000
 * rows of backfill (392,060 entries, unspilled at this bound): 147.1 MB.
 */
export const YDB_INGEST_MEMORY_ENTRIES = 450_000;

export function createYdbUsageStore(runner: YdbRunner, options: YdbUsageOptions = {}): UsageStore {
  const apply = createAccountDayApplier(runner, options);
  const release = createAccountDayReleaser(runner, options);

  async function* scan(range: Parameters<UsageStore['scanUsage']>[0], accountIds: readonly string[] | undefined) {
    checkDayRange(range);
    if (accountIds !== undefined && accountIds.length === 0) return;
    const source = accountIds === undefined ? scanAllAccounts(range) : scanListedAccounts(range, accountIds);
    try {
      for await (const page of runner.stream(source, readUsage)) yield* page;
    } catch (error) {
      throw ydbFailure(`scan usage ${range.from}..${range.to}`, error);
    }
  }

  async function recordIngest(entry: IngestLogEntry): Promise<void> {
    const rows = structList(INGEST_FIELDS, [
      {
        id: entry.id,
        object_key: entry.objectKey,
        newest_first: newestFirst(entry),
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
    let attempt = 0;
    try {
      await runner.retry((session) =>
        withTransaction(runner, session, async (tx) => {
          attempt += 1;
          const [found] = decodeRows((await tx.query(SELECT_INGEST_LOG, { $id: param.utf8(entry.id) })).resultSets[0]).map(readIngest);
          if (found !== undefined) {
            // A retry after a commit whose answer was lost finds its own entry: that is success.
            if (attempt > 1 && isDeepStrictEqual(found, entry)) return;
            throw ingestAlreadyExists(entry.id);
          }
          await tx.query(INSERT_INGEST_LOG, { $rows: rows }, true);
        }),
      );
    } catch (error) {
      if (ydbStatus(error) === StatusCode.PRECONDITION_FAILED) throw ingestAlreadyExists(entry.id);
      throw ydbFailure(`record ingest of ${entry.objectKey}`, error);
    }
  }

  return {
    ingestMemoryEntries: YDB_INGEST_MEMORY_ENTRIES,
    // Streams: the batches are checked (checkedBatches) and applied a chunk at a time; a failure
    // of the stream reaches the caller as thrown, a YDB failure as a StoreError (usage-apply.ts).
    applyAccountDays: (sourceKey, batches) => apply(sourceKey, batches),
    scanUsage: (range, filter) => scan(range, filter?.accountIds),
    async releaseAccountDays(keys, sourceKey) {
      if (sourceKey === '') throw new StoreError('INVALID_BATCH', 'releaseAccountDays needs a source key');
      for (const k of keys)
        if (!isDay(k.day) || k.accountId === '')
          throw new StoreError('INVALID_BATCH', `account-day ${k.accountId}/${k.day}: bad account id or day`);
      if (keys.length === 0) return [];
      try {
        return await release(keys, sourceKey);
      } catch (error) {
        throw ydbFailure(`release ${keys.length} account-day version(s)`, error);
      }
    },
    async listAccountDayVersions(range) {
      checkDayRange(range);
      const versions: PageSource = async function* list_account_day_versions_page(query, pageSize) {
        const inProgress = new Set(await appliesInProgress(query));
        for (const bucket of BUCKET_VALUES) {
          const pages = keysetPages({
            text: LIST_ACCOUNT_DAY_VERSIONS_PAGE,
            params: { $bucket: param.uint32(bucket), $from: param.date(range.from), $to: param.date(range.to) },
            cursor: (last) => ({
              $after_day: param.date(last === undefined ? range.from : String(last['day'])),
              $after_account_id: param.utf8(last === undefined ? '' : String(last['account_id'])),
            }),
          })(query, pageSize);
          // What readers see: the pointer, or what it replaced while its apply is in progress (I3).
          for await (const rows of pages) {
            yield rows.flatMap((row) => {
              const pointer = effectivePointer(row, inProgress);
              return pointer
                ? [
                    {
                      day: row['day'] ?? null,
                      account_id: row['account_id'] ?? null,
                      version: BigInt(pointer.version),
                      source_key: pointer.sourceKey,
                    },
                  ]
                : [];
            });
          }
        }
      };
      try {
        // One bucket after another; the port lists them in (day, account) order.
        return (await runner.readAll(versions, readVersion)).sort(
          (a, b) => compareUtf8(a.day, b.day) || compareUtf8(a.accountId, b.accountId),
        );
      } catch (error) {
        throw ydbFailure(`list account-day versions ${range.from}..${range.to}`, error);
      }
    },
    recordIngest,
    async listIngestLog(filter) {
      const limit = filter?.limit;
      checkIngestLimit(limit);
      try {
        const rows = (await runner.readAll(newestEntries(filter?.objectKey, limit), readIngest)).sort(compareIngestNewestFirst);
        return limit === undefined ? rows : rows.slice(0, limit);
      } catch (error) {
        throw ydbFailure('list the ingest log', error);
      }
    },
  };
}
