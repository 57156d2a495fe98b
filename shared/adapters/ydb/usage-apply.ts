/**
 * Replacing account-days in YDB (I1, I3).
 *
 * A call's rows are written with BulkUpsert under a fresh generation id per account-day that no
 * reader follows yet; then one serializable transaction compares versions (I1: replace when
 * batch.version ≥ stored) and switches every winning account-day's pointer to its new generation.
 * Readers join usage with the pointers, so they see all of a call's account-days or none.
 *
 * Cleanup: after its switch, every apply deletes the rows of its account-days whose generation is
 * not the one the pointer names — replaced generations, its own rows when it lost the compare,
 * and orphans an earlier apply left when it crashed between its BulkUpsert and its switch. The
 * pointer read and the delete are one statement, so the live generation is never deleted.
 *
 * That cleanup can also hit a concurrent apply of the same account-day whose rows are written but
 * not switched yet. The switch therefore checks, inside its transaction, that each new
 * generation's sentinel row (its first row, written and acknowledged before its other rows) is
 * still there. Every cleanup deletes all rows of a generation it sees, and any row of a generation
 * is seen only together with its earlier sentinel; so a present sentinel means no cleanup removed
 * any row, and a cleanup committing after that read breaks the switch's lock (ABORTED, retried).
 * A missing sentinel means the rows went: they are written again under a fresh id and the switch
 * is repeated (a few rounds, then YDB_CONTENDED).
 */
import { randomUUID } from 'node:crypto';
import type { Ydb } from 'ydb-sdk-proto';
import type { AccountDayVersion } from '../../domain/model';
import { StoreError, type AccountDayBatch, type ApplyResult, type StaleAccountDay } from '../../ports/store';
import { DELETE_UNREFERENCED_USAGE, SELECT_ACCOUNT_DAY_VERSIONS, SELECT_USAGE_SENTINELS, UPSERT_ACCOUNT_DAY_VERSIONS } from './queries';
import { withTransaction, type Params, type Tx, type YdbRunner } from './runner';
import { decodeRows, structList, type StructFields } from './values';

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
const SENTINEL_FIELDS: StructFields = { ...GENERATION_FIELDS, service_id: { scalar: 'Utf8' }, sku_id: { scalar: 'Utf8' }, currency: { scalar: 'Utf8' } };
const USAGE_FIELDS: StructFields = {
  ...SENTINEL_FIELDS,
  cost: { scalar: 'Money' },
  credit: { scalar: 'Money' },
  service_name: { scalar: 'Utf8' },
  sku_name: { scalar: 'Utf8' },
  row_count: { scalar: 'Uint64' },
};
/** Rounds of "rows removed before the switch → write again" before giving up. */
const SWITCH_ROUNDS = 3;
/** Account-days per cleanup statement: each reads and deletes whole account-days. */
const CLEANUP_CHUNK = 100;

export const keyOf = (accountId: string, day: string) => `${day}\u0000${accountId}`;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type Query = (params: Params) => Promise<Ydb.Table.ExecuteQueryResult>;

interface Switched {
  /** Account-days that lost the compare → the version stored. */
  stale: Map<string, number>;
  /** Winners whose new rows were removed before the switch (nothing was switched). */
  missing: AccountDayBatch[];
}

