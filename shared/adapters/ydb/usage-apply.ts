/**
 * Replacing account-days in YDB (I1, I3) within YDB's transaction limits, in memory that does not
 * grow with the file: the batches may be a lazy iterable (a large file's merged aggregates, read
 * from local spill files as the apply goes) and are consumed one chunk at a time.
 *
 * Per chunk of at most C = maxTxKeys / 3 account-days (and `chunkRows` aggregate rows):
 * 1. a first compare against the stored pointers skips account-days that clearly lose (their rows
 *    would cost RUs for nothing);
 * 2. the chunk's journal rows (apply-journal.ts) record the generation written for each account-day
 *    and whether it had a pointer — before any of its rows is written;
 * 3. its rows are written with BulkUpsert under a fresh generation id per account-day that no
 *    reader follows (each generation's first row, its sentinel, acknowledged before the rest);
 * 4. the apply registers itself in applies_in_progress (before its first switch);
 * 5. one serializable transaction compares versions (I1: replace when batch.version ≥ the
 *    effective stored one) and points the winners at their new generation, keeping what they
 *    replaced (`prev_*`); it locks C pointers, C sentinels and a few registrations (≤ maxTxKeys);
 * 6. the chunk's outcomes go into the tally (counts, the first 100 of each) and the chunk is dropped.
 *
 * I3: readers follow `prev_*` of every pointer whose apply is registered. After the last chunk one
 * small transaction deletes the registration — the commit: every account-day of the file becomes
 * visible at once. Then the cleanup reads the journal back page by page and deletes the generations
 * no reader can follow any more (DELETE_UNREFERENCED_USAGE, only account-days that had a pointer),
 * and drops the journal.
 *
 * A failure before the commit — the stream throws (a bad or out-of-order batch, an overflow the
 * merge finds), a contended account-day, a store error — undoes the apply from its journal: the
 * switched pointers go back to what they replaced (or are removed when there was none), the rows it
 * wrote are deleted, the registration and the journal go. Nothing of the file was ever visible and
 * no account-day stays held against other objects. Only when the undo itself cannot run (the
 * process died, the store is unreachable) does the registration stay: then none of the file is
 * visible, a re-run of the same object takes the pointers over and commits, and an apply of
 * another object holding one of them gets YDB_CONTENDED until then.
 *
 * Same version, different content (issue 8): the compare is the domain's decideReplacement — the
 * larger content digest wins whatever the arrival order. A pointer whose apply is in progress
 * compares with the content readers see (its `prev_*`, `prev_digest` included).
 *
 * Cleanup racing an apply: a cleanup can delete rows of a concurrent apply that are written but
 * not switched yet; the switch therefore checks, inside its transaction, that each new
 * generation's sentinel is still there — missing means they are written again under a fresh id and
 * the chunk is switched again (a few rounds, then YDB_CONTENDED).
 */
import { randomUUID } from 'node:crypto';
import { collectGarbage } from '../../ingest/collect-garbage';
import { accountDayDigest, decideReplacement, type ReplacementDecision, type VersionedContent } from '../../domain/replacement';
import { StoreError, type AccountDayBatch, type ApplyResult } from '../../ports/store';
import { ApplyTally, checkedBatches } from '../../ports/store-rules';
import { accountDayKey } from './account-day-key';
import { batchesOf, chunks, keyOf, switchChunkSize } from './apply-chunks';
import { createApplyFinish } from './apply-finish';
import { GENERATION_FIELDS, keysParam, lookup, type ApplyState, type Query } from './apply-parts';
import { createApplyJournal, type JournalEntry } from './apply-journal';
import { effectivePointer, POINTER_FIELDS } from './pointers';
import {
  DELETE_APPLY_IN_PROGRESS,
  INSERT_APPLY_IN_PROGRESS,
  SELECT_ACCOUNT_DAY_VERSIONS,
  SELECT_APPLIES_IN_PROGRESS,
  SELECT_USAGE_SENTINELS,
  UPSERT_ACCOUNT_DAY_VERSIONS,
} from './queries';
import { withTransaction, ydbFailure, type Tx, type YdbRunner } from './runner';
import { param, structList, type Row, type StructFields } from './values';

