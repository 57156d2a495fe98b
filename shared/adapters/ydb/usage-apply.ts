/**
 * Replacing account-days in YDB (I1, I3) within YDB's transaction limits.
 *
 * A call's rows are written with BulkUpsert under a fresh generation id per account-day that no
 * reader follows yet. Then the pointers are switched in chunks, each chunk one serializable
 * transaction that compares versions (I1: replace when batch.version ≥ the effective stored one)
 * and points the winners at their new generation, keeping what they replaced (`prev_*`). A
 * transaction locks every key it reads or writes, and one locking more than ~50,000 keys
 * escalates to a whole-shard lock; a chunk of C account-days reads C pointers and C sentinel rows
 * (and a few applies_in_progress rows), so chunks hold C = maxTxKeys / 3 account-days and a
 * 600,000-account-day file is 36 transactions, none over the limit.
 *
 * I3 across chunks: before its first chunk the apply registers itself in applies_in_progress;
 * readers follow `prev_*` of every pointer whose apply is listed there. After the last chunk one
 * small transaction deletes the registration: every account-day of the file becomes visible at
 * once. A crash before that leaves the registration, so none of the file is ever visible; a
 * re-run switches the same pointers again (keeping the `prev_*` readers follow) and commits.
 * A pointer held by another apply still in progress is contended (YDB_CONTENDED, re-run later),
 * unless that apply is an earlier attempt at the same object, which the re-run supersedes.
 *
 * Same version, different content (issue 8): the compare is the domain's decideReplacement — the
 * larger content digest wins whatever the arrival order, and the other is reported as a conflict.
 * A pointer whose apply is still in progress compares as content without a digest (its replaced
 * content's digest is not kept), which is the pre-digest rule: replace.
 *
 * Cleanup: after its commit, every apply deletes the rows of its account-days that no reader can
 * follow (see DELETE_UNREFERENCED_USAGE). That can hit a concurrent apply whose rows are written
 * but not switched yet; the switch therefore checks, inside its transaction, that each new
 * generation's sentinel row (its first row, written and acknowledged before the others) is still
 * there — present means no cleanup removed any of its rows; missing means they are written again
 * under a fresh id and the chunk is switched again (a few rounds, then YDB_CONTENDED).
 */
import { randomUUID } from 'node:crypto';
import type { Ydb } from 'ydb-sdk-proto';
import type { AccountDayVersion } from '../../domain/model';
import { accountDayDigest, decideReplacement, type ReplacementDecision, type VersionedContent } from '../../domain/replacement';
import { StoreError, type AccountDayBatch, type ApplyResult } from '../../ports/store';
import { ApplyTally } from '../../ports/store-rules';
import { chunks, cleanupKeys, CLEANUP_CHUNK, groupsByWeight, keyOf, switchChunkSize } from './apply-chunks';
import { effectivePointer } from './pointers';
import {
  DELETE_APPLY_IN_PROGRESS,
  DELETE_UNREFERENCED_USAGE,
  INSERT_APPLY_IN_PROGRESS,
  SELECT_ACCOUNT_DAY_VERSIONS,
  SELECT_APPLIES_IN_PROGRESS,
  SELECT_USAGE_SENTINELS,
  UPSERT_ACCOUNT_DAY_VERSIONS,
} from './queries';
import { withTransaction, type Params, type Tx, type YdbRunner } from './runner';
import { decodeRows, param, structList, type Row, type StructFields } from './values';

export interface YdbUsageOptions {
  /** Rows per BulkUpsert request (default 1000). */
  bulkBatchRows?: number;
  /** Account-days per key lookup or pointer upsert statement (default 500; each answer stays under 1000 rows). */
  keyChunk?: number;
  /** Most keys one transaction may lock (default 50,000: beyond it YDB escalates to a whole-shard lock). */
  maxTxKeys?: number;
  /** Told about best-effort cleanups that failed (rows left unreferenced, harmless to readers). */
  onWarning?: (message: string, cause: unknown) => void;
}

