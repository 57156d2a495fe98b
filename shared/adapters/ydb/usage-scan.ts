/**
 * The usage scan's page sources: each reads in YDB no more than it returns, up to small constants.
 * - All accounts: per bucket, `SCAN_USAGE_PAGE` reads one key range of usage_aggregates (the
 *   bucket's days of the range) with the LIMIT on that single table, then matches those rows with
 *   their pointers by key (rows of dead generations are read, not returned; cleanup keeps them
 *   rare); the buckets are merged back into scan order (bucket-merge.ts). Reads ≈ rows returned +
 *   one pointer per account-day and page, plus one query per bucket.
 * - Listed accounts: the (day, account) keys of the range, in scan order, go in chunks to
 *   `SCAN_USAGE_ACCOUNT_DAYS` (pointer by key, then its generation by key prefix). An answer cut at
 *   YDB's 1000-row limit is a sorted prefix: its complete account-days are kept, the cut one is
 *   finished by key pages (`SCAN_GENERATION_PAGE`), and the chunk size adapts (halves on a cut,
 *   doubles on a small answer), so the rows read beyond those returned stay bounded.
 * Both yield rows in (day, account, service, sku, currency) order, deterministically (the replay
 * of a broken stream relies on it).
 */
import { addDays, type DayRange } from '../../domain/calendar';
import { StoreError } from '../../ports/store';
import type { PageSource, SnapshotQuery } from './paged-reads';
import { SCAN_GENERATION_PAGE, SCAN_USAGE_ACCOUNT_DAYS, SCAN_USAGE_PAGE, SELECT_APPLIES_IN_PROGRESS } from './queries';
import { ACCOUNT_DAY_KEY, accountDayKey, BUCKET_VALUES, compareUtf8 } from './account-day-key';
import { mergeBuckets } from './bucket-merge';
import { decodeRows, param, structList, type Row } from './values';

/** Account-days per filtered lookup: start, floor and ceiling of the adaptive chunk. */
const CHUNK = { start: 100, max: 1000 } as const;

/**
 * The applies still in progress, as the snapshot sees them: their pointers are followed through
 * `prev_*` (I3). Read once per snapshot; a tiny table (running or crashed applies only).
 */
export async function appliesInProgress(query: SnapshotQuery): Promise<string[]> {
  const set = (await query(SELECT_APPLIES_IN_PROGRESS, {})).resultSets[0];
  if (set?.truncated) throw new StoreError('YDB_TRUNCATED', 'applies_in_progress holds more than 1000 applies: clean up crashed ingests');
  return decodeRows(set).map((row) => String(row['apply_id']));
}

/** One bucket's live rows of the range, page by page: each page one key range read with its LIMIT. */
async function* bucketPages(
  query: SnapshotQuery,
  bucket: number,
  range: DayRange,
  inProgress: ReturnType<typeof param.utf8List>,
  pageSize: number,
): AsyncGenerator<Row[], void, undefined> {
  let after = { day: range.from, account_id: '', generation: '', service_id: '', sku_id: '', currency: '' };
  for (;;) {
    const result = await query(SCAN_USAGE_PAGE, {
      $bucket: param.uint32(bucket),
      $from: param.date(range.from),
      $to: param.date(range.to),
      $after_day: param.date(after.day),
      $after_account_id: param.utf8(after.account_id),
      $after_generation: param.utf8(after.generation),
      $after_service_id: param.utf8(after.service_id),
      $after_sku_id: param.utf8(after.sku_id),
      $after_currency: param.utf8(after.currency),
      $limit: param.uint64(pageSize),
      $in_progress: inProgress,
    });
    const [liveSet, lastSet, countSet] = result.resultSets;
    const live = decodeRows(liveSet);
    if (liveSet?.truncated) {
      // Cut at YDB's row limit: continue after the last row that came back.
      const last = live[live.length - 1];
      if (last === undefined)
        throw new StoreError('YDB_TRUNCATED', 'scan_usage_page: empty page flagged truncated; refusing to guess the rest');
      yield live;
      after = cursorOf(last);
      continue;
    }
    if (live.length > 0) yield live;
    const last = decodeRows(lastSet)[0];
    const scanned = Number(decodeRows(countSet)[0]?.['scanned'] ?? 0n);
    if (last === undefined || scanned < pageSize) return;
    after = cursorOf(last);
  }
}

