/**
 * The key of an account-day in usage_aggregates and account_day_versions, as the adapter sends it:
 * every query and BulkUpsert builds it here, so the key's shape lives in one place.
 *
 * Both tables lead their key with `bucket`, a stable hash of the account id, instead of `day`: a
 * day-first key sends every write of the current day to the partition holding the end of the key
 * space (one shard); with the bucket first, a day's writes spread over BUCKETS key ranges, each
 * its own partition from the start (UNIFORM_PARTITIONS, see schema.ts and docs/ydb.md).
 *
 * UNIFORM_PARTITIONS splits the whole range of the first key column (Uint32) into equal parts,
 * so a bucket is not an index 0..N-1 (all of them would fall into the first part) but the start of
 * its part: the hash with all but its top log2(BUCKETS) bits cleared, i·2^28 for i in 0..15.
 * Every account-day of one account lies in one bucket, so a bucket's rows stay in
 * (day, account_id, …) order and a day range of one bucket is one key range.
 */
import type { StructFields } from './values';

/** How many buckets (and initial partitions) the usage tables have; see docs/ydb.md for why 16. */
export const BUCKETS = 16;
const BUCKET_BITS = Math.log2(BUCKETS);
const BUCKET_SHIFT = 32 - BUCKET_BITS;

/** Every bucket value, ascending (the order of the key space). */
export const BUCKET_VALUES: readonly number[] = Array.from({ length: BUCKETS }, (_, i) => i * 2 ** BUCKET_SHIFT);

/**
 * A 32-bit hash of the account id's UTF-8 bytes, stable across processes, versions and platforms
 * (stored keys depend on it: never change it): FNV-1a, then MurmurHash3's finalizer so that the
 * top bits — the bucket — depend on every byte (FNV-1a alone puts ids that differ only in their
 * last characters, like acc-000…acc-063, into a few buckets).
 */
function accountHash(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The bucket of an account: the first value of the Uint32 range its hash falls in. */
export function bucketOf(accountId: string): number {
  return (accountHash(accountId) >>> BUCKET_SHIFT) * 2 ** BUCKET_SHIFT;
}

/** The key columns of an account-day, in key order. */
export const ACCOUNT_DAY_KEY: StructFields = { bucket: { scalar: 'Uint32' }, day: { scalar: 'Date' }, account_id: { scalar: 'Utf8' } };

/** The key cells of an account-day. */
export function accountDayKey(accountId: string, day: string): { bucket: number; day: string; account_id: string } {
  return { bucket: bucketOf(accountId), day, account_id: accountId };
}

/**
 * YDB's order of Utf8 values (their UTF-8 bytes) on JS strings: code-unit order except that
 * surrogates (characters beyond U+FFFF, 4 UTF-8 bytes) sort after U+E000…U+FFFF (3 bytes).
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