export interface YdbUsageOptions {
  /** Rows per BulkUpsert request (default 1000). */
  bulkBatchRows?: number;
  /** Account-days per key lookup or pointer upsert statement (default 500; each answer stays under 1000 rows). */
  keyChunk?: number;
  /** Most keys one transaction may lock (default 50,000: beyond it YDB escalates to a whole-shard lock). */
  maxTxKeys?: number;
  /**
   * Aggregate rows an apply holds at once (default 1,000): a chunk ends at this many rows or C account-days.
   * The SDK leaves ~12 KB of garbage per row until the chunk's collection; 4,000-row chunks took a
   * 196,030-account-day file to 230 MB RSS, 2,000 to 203 MB, 1,000 to 187 MB for +0.6 % RU (docs/ydb.md).
   */
  chunkRows?: number;
  /**
   * Called after each chunk, when everything the chunk built has become garbage (default: a full
   * garbage collection). V8 grows its heap lazily and the SDK's request objects are promoted before
   * they die, so without it a large file's apply reached 396 MB for what is ~26 MB of live data.
   */
  afterChunk?: () => void;
  /** Told about best-effort cleanups or undos that failed (rows left unreferenced, harmless to readers). */
  onWarning?: (message: string, cause: unknown) => void;
}

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

/** A stored pointer as the compare sees it. */
interface Stored {
  row: Row;
  /** The version and content digest readers see now (undefined: the account-day has no visible data). */
  content: VersionedContent | undefined;
}

type Decisions = Map<string, { decision: ReplacementDecision; stored: VersionedContent | undefined }>;

const LOSES: ReadonlySet<ReplacementDecision> = new Set(['stale', 'keep-conflict']);

/** What readers see of a stored pointer, as the I1 compare needs it. */
function contentOf(row: Row, pending: ReadonlySet<string>): VersionedContent | undefined {
  const effective = effectivePointer(row, pending);
  if (effective === undefined) return undefined;
  return { version: effective.version, digest: effective.digest === '' ? null : effective.digest };
}