export function createAccountDayApplier(runner: YdbRunner, options: YdbUsageOptions = {}) {
  const bulkBatchRows = options.bulkBatchRows ?? 1000;
  const keyChunk = options.keyChunk ?? 500;
  const warn = options.onWarning ?? (() => undefined);

  /** Rows of a lookup chunk; YDB truncates past 1000, which a chunk of ≤ keyChunk keys never reaches. */
  async function lookup(query: Query, params: Params, what: string) {
    const set = (await query(params)).resultSets[0];
    if (set?.truncated) throw new StoreError('YDB_TRUNCATED', `${what} came back truncated`);
    return decodeRows(set);
  }

  /** Stored versions of the given account-days, read chunk by chunk through `query`. */
  async function storedVersions(batches: readonly AccountDayBatch[], query: Query): Promise<Map<string, number>> {
    const stored = new Map<string, number>();
    for (const chunk of chunks(batches, keyChunk)) {
      const rows = await lookup(query, { $keys: structList(KEY_FIELDS, chunk.map((b) => ({ day: b.day, account_id: b.accountId }))) }, `account-day lookup of ${chunk.length} keys`);
      // Versions are Unix seconds (Uint64 on the wire, far below 2^53), not money.
      for (const row of rows) stored.set(keyOf(String(row['account_id']), String(row['day'])), Number(row['version']));
    }
    return stored;
  }

  /** The sentinel of an account-day's new generation: its first row's key. */
  function sentinelOf(batch: AccountDayBatch, generations: ReadonlyMap<string, string>) {
    const first = batch.rows[0];
    if (first === undefined) return undefined;
    return { day: batch.day, account_id: batch.accountId, generation: generations.get(keyOf(batch.accountId, batch.day)), service_id: first.serviceId, sku_id: first.skuId, currency: first.currency };
  }

  async function writeGenerations(batches: readonly AccountDayBatch[], generations: ReadonlyMap<string, string>): Promise<void> {
    const rowsOf = (batch: AccountDayBatch, from: number, to?: number) =>
      batch.rows.slice(from, to).map((a) => ({
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
      }));
    // Sentinels first, acknowledged before any other row of their generation is sent (the
    // cleanup argument in the file comment needs that order). Each request is repeat-safe.
    const sentinels = batches.flatMap((b) => rowsOf(b, 0, 1));
    const rest = batches.flatMap((b) => rowsOf(b, 1));
    for (const chunk of [...chunks(sentinels, bulkBatchRows), ...chunks(rest, bulkBatchRows)]) {
      const typed = structList(USAGE_FIELDS, chunk);
      await runner.retry((session) => session.bulkUpsert('usage_aggregates', typed));
    }
  }

  /** I1 compare, sentinel check and pointer switch: one transaction for the whole call (I3). */
  function switchPointers(sourceKey: string, batches: readonly AccountDayBatch[], generations: ReadonlyMap<string, string>): Promise<Switched> {
    return runner.retry((session) =>
      withTransaction(runner, session, async (tx: Tx) => {
        const stored = await storedVersions(batches, (params) => tx.query(SELECT_ACCOUNT_DAY_VERSIONS, params));
        const stale = new Map<string, number>();
        const winners: AccountDayBatch[] = [];
        for (const batch of batches) {
          const current = stored.get(keyOf(batch.accountId, batch.day));
          if (current !== undefined && batch.version < current) stale.set(keyOf(batch.accountId, batch.day), current);
          else winners.push(batch);
        }
        const present = new Set<string>();
        const sentinels = winners.flatMap((b) => sentinelOf(b, generations) ?? []);
        for (const chunk of chunks(sentinels, keyChunk)) {
          const rows = await lookup((params) => tx.query(SELECT_USAGE_SENTINELS, params), { $rows: structList(SENTINEL_FIELDS, chunk) }, `sentinel lookup of ${chunk.length} generations`);
          for (const row of rows) present.add(keyOf(String(row['account_id']), String(row['day'])));
        }
        const missing = winners.filter((b) => b.rows.length > 0 && !present.has(keyOf(b.accountId, b.day)));
        // Nothing is committed unless every winner's rows are all there: all account-days or none (I3).
        if (missing.length > 0) return { stale, missing };
        const pointers = winners.map((b) => ({ day: b.day, account_id: b.accountId, generation: generations.get(keyOf(b.accountId, b.day)), version: b.version, source_key: sourceKey }));
        const parts = chunks(pointers, keyChunk);
        for (const [i, part] of parts.entries()) await tx.query(UPSERT_ACCOUNT_DAY_VERSIONS, { $rows: structList(POINTER_FIELDS, part) }, i === parts.length - 1);
        return { stale, missing: [] };
      }),
    );
  }

  /** Deletes every unreferenced generation of these account-days; best effort (readers never see them). */
  async function cleanUp(batches: readonly AccountDayBatch[]): Promise<void> {
    for (const chunk of chunks(batches, CLEANUP_CHUNK)) {
      const typed = structList(KEY_FIELDS, chunk.map((b) => ({ day: b.day, account_id: b.accountId })));
      try {
        await runner.retry((session) => runner.execute(session, DELETE_UNREFERENCED_USAGE, { $keys: typed }));
      } catch (error) {
        warn(`could not delete unreferenced usage rows of ${chunk.length} account-days; readers never see them, the next apply of those account-days retries`, error);
      }
    }
  }

  return async function apply(sourceKey: string, batches: readonly AccountDayBatch[]): Promise<ApplyResult> {
    // Skip clearly stale account-days before writing their rows (BulkUpsert costs RUs); the
    // binding compare happens again inside the switch transaction.
    const before = await runner.retry((session) => storedVersions(batches, (params) => runner.execute(session, SELECT_ACCOUNT_DAY_VERSIONS, params)));
    const candidates = batches.filter((b) => !(b.version < (before.get(keyOf(b.accountId, b.day)) ?? -1)));
    const generations = new Map<string, string>();
    let stale = new Map<string, number>();
    let toWrite = candidates;
    for (let round = 1; candidates.length > 0; round += 1) {
      for (const b of toWrite) generations.set(keyOf(b.accountId, b.day), randomUUID());
      await writeGenerations(toWrite, generations);
      const switched = await switchPointers(sourceKey, candidates, generations);
      stale = switched.stale;
      if (switched.missing.length === 0) break;
      if (round === SWITCH_ROUNDS) {
        const names = switched.missing.slice(0, 5).map((b) => `${b.accountId}/${b.day}`);
        throw new StoreError('YDB_CONTENDED', `the new rows of ${names.join(', ')}${switched.missing.length > 5 ? ' …' : ''} were removed by concurrent cleanups ${round} times before the switch; nothing was switched, re-run the ingest`);
      }
      toWrite = switched.missing;
    }

    const applied: AccountDayVersion[] = [];
    const staleDays: StaleAccountDay[] = [];
    for (const batch of batches) {
      const key = keyOf(batch.accountId, batch.day);
      const storedVersion = stale.get(key) ?? (generations.has(key) ? undefined : before.get(key));
      if (storedVersion === undefined) applied.push({ accountId: batch.accountId, day: batch.day, version: batch.version, sourceKey });
      else staleDays.push({ accountId: batch.accountId, day: batch.day, version: batch.version, storedVersion });
    }
    await cleanUp(batches);
    return { applied, stale: staleDays };
  };
}
