/**
 * How an apply is cut to stay within YDB's limits: statements of at most `keyChunk` keys (answers
 * under 1000 rows), switch transactions of at most `maxTxKeys` locked keys, cleanups grouped by
 * the keys they are expected to lock.
 */
import type { AccountDayBatch } from '../../ports/store';

/** Account-days per cleanup statement at most: each reads and deletes whole account-days. */
export const CLEANUP_CHUNK = 100;
/**
 * Keys a cleanup locks per account-day, estimated from the new copy's R rows: the pointer, the
 * rows of the live generation, of the one it replaced and of one more (a lost compare or an
 * orphan) — 1 + 3R.
 */
export const cleanupKeys = (rows: number) => 1 + 3 * Math.max(1, rows);

/**
 * The batches of a (lazy) stream in consecutive chunks of at most `maxBatches` account-days and,
 * unless one account-day alone is larger, `maxRows` aggregate rows; only one chunk is held at a time.
 */
export function* batchesOf(batches: Iterable<AccountDayBatch>, maxBatches: number, maxRows: number): Generator<AccountDayBatch[]> {
  let chunk: AccountDayBatch[] = [];
  let rows = 0;
  for (const batch of batches) {
    if (chunk.length > 0 && (chunk.length >= maxBatches || rows + batch.rows.length > maxRows)) {
      yield chunk;
      chunk = [];
      rows = 0;
    }
    chunk.push(batch);
    rows += batch.rows.length;
  }
  if (chunk.length > 0) yield chunk;
}

/** Consecutive groups whose weights sum to at most `limit` (a heavier single item is a group alone). */
export function groupsByWeight<T>(items: readonly T[], weight: (item: T) => number, limit: number, maxItems: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let sum = 0;
  for (const item of items) {
    const w = weight(item);
    if (current.length > 0 && (sum + w > limit || current.length >= maxItems)) {
      out.push(current);
      current = [];
      sum = 0;
    }
    current.push(item);
    sum += w;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Keys a switch transaction locks per account-day: its pointer, its sentinel, and at most one apply registration. */
const KEYS_PER_ACCOUNT_DAY = 3;

/** Account-days per switch transaction for a lock limit: each locks at most KEYS_PER_ACCOUNT_DAY keys. */
export function switchChunkSize(maxTxKeys: number): number {
  return Math.max(1, Math.floor(maxTxKeys / KEYS_PER_ACCOUNT_DAY));
}

export const keyOf = (accountId: string, day: string) => `${day}\u0000${accountId}`;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