export function createAccountDayApplier(runner: YdbRunner, options: YdbUsageOptions = {}) {
  const bulkBatchRows = options.bulkBatchRows ?? 1000;
  const keyChunk = options.keyChunk ?? 500;
  const maxTxKeys = options.maxTxKeys ?? 50_000;
  const chunkSize = switchChunkSize(maxTxKeys);
  const chunkRows = options.chunkRows ?? 1_000;
  const afterChunk = options.afterChunk ?? collectGarbage;
  const lookupChunk = Math.min(keyChunk, chunkSize);
  const warn = options.onWarning ?? (() => undefined);
  const journal = createApplyJournal(runner, maxTxKeys);
  const { cleanUp, undo } = createApplyFinish(runner, journal, { maxTxKeys, lookupChunk, warn });

  /** Stored pointers of the given account-days, with the version readers see. */
  async function storedPointers(batches: readonly AccountDayBatch[], query: Query): Promise<Map<string, Stored>> {
    const pending = new Set((await lookup(query, SELECT_APPLIES_IN_PROGRESS, {}, 'applies in progress')).map((r) => String(r['apply_id'])));
    const stored = new Map<string, Stored>();
    for (const chunk of chunks(batches, lookupChunk)) {
      const rows = await lookup(
        query,
        SELECT_ACCOUNT_DAY_VERSIONS,
        { $keys: keysParam(chunk) },
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

  function usageRow(batch: AccountDayBatch, generation: string | undefined, a: AccountDayBatch['rows'][number]) {
    return {
      ...accountDayKey(batch.accountId, batch.day),
      generation,
      service_id: a.serviceId,
      sku_id: a.skuId,
      currency: a.currency,
      cost: a.cost,
      credit: a.credit,
      service_name: a.serviceName,
      sku_name: a.skuName,
      row_count: a.rows,
    };
  }

  async function writeGenerations(batches: readonly AccountDayBatch[], generations: ReadonlyMap<string, string>): Promise<void> {
    const generationOf = (b: AccountDayBatch) => generations.get(keyOf(b.accountId, b.day));
    // Sentinels first, acknowledged before any other row of their generation is sent (the
    // cleanup argument in the file comment needs that order). Each request is repeat-safe; the
    // rows of one request at a time are built (the chunk's aggregates are not copied whole).
    function* sentinels() {
      for (const b of batches) if (b.rows[0]) yield usageRow(b, generationOf(b), b.rows[0]);
    }
    function* rest() {
      for (const b of batches) for (const a of b.rows.slice(1)) yield usageRow(b, generationOf(b), a);
    }
    const send = async (rows: Record<string, unknown>[]) => {
      const typed = structList(USAGE_FIELDS, rows);
      await runner.retry((session) => session.bulkUpsert('usage_aggregates', typed));
    };
    for (const rows of [sentinels(), rest()]) {
      let request: Record<string, unknown>[] = [];
      for (const row of rows) {
        request.push(row);
        if (request.length === bulkBatchRows) {
          await send(request);
          request = [];
        }
      }
      if (request.length > 0) await send(request);
    }
  }

  interface Switched {
    decisions: Decisions;
    /** Winners whose new rows were removed before the switch (nothing of the chunk was switched). */
    missing: AccountDayBatch[];
  }

  /** I1 compare, sentinel check and pointer switch of one chunk: one transaction within the key limit. */
  function switchPointers(
    state: ApplyState,
    batches: readonly AccountDayBatch[],
    generations: ReadonlyMap<string, string>,
    digests: ReadonlyMap<string, string>,
  ): Promise<Switched> {
    const { applyId, sourceKey } = state;
    return runner.retry((session) =>
      withTransaction(runner, session, async (tx: Tx) => {
        const query: Query = (text, params) => tx.query(text, params);
        const stored = await storedPointers(batches, query);
        const decisions: Decisions = new Map();
        const winners: AccountDayBatch[] = [];
        for (const batch of batches) {
          const key = keyOf(batch.accountId, batch.day);
          const current = stored.get(key);
          const holder = current?.row['apply_id'];
          if (current?.row['pending'] === true && holder !== applyId && current.row['source_key'] !== sourceKey) {
            throw new StoreError(
              'YDB_CONTENDED',
              `account-day ${batch.accountId}/${batch.day} is being replaced by another ingest (${String(current.row['source_key'])}) that has not finished; re-run this one later`,
            );
          }
          const decision = decideReplacement(current?.content, { version: batch.version, digest: digests.get(key)! });
          decisions.set(key, { decision, stored: current?.content });
          if (!LOSES.has(decision)) winners.push(batch);
        }
        const present = new Set<string>();
        const sentinels = winners.flatMap((b) => {
          const first = b.rows[0];
          return first ? [usageRow(b, generations.get(keyOf(b.accountId, b.day)), first)] : [];
        });
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
          const key = keyOf(b.accountId, b.day);
          const current = stored.get(key);
          // What readers follow until this apply commits: what they follow now.
          const prev =
            current === undefined
              ? undefined
              : effectivePointer(current.row, new Set(current.row['pending'] === true ? [String(current.row['apply_id'])] : []));
          return {
            ...accountDayKey(b.accountId, b.day),
            generation: generations.get(key),
            version: b.version,
            source_key: sourceKey,
            digest: digests.get(key),
            apply_id: applyId,
            prev_version: prev?.version ?? null,
            prev_generation: prev?.generation ?? null,
            prev_source_key: prev?.sourceKey ?? null,
            prev_digest: prev?.digest ?? null,
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

  /** Switches one chunk, writing its rows again (journal first) while concurrent cleanups keep removing them. */
  async function switchWithRewrites(
    state: ApplyState,
    chunk: readonly AccountDayBatch[],
    generations: Map<string, string>,
    digests: ReadonlyMap<string, string>,
    recordJournal: () => Promise<void>,
  ): Promise<Decisions> {
    for (let round = 1; ; round += 1) {
      const switched = await switchPointers(state, chunk, generations, digests);
      if (switched.missing.length === 0) return switched.decisions;
      if (round === SWITCH_ROUNDS) {
        const names = switched.missing.slice(0, 5).map((b) => `${b.accountId}/${b.day}`);
        throw new StoreError(
          'YDB_CONTENDED',
          `the new rows of ${names.join(', ')}${switched.missing.length > 5 ? ' …' : ''} were removed by concurrent cleanups ${round} times before the switch; nothing was made visible, re-run the ingest`,
        );
      }
      for (const b of switched.missing) generations.set(keyOf(b.accountId, b.day), randomUUID());
      await recordJournal();
      await writeGenerations(switched.missing, generations);
    }
  }

  /** Steps 1–6 of the file comment for one chunk. */
  async function applyChunk(state: ApplyState, batches: readonly AccountDayBatch[], tally: ApplyTally): Promise<void> {
    const digests = new Map(batches.map((b) => [keyOf(b.accountId, b.day), accountDayDigest(b.rows)]));
    const before = await runner.retry((session) => storedPointers(batches, (text, params) => runner.execute(session, text, params)));
    const decisions: Decisions = new Map();
    for (const b of batches) {
      const key = keyOf(b.accountId, b.day);
      const stored = before.get(key)?.content;
      decisions.set(key, { decision: decideReplacement(stored, { version: b.version, digest: digests.get(key)! }), stored });
    }
    const candidates = batches.filter((b) => !LOSES.has(decisions.get(keyOf(b.accountId, b.day))!.decision));
    const generations = new Map(candidates.map((b) => [keyOf(b.accountId, b.day), randomUUID()]));
    const entries = (): JournalEntry[] =>
      batches.flatMap((b) => {
        const key = keyOf(b.accountId, b.day);
        const generation = generations.get(key) ?? null;
        const replaces = before.has(key);
        return generation === null && !replaces ? [] : [{ accountId: b.accountId, day: b.day, generation, rows: b.rows.length, replaces }];
      });
    const firstSeq = state.journalRows + 1;
    const recordJournal = async () => {
      for (const [i, part] of chunks(entries(), keyChunk).entries()) await journal.write(state.applyId, firstSeq + i, part);
    };
    const journaled = chunks(entries(), keyChunk).length;
    state.journalRows += journaled;
    if (before.size > 0) state.replaces = true;
    if (journaled > 0) await recordJournal();
    if (candidates.length > 0) {
      await writeGenerations(candidates, generations);
      if (!state.registered) {
        state.registered = true; // set first: an undo after an unanswered insert deletes it too
        const registration = structList(APPLY_FIELDS, [
          { apply_id: state.applyId, source_key: state.sourceKey, started_at: new Date().toISOString() },
        ]);
        await runner.retry((session) => runner.execute(session, INSERT_APPLY_IN_PROGRESS, { $rows: registration }));
      }
      for (const [key, decided] of await switchWithRewrites(state, candidates, generations, digests, recordJournal))
        decisions.set(key, decided);
    }
    for (const batch of batches) {
      const key = keyOf(batch.accountId, batch.day);
      const { decision, stored } = decisions.get(key)!;
      const base = { accountId: batch.accountId, day: batch.day, version: batch.version };
      if (decision === 'stale') tally.stale({ ...base, storedVersion: stored!.version });
      else {
        if (decision !== 'keep-conflict') tally.applied({ ...base, sourceKey: state.sourceKey });
        if (decision !== 'replace')
          tally.conflict({
            ...base,
            digest: digests.get(key)!,
            storedDigest: stored?.digest ?? '',
            kept: decision === 'keep-conflict' ? 'stored' : 'incoming',
          });
      }
    }
  }

  /**
   * Applies a stream of batches. Errors come out as they should reach the caller: a failure of the
   * stream itself (the caller's iterable, or a batch checkedBatches refuses) as it was thrown,
   * anything else as a YDB StoreError naming the apply.
   */
  return async function apply(sourceKey: string, batches: Iterable<AccountDayBatch>): Promise<ApplyResult> {
    const state: ApplyState = { applyId: randomUUID(), sourceKey, registered: false, journalRows: 0, replaces: false };
    const tally = new ApplyTally();
    const what = `apply account-days from ${sourceKey}`;
    try {
      for (const chunk of batchesOf(sourceOf(checkedBatches(sourceKey, batches)), chunkSize, chunkRows)) {
        await applyChunk(state, chunk, tally);
        afterChunk();
      }
    } catch (error) {
      await undo(state);
      throw error instanceof StreamFailure ? error.cause : ydbFailure(what, error);
    }
    try {
      // The commit (I3): every switched pointer of this file becomes visible at once. A failure here
      // is not undone (the delete may have gone through): the registration stays, as after a crash.
      if (state.registered)
        await runner.retry((session) => runner.execute(session, DELETE_APPLY_IN_PROGRESS, { $apply_id: param.utf8(state.applyId) }));
    } catch (error) {
      throw ydbFailure(what, error);
    }
    await cleanUp(state);
    return tally.done();
  };
}

/** A failure of the batch stream (not of YDB): handed to the caller as it was thrown. */
class StreamFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('the batch stream failed', { cause });
  }
}

/** The stream's batches; whatever the stream throws comes out as a StreamFailure. */
function* sourceOf(batches: Iterator<AccountDayBatch>): Generator<AccountDayBatch> {
  for (;;) {
    let next: IteratorResult<AccountDayBatch>;
    try {
      next = batches.next();
    } catch (error) {
      throw new StreamFailure(error);
    }
    if (next.done) return;
    yield next.value;
  }
}