const KEY_FIELDS: StructFields = { day: { scalar: 'Date' }, account_id: { scalar: 'Utf8' } };
const GENERATION_FIELDS: StructFields = { ...KEY_FIELDS, generation: { scalar: 'Utf8' } };
const POINTER_FIELDS: StructFields = {
  ...GENERATION_FIELDS,
  version: { scalar: 'Uint64' },
  source_key: { scalar: 'Utf8' },
  digest: { scalar: 'Utf8' },
  apply_id: { scalar: 'Utf8' },
  prev_version: { scalar: 'Uint64', optional: true },
  prev_generation: { scalar: 'Utf8', optional: true },
  prev_source_key: { scalar: 'Utf8', optional: true },
};
const APPLY_FIELDS: StructFields = { apply_id: { scalar: 'Utf8' }, source_key: { scalar: 'Utf8' }, started_at: { scalar: 'Utf8' } };
const SENTINEL_FIELDS: StructFields = {
  ...GENERATION_FIELDS,
  service_id: { scalar: 'Utf8' },
  sku_id: { scalar: 'Utf8' },
  currency: { scalar: 'Utf8' },
};
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

type Query = (text: string, params: Params) => Promise<Ydb.Table.ExecuteQueryResult>;

/** A stored pointer as the compare sees it. */
interface Stored {
  row: Row;
  /** The version and content digest readers see now (undefined: the account-day has no visible data). */
  content: VersionedContent | undefined;
}

const LOSES: ReadonlySet<ReplacementDecision> = new Set(['stale', 'keep-conflict']);

/** What readers see of a stored pointer, as the I1 compare needs it. */
function contentOf(row: Row, pending: ReadonlySet<string>): VersionedContent | undefined {
  const effective = effectivePointer(row, pending);
  if (effective === undefined) return undefined;
  const applyId = row['apply_id'];
  const inProgress = typeof applyId === 'string' && pending.has(applyId);
  const digest = row['digest'];
  return { version: effective.version, digest: !inProgress && typeof digest === 'string' && digest !== '' ? digest : null };
}