export function scanAllAccounts(range: DayRange): PageSource {
  return async function* scan_usage_page(query, pageSize) {
    const inProgress = param.utf8List(await appliesInProgress(query));
    yield* mergeBuckets(
      BUCKET_VALUES.map((bucket) => bucketPages(query, bucket, range, inProgress, pageSize)),
      pageSize,
    );
  };
}

function cursorOf(row: Row) {
  return {
    day: String(row['day']),
    account_id: String(row['account_id']),
    generation: String(row['generation']),
    service_id: String(row['service_id']),
    sku_id: String(row['sku_id']),
    currency: String(row['currency']),
  };
}

/** (day, account) keys of the range for these accounts, in scan order. */
function* accountDays(range: DayRange, accountIds: readonly string[]): Generator<ReturnType<typeof accountDayKey>> {
  const ids = [...new Set(accountIds)].sort(compareUtf8);
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) for (const id of ids) yield accountDayKey(id, day);
}

export function scanListedAccounts(range: DayRange, accountIds: readonly string[]): PageSource {
  return async function* scan_usage_account_days(query, pageSize) {
    const inProgress = param.utf8List(await appliesInProgress(query));
    const keys = accountDays(range, accountIds);
    let chunkSize: number = CHUNK.start;
    let pending: ReturnType<typeof accountDayKey>[] = [];
    for (;;) {
      while (pending.length < chunkSize) {
        const next = keys.next();
        if (next.done) break;
        pending.push(next.value);
      }
      if (pending.length === 0) return;
      const chunk = pending.slice(0, chunkSize);
      const result = await query(SCAN_USAGE_ACCOUNT_DAYS, { $keys: structList(ACCOUNT_DAY_KEY, chunk), $in_progress: inProgress });
      const set = result.resultSets[0];
      const rows = decodeRows(set);
      if (!set?.truncated) {
        pending = pending.slice(chunk.length);
        if (rows.length > 0) yield rows;
        if (rows.length < pageSize / 4) chunkSize = Math.min(CHUNK.max, chunkSize * 2);
        continue;
      }
      const last = rows[rows.length - 1];
      if (last === undefined)
        throw new StoreError('YDB_TRUNCATED', 'scan_usage_account_days: empty answer flagged truncated; refusing to guess the rest');
      // Account-days before the cut one are complete; finish the cut one by key pages.
      yield rows;
      let after = cursorOf(last);
      for (;;) {
        const page = await query(SCAN_GENERATION_PAGE, {
          $bucket: param.uint32(accountDayKey(after.account_id, after.day).bucket),
          $day: param.date(after.day),
          $account_id: param.utf8(after.account_id),
          $generation: param.utf8(after.generation),
          $after_service_id: param.utf8(after.service_id),
          $after_sku_id: param.utf8(after.sku_id),
          $after_currency: param.utf8(after.currency),
          $limit: param.uint64(pageSize),
        });
        const pageSet = page.resultSets[0];
        const more = decodeRows(pageSet);
        if (more.length > 0) yield more;
        const end = more[more.length - 1];
        if (end === undefined || (!pageSet?.truncated && more.length < pageSize)) break;
        after = cursorOf(end);
      }
      const cutAt = chunk.findIndex((k) => k.day === after.day && k.account_id === after.account_id);
      pending = pending.slice(cutAt + 1);
      chunkSize = Math.max(1, Math.floor(chunkSize / 2));
    }
  };
}