export function createAccountDayApplier(runner: YdbRunner, options: YdbUsageOptions = {}) {
  const bulkBatchRows = options.bulkBatchRows ?? 1000;
  const keyChunk = options.keyChunk ?? 500;
  const maxTxKeys = options.maxTxKeys ?? 50_000;
  const chunkSize = switchChunkSize(maxTxKeys);
  const lookupChunk = Math.min(keyChunk, chunkSize);
  const warn = options.onWarning ?? (() => undefined);

  /** Rows of a lookup; YDB truncates past 1000, which a chunk of ≤ keyChunk keys never reaches. */
  async function lookup(query: Query, text: string, params: Params, what: string): Promise<Row[]> {
    const set = (await query(text, params)).resultSets[0];
    if (set?.truncated) throw new StoreError('YDB_TRUNCATED', `${what} came back truncated`);
    return decodeRows(set);
  }

  async function inProgress(query: Query): Promise<Set<string>> {
    return new Set((await lookup(query, SELECT_APPLIES_IN_PROGRESS, {}, 'applies in progress')).map((r) => String(r['apply_id'])));
  }

  /** Stored pointers of the given account-days, with the version readers see. */
  async function storedPointers(batches: readonly AccountDayBatch[], query: Query): Promise<Map<string, Stored>> {
    const pending = await inProgress(query);
    const stored = new Map<string, Stored>();
    for (const chunk of chunks(batches, lookupChunk)) {
      const rows = await lookup(
        query,
        SELECT_ACCOUNT_DAY_VERSIONS,
        {
          $keys: structList(
            KEY_FIELDS,
            chunk.map((b) => ({ day: b.day, account_id: b.accountId })),
          ),
        },
        `account-day lookup of ${chunk.length} keys`,
      );
      for (const row of rows) {
        const applyId = row['apply_id'];
        stored.set(keyOf(String(row['account_id']), String(row['day'])), {
          row: { ...row, pending: typeof applyId === 'string' && pending.has(applyId) },
          content: contentOf(row, pending),
        });
      }
    }
    return stored;
  }

  /** The sentinel of an account-day's new generation: its first row's key. */
  function sentinelOf(batch: AccountDayBatch, generations: ReadonlyMap<string, string>) {
    const first = batch.rows[0];
    if (first === undefined) return undefined;
    return {
      day: batch.day,
      account_id: batch.accountId,
      generation: generations.get(keyOf(batch.accountId, batch.day)),
      service_id: first.serviceId,
      sku_id: first.skuId,
      currency: first.currency,
    };
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

  interface Switched {
    /** The binding decision of every account-day of the chunk, with what was stored (I1). */
    decisions: Map<string, { decision: ReplacementDecision; stored: VersionedContent | undefined }>;
    /** Winners whose new rows were removed before the switch (nothing of the chunk was switched). */
    missing: AccountDayBatch[];
  }

  /** I1 compare, sentinel check and pointer switch of one chunk: one transaction within the key limit. */
  function switchPointers(
    applyId: string,
    sourceKey: string,
    batches: readonly AccountDayBatch[],
    generations: ReadonlyMap<string, string>,
    digests: ReadonlyMap<string, string>,
  ): Promise<Switched> {
    return runner.retry((session) =>
      withTransaction(runner, session, async (tx: Tx) => {
        const query: Query = (text, params) => tx.query(text, params);
        const stored = await storedPointers(batches, query);
        const decisions: Switched['decisions'] = new Map();
        const winners: AccountDayBatch[] = [];
        for (const batch of batches) {
          const current = stored.get(keyOf(batch.accountId, batch.day));
          const holder = current?.row['apply_id'];
          if (current?.row['pending'] === true && holder !== applyId && current.row['source_key'] !== sourceKey) {
            throw new StoreError(
              'YDB_CONTENDED',
              `account-day ${batch.accountId}/${batch.day} is being replaced by another ingest (${String(current.row['source_key'])}) that has not finished; re-run this one later`,
            );
          }
          const key = keyOf(batch.accountId, batch.day);
          const decision = decideReplacement(current?.content, { version: batch.version, digest: digests.get(key)! });
          decisions.set(key, { decision, stored: current?.content });
          if (!LOSES.has(decision)) winners.push(batch);
        }
        const present = new Set<string>();
        const sentinels = winners.flatMap((b) => sentinelOf(b, generations) ?? []);
        for (const chunk of chunks(sentinels, lookupChunk)) {
          const rows = await lookup(
            query,
            SELECT_USAGE_SENTINELS,
            { $rows: structList(SENTINEL_FIELDS, chunk) },
            `sentinel lookup of ${chunk.length} generations`,
          );
          for (const row of rows) present.add(keyOf(String(row['account_id']), String(row['day'])));
        }
        const missing = winners.filter((b) => b.rows.length > 0 && !present.has(keyOf(b.accountId, b.day)));
        // Nothing of the chunk is switched unless every winner's rows are all there.
        if (missing.length > 0) return { decisions, missing };
        const pointers = winners.map((b) => {
          const current = stored.get(keyOf(b.accountId, b.day));
          // What readers follow until this apply commits: what they follow now.
          const prev =
            current === undefined
              ? undefined
              : effectivePointer(current.row, new Set(current.row['pending'] === true ? [String(current.row['apply_id'])] : []));
          return {
            day: b.day,
            account_id: b.accountId,
            generation: generations.get(keyOf(b.accountId, b.day)),
            version: b.version,
            source_key: sourceKey,
            digest: digests.get(keyOf(b.accountId, b.day)),
            apply_id: applyId,
            prev_version: prev?.version ?? null,
            prev_generation: prev?.generation ?? null,
            prev_source_key: prev?.sourceKey ?? null,
          };
        });
        // No winner: nothing to write; the transaction rolls back (it only read).
        const parts = chunks(pointers, lookupChunk);
        for (const [i, part] of parts.entries())
          await tx.query(UPSERT_ACCOUNT_DAY_VERSIONS, { $rows: structList(POINTER_FIELDS, part) }, i === parts.length - 1);
        return { decisions, missing: [] };
      }),
    );
  }

  /** Deletes every unreferenced generation of these account-days; best effort (readers never see them). */
  async function cleanUp(applyId: string, batches: readonly AccountDayBatch[]): Promise<void> {
    for (const chunk of groupsByWeight(batches, cleanupKeys, maxTxKeys, CLEANUP_CHUNK)) {
      const typed = structList(
        KEY_FIELDS,
        chunk.map((b) => ({ day: b.day, account_id: b.accountId })),
      );
      try {
        await runner.retry((session) =>
          runner.execute(session, DELETE_UNREFERENCED_USAGE, { $keys: typed, $apply_id: param.utf8(applyId) }),
        );
      } catch (error) {
        warn(
          `could not delete unreferenced usage rows of ${chunk.length} account-days; readers never see them, the next apply of those account-days retries`,
          error,
        );
      }
    }
  }

  /** Switches one chunk, writing its rows again while concurrent cleanups keep removing them. */
  async function switchWithRewrites(
    applyId: string,
    sourceKey: string,
    chunk: readonly AccountDayBatch[],
    generations: Map<string, string>,
    digests: ReadonlyMap<string, string>,
  ): Promise<Switched['decisions']> {
    for (let round = 1; ; round += 1) {
      const switched = await switchPointers(applyId, sourceKey, chunk, generations, digests);
      if (switched.missing.length === 0) return switched.decisions;
      if (round === SWITCH_ROUNDS) {
        const names = switched.missing.slice(0, 5).map((b) => `${b.accountId}/${b.day}`);
        throw new StoreError(
          'YDB_CONTENDED',
          `the new rows of ${names.join(', ')}${switched.missing.length > 5 ? ' …' : ''} were removed by concurrent cleanups ${round} times before the switch; nothing was made visible, re-run the ingest`,
        );
      }
      for (const b of switched.missing) generations.set(keyOf(b.accountId, b.day), randomUUID());
      await writeGenerations(switched.missing, generations);
    }
  }

  return async function apply(sourceKey: string, batches: readonly AccountDayBatch[]): Promise<ApplyResult> {
    const digests = new Map(batches.map((b) => [keyOf(b.accountId, b.day), accountDayDigest(b.rows)]));
    // Skip account-days that clearly lose before writing their rows (BulkUpsert costs RUs); the
    // binding compare happens again inside each switch transaction.
    const before = await runner.retry((session) => storedPointers(batches, (text, params) => runner.execute(session, text, params)));
    const decisions: Switched['decisions'] = new Map();
    for (const b of batches) {
      const key = keyOf(b.accountId, b.day);
      const stored = before.get(key)?.content;
      decisions.set(key, { decision: decideReplacement(stored, { version: b.version, digest: digests.get(key)! }), stored });
    }
    const candidates = batches.filter((b) => !LOSES.has(decisions.get(keyOf(b.accountId, b.day))!.decision));
    const generations = new Map<string, string>();
    const applyId = randomUUID();
    if (candidates.length > 0) {
      for (const b of candidates) generations.set(keyOf(b.accountId, b.day), randomUUID());
      await writeGenerations(candidates, generations);
      const registration = structList(APPLY_FIELDS, [{ apply_id: applyId, source_key: sourceKey, started_at: new Date().toISOString() }]);
      await runner.retry((session) => runner.execute(session, INSERT_APPLY_IN_PROGRESS, { $rows: registration }));
      for (const chunk of chunks(candidates, chunkSize)) {
        for (const [key, decided] of await switchWithRewrites(applyId, sourceKey, chunk, generations, digests)) decisions.set(key, decided);
      }
      // The commit (I3): every switched pointer of this file becomes visible at once.
      await runner.retry((session) => runner.execute(session, DELETE_APPLY_IN_PROGRESS, { $apply_id: param.utf8(applyId) }));
    }

    const tally = new ApplyTally();
    for (const batch of batches) {
      const key = keyOf(batch.accountId, batch.day);
      const { decision, stored } = decisions.get(key)!;
      const base = { accountId: batch.accountId, day: batch.day, version: batch.version };
      if (decision === 'stale') tally.stale({ ...base, storedVersion: stored!.version });
      else {
        if (decision !== 'keep-conflict') tally.applied({ ...base, sourceKey });
        if (decision !== 'replace')
          tally.conflict({
            ...base,
            digest: digests.get(key)!,
            storedDigest: stored?.digest ?? '',
            kept: decision === 'keep-conflict' ? 'stored' : 'incoming',
          });
      }
    }
    // Account-days that had no pointer at all have nothing to replace: their cleanup would only
    // read their new rows (RUs for nothing). Rows an earlier crashed attempt left there stay
    // invisible and go with the next apply of the account-day.
    await cleanUp(
      applyId,
      batches.filter((b) => before.has(keyOf(b.accountId, b.day))),
    );
    return tally.done();
  };
}

/**
 * Operator recovery (I1, see the port): sets the stored version of the given account-days to 0 in
 * one transaction; the generation readers follow stays, so they see the same data until the next
 * file, which then replaces it whatever its version. Refused while an apply of one of them is in
 * progress (YDB_CONTENDED).
 */
export function createAccountDayReleaser(runner: YdbRunner, options: YdbUsageOptions = {}) {
  const keyChunk = options.keyChunk ?? 500;
  return function release(keys: readonly { accountId: string; day: string }[], sourceKey: string): Promise<AccountDayVersion[]> {
    return runner.retry((session) =>
      withTransaction(runner, session, async (tx: Tx) => {
        const pendingRows = decodeRows((await tx.query(SELECT_APPLIES_IN_PROGRESS, {})).resultSets[0]);
        const pending = new Set(pendingRows.map((r) => String(r['apply_id'])));
        const found: AccountDayVersion[] = [];
        const pointers: Record<string, unknown>[] = [];
        const releaseId = `release-${randomUUID()}`;
        for (const chunk of chunks(keys, keyChunk)) {
          const result = (
            await tx.query(SELECT_ACCOUNT_DAY_VERSIONS, {
              $keys: structList(
                KEY_FIELDS,
                chunk.map((k) => ({ day: k.day, account_id: k.accountId })),
              ),
            })
          ).resultSets[0];
          if (result?.truncated) throw new StoreError('YDB_TRUNCATED', `account-day lookup of ${chunk.length} keys came back truncated`);
          for (const row of decodeRows(result)) {
            const applyId = row['apply_id'];
            if (typeof applyId === 'string' && pending.has(applyId))
              throw new StoreError(
                'YDB_CONTENDED',
                `account-day ${String(row['account_id'])}/${String(row['day'])} is being replaced by an ingest that has not finished; release it after that ingest`,
              );
            const effective = effectivePointer(row, pending);
            if (effective === undefined) continue;
            found.push({ accountId: String(row['account_id']), day: String(row['day']), version: effective.version, sourceKey: '' });
            pointers.push({
              day: row['day'],
              account_id: row['account_id'],
              generation: effective.generation,
              version: 0,
              source_key: sourceKey,
              digest: '',
              apply_id: releaseId,
              prev_version: null,
              prev_generation: null,
              prev_source_key: null,
            });
          }
        }
        const parts = chunks(pointers, keyChunk);
        for (const [i, part] of parts.entries())
          await tx.query(UPSERT_ACCOUNT_DAY_VERSIONS, { $rows: structList(POINTER_FIELDS, part) }, i === parts.length - 1);
        return found;
      }),
    );
  };
}
