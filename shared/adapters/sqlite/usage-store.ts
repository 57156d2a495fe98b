/**
 * Usage aggregates, account-day versions (I1) and the ingest log (I5) on SQLite.
 * The only decision taken here is the I1 version compare, because it must happen inside the
 * same write transaction as the replacement (see the port).
 */
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { isDay, type DayRange } from '../../domain/calendar';
import type { AccountDayVersion, IngestLogEntry, UsageAggregate } from '../../domain/model';
import { contentDigest, decideReplacement } from '../../domain/replacement';
import { StoreError, type AccountDayBatch, type ApplyResult, type UsageStore } from '../../ports/store';
import { ApplyTally, checkDayRange, checkedBatches, checkIngestLimit, ingestAlreadyExists } from '../../ports/store-rules';
import { ContentBytes } from './content-bytes';
import { ParamPack, type RunResult, type SqliteWriter, type WriterRun } from './writer-thread';
import { checkRow, decodeContent, decodeRow, heldRow, ingestRow, versionRow } from './row-schemas';

type HeldRow = z.output<typeof heldRow>;

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
  /**
   * Opens a connection on a writer thread for one large apply, or returns null when the database
   * cannot be shared (in-memory): then every apply runs on this connection.
   */
  openWriter?: (() => SqliteWriter | null) | undefined;
  /** Account-days from which an apply writes on the writer thread (default SQLITE_WRITER_FROM). */
  writerFrom?: number | undefined;
  /** Where an apply on the writer thread hashes first-seen contents (default 'adaptive'). */
  firstSeenDigests?: FirstSeenDigests | undefined;
}

/**
 * Where an apply on the writer thread hashes the contents of first-seen account-days: on the
 * writer while it keeps up and here when it falls behind ('adaptive': measured, 600,000 small
 * contents leave this thread the busier one, 25,000 large ones the writer), or always on one side.
 * The digest is the same wherever it is computed.
 */
export type FirstSeenDigests = 'adaptive' | 'writer' | 'main';

/**
 * Groups plus account-days an ingest into SQLite holds in memory before a sorted run is written
 * (issue 11; `UsageStore.ingestMemoryEntries`). The
 * aggregator's columns grow in place and hold 64 bytes per group and 33 per account-day, 2–4 more
 * each in hash buckets (`usage-aggregator.ts`): 52 bytes an entry when every account-day has one
 * group, 67 when nearly all entries are groups — 62 to 80 MiB at this bound by the end of a parse,
 * and 60 % of that while the file is applied. The bound is the `backfill-wide` bench file's
 * 1,200,060 entries plus 4 %, so that a quarter's backfill of 600,000 account-days stays in memory:
 * measured, its CLI ingest peaked at 180–184 MB without spilling, 152–155 MB since the file is read
 * into one reused buffer, 159–164 MB with the writer thread (at 700,000 it spilled into 3 runs, peaked at 180–196 MB and took twice
 * the time). Every 100,000 entries more would cost ~5 MB of
 * that margin under 200 MB. Files past it spill, and pay in time, not memory.
 */
export const SQLITE_INGEST_MEMORY_ENTRIES = 1_250_000;

/** Account-days per chunk of an apply: one version lookup statement each. */
const APPLY_CHUNK = 500;
/**
 * Aggregates per chunk, whatever the account-days: a chunk's batches and contents stay alive until
 * it is written, and V8 promotes them into a heap it collects late. Measured on a 1.2M-row file
 * of 25,000 account-days with 48 aggregates each (CLI ingest into a fresh file): 500 account-days
 * a chunk peaked at 239–245 MB, 5,000 aggregates at 170 MB (2,000: 171 MB), and took less time.
 */
const APPLY_CHUNK_AGGREGATES = 5_000;

/**
 * Account-days written by one first-seen insert statement (6 parameters each, far below SQLite's
 * 32,766). A statement per account-day spent more time entering and leaving the statement than
 * SQLite spent on the row: writing 600,000 account-days, 50 a statement took 1.1–1.5 s where one
 * a statement took 1.8–2.0 s with the content left out (`bench/ingest-phases.ts` store-floor
 * shape, measured side by side).
 */
export const SQLITE_INSERT_ROWS = 50;

/**
 * Account-days from which an apply of a known size writes on a writer thread (writer-thread.ts):
 * starting it and taking the lock costs 55–67 ms, which some thousands of account-days pay back.
 * Measured on 600,000 account-days of one aggregate each (`backfill-wide`, profiled): the main
 * thread's apply took 2.25–2.5 s instead of 3.7 s.
 */
export const SQLITE_WRITER_FROM = 20_000;

/** Chunks of an apply posted to the writer thread and not yet answered: bounds what waits in memory. */
const WRITER_IN_FLIGHT = 3;

// The writer thread's statements. Contents are bound as their UTF-8 bytes (content-bytes.ts) and
// cast to TEXT by SQLite, and so are a first-seen row's key texts (no string is made for them on
// the thread). A first-seen row's digest is computed by the thread from the content's bytes
// (`sha256OfPrevious`): its main-thread cost, 0.6–0.9 s of 600,000 contents in a profile, then runs
// on the writer's core. A replacement's digest is computed here, where it is compared (I1).
const ADD_APPLY_SQL = 'INSERT INTO applies (source_key, applied_at) VALUES (?, ?)';
const DROP_APPLY_SQL = 'DELETE FROM applies WHERE id = ?';
const insertNewSql = (rows: number) =>
  `INSERT INTO account_days (day, account_id, version, apply_id, content, digest)
   VALUES ${Array.from({ length: rows }, () => '(CAST(? AS TEXT), CAST(? AS TEXT), ?, ?, CAST(? AS TEXT), ?)').join(', ')}
   ON CONFLICT (day, account_id) DO NOTHING`;
const REPLACE_SQL =
  'UPDATE account_days SET version = ?, apply_id = ?, content = CAST(? AS TEXT), digest = ? WHERE day = ? AND account_id = ?';

/**
 * I1 for an account-day the store holds: whether the incoming one replaces it. A stale one, and
 * a conflict, are tallied here; the caller writes and tallies a replacement.
 */
function replacesHeld(before: HeldRow, batch: AccountDayBatch, digest: string, tally: ApplyTally): boolean {
  const { accountId, day, version } = batch;
  const decision = decideReplacement(before, { version, digest });
  if (decision === 'stale') {
    tally.stale({ accountId, day, version, storedVersion: before.version });
    return false;
  }
  if (decision === 'keep-conflict' || decision === 'replace-conflict') {
    const kept = decision === 'keep-conflict' ? 'stored' : 'incoming';
    tally.conflict({ accountId, day, version, digest, storedDigest: before.digest!, kept });
    return kept === 'incoming';
  }
  return true;
}

const keyOf = (accountId: string, day: string) => `${accountId}\u0000${day}`;

/** A chunk posted to the writer thread: the changes each of its runs must make, its answer, and whether it came. */
interface Posted {
  expected: number[];
  answer: Promise<RunResult[]>;
  answered: boolean;
}

export function createSqliteUsageStore(deps: SqliteUsageDeps): UsageStore {
  const { db } = deps;
  const fault = deps.faultInjector ?? (() => undefined);
  const writerFrom = deps.writerFrom ?? SQLITE_WRITER_FROM;
  const firstSeenDigests = deps.firstSeenDigests ?? 'adaptive';
  // Where an account-day came from is its apply's row (schema v5): read through a join.
  const storedVersion = db.prepare(
    `SELECT v.account_id, v.day, v.version, a.source_key, a.applied_at
     FROM account_days AS v JOIN applies AS a ON a.id = v.apply_id WHERE v.day = ? AND v.account_id = ?`,
  );
  // A chunk's account-days travel as one JSON array of [accountId, day] pairs.
  const storedVersions = db.prepare(
    `SELECT v.account_id, v.day, v.version, v.apply_id, v.digest
     FROM json_each(?) AS j JOIN account_days AS v ON v.day = j.value ->> 1 AND v.account_id = j.value ->> 0`,
  );
  const addApply = db.prepare(ADD_APPLY_SQL);
  const dropApply = db.prepare(DROP_APPLY_SQL);
  // Whether the store holds any account-day of a chunk's days (its batches are in day order).
  const anyInDays = db.prepare('SELECT 1 FROM account_days WHERE day BETWEEN ? AND ? LIMIT 1');
  // An account-day seen for the first time is written whole here — version, digest and content in
  // one row — and the insert answers whether the store held it: no lookup for what a first
  // ingest brings.
  const insertFirst = new Map<number, Database.Statement>();
  const insertFirstOf = (rows: number) => {
    let statement = insertFirst.get(rows);
    if (statement === undefined) {
      statement = db.prepare(
        `INSERT INTO account_days (day, account_id, version, apply_id, digest, content)
         VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, CAST(? AS TEXT))').join(', ')}
         ON CONFLICT (day, account_id) DO NOTHING`,
      );
      insertFirst.set(rows, statement);
    }
    return statement;
  };
  const replaceHeld = db.prepare(
    `UPDATE account_days SET version = ?, apply_id = ?, digest = ?, content = CAST(? AS TEXT) WHERE day = ? AND account_id = ?`,
  );
  const releaseVersion = db.prepare('UPDATE account_days SET version = 0, digest = NULL, apply_id = ? WHERE day = ? AND account_id = ?');
  const versionsInRange = db.prepare(
    `SELECT v.account_id, v.day, v.version, a.source_key, a.applied_at
     FROM account_days AS v JOIN applies AS a ON a.id = v.apply_id
     WHERE v.day BETWEEN ? AND ? ORDER BY v.day, v.account_id`,
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
  // — a bad batch of a streamed call included — rolls back every account-day of the call.
  // Batches are read as the apply goes (checkedBatches) and handled a chunk of account-days at a
  // time: every account-day is inserted whole, 50 a statement (the insert skips those the store
  // held), one statement reads the held ones' versions, and the winners among those are replaced
  // in place, so a file of 600,000 account-days is never held in memory.
  const apply = db.transaction((sourceKey: string, batches: Iterable<AccountDayBatch>) => {
    const tally = new ApplyTally();
    // This apply's row: every account-day it writes points at it.
    const applyId = Number(addApply.run(sourceKey, new Date().toISOString()).lastInsertRowid);
    let chunk: AccountDayBatch[] = [];
    let chunkNumber = 0;
    let aggregates = 0;
    for (const batch of checkedBatches(sourceKey, batches)) {
      chunk.push(batch);
      aggregates += batch.rows.length;
      if (chunk.length === APPLY_CHUNK || aggregates >= APPLY_CHUNK_AGGREGATES) {
        applyChunk(chunk, ++chunkNumber, sourceKey, applyId, tally);
        chunk = [];
        aggregates = 0;
      }
    }
    if (chunk.length > 0) applyChunk(chunk, ++chunkNumber, sourceKey, applyId, tally);
    // An apply that wrote nothing (every account-day stale or kept) leaves no row behind.
    const result = tally.done();
    if (result.appliedCount === 0) dropApply.run(applyId);
    fault('commit');
    return result;
  });

  /**
   * One chunk of an apply, inside its transaction. Every account-day is inserted whole, several a
   * statement, and the insert skips those the store holds. When it wrote all of them — a first
   * ingest — they are applied. Otherwise the chunk's stored rows are read back: a row pointing at
   * this apply was inserted now, and is applied; the others are compared (I1), the winners
   * replaced in place.
   */
  // Contents are bound as their UTF-8 bytes and cast to TEXT by SQLite (content-bytes.ts).
  const contentBytes = new ContentBytes();

  function applyChunk(chunk: readonly AccountDayBatch[], n: number, sourceKey: string, applyId: number, tally: ApplyTally): void {
    contentBytes.reset();
    const contents: Buffer[] = [];
    const digests: string[] = [];
    let inserted = 0;
    const values: unknown[] = [];
    for (let from = 0; from < chunk.length; from += SQLITE_INSERT_ROWS) {
      const to = Math.min(from + SQLITE_INSERT_ROWS, chunk.length);
      values.length = 0;
      for (let i = from; i < to; i++) {
        const batch = chunk[i]!;
        const content = contentBytes.add(batch.rows);
        const digest = contentDigest(content);
        contents.push(content);
        digests.push(digest);
        values.push(batch.day, batch.accountId, batch.version, applyId, Buffer.from(digest, 'hex'), content);
      }
      inserted += insertFirstOf(to - from).run(values).changes;
    }
    fault(`first-seen:${n}`);
    if (inserted === chunk.length) {
      for (const { accountId, day, version } of chunk) tally.applied({ accountId, day, version, sourceKey });
      fault(`replace:${n}`);
      return;
    }
    const stored = new Map<string, HeldRow>();
    for (const raw of storedVersions.all(JSON.stringify(chunk.map((b) => [b.accountId, b.day])))) {
      const row = decodeRow(heldRow, 'account_days', ['day', 'account_id'], raw);
      stored.set(keyOf(row.accountId, row.day), row);
    }
    // The outcomes are tallied in the call's order.
    chunk.forEach((batch, i) => {
      const { accountId, day, version } = batch;
      const digest = digests[i]!;
      const before = stored.get(keyOf(accountId, day));
      if (before === undefined)
        throw new StoreError('INTERNAL', `account-day ${accountId}/${day}: neither inserted nor held after the insert`);
      if (before.applyId === applyId) {
        tally.applied({ accountId, day, version, sourceKey });
        return;
      }
      if (!replacesHeld(before, batch, digest, tally)) return;
      replaceHeld.run(version, applyId, Buffer.from(digest, 'hex'), contents[i]!, day, accountId);
      tally.applied({ accountId, day, version, sourceKey });
    });
    fault(`replace:${n}`);
  }

  /**
   * The apply of a large call (I1 + I3), its writes run on a writer thread: the same outcomes as
   * `apply`, decided here. The thread's IMMEDIATE transaction holds the write lock from before the
   * first read, so this connection reads what the transaction started from — no other writer can
   * commit — and neither sees nor needs this apply's own rows (each account-day comes once). A
   * chunk whose days the store holds nothing of is written without a lookup; otherwise its held
   * rows are read here and compared. Chunks are posted while the next ones are built, at most
   * WRITER_IN_FLIGHT waiting; any failure, here or on the thread, rolls the transaction back.
   */
  async function applyOnWriter(writer: SqliteWriter, sourceKey: string, batches: Iterable<AccountDayBatch>): Promise<ApplyResult> {
    try {
      await writer.begin();
      const pack = new ParamPack(writer.spare);
      pack.text(sourceKey);
      pack.text(new Date().toISOString());
      const applyId = (await writer.run([{ sql: ADD_APPLY_SQL, params: 2 }], pack.take()))[0]!.lastInsertRowid;
      const tally = new ApplyTally();
      const inFlight: Posted[] = [];
      const settle = async (posted: Pick<Posted, 'expected' | 'answer'>) => {
        const results = await posted.answer;
        results.forEach((result, i) => {
          if (result.changes !== posted.expected[i])
            throw new StoreError('INTERNAL', `the writer thread changed ${result.changes} rows where ${posted.expected[i]} were written`);
        });
      };
      let chunk: AccountDayBatch[] = [];
      let chunkNumber = 0;
      let aggregates = 0;
      const post = async () => {
        const n = ++chunkNumber;
        // The writer hashes the first-seen contents while it keeps up; when it falls behind (two
        // chunks waiting, as with large contents), this thread hashes them instead of waiting.
        const hashHere =
          firstSeenDigests === 'main' || (firstSeenDigests === 'adaptive' && inFlight.filter((p) => !p.answered).length >= 2);
        inFlight.push(writeChunk(writer, pack, chunk, sourceKey, applyId, tally, hashHere));
        fault(`first-seen:${n}`);
        fault(`replace:${n}`);
        chunk = [];
        aggregates = 0;
        if (inFlight.length > WRITER_IN_FLIGHT) await settle(inFlight.shift()!);
      };
      for (const batch of checkedBatches(sourceKey, batches)) {
        chunk.push(batch);
        aggregates += batch.rows.length;
        if (chunk.length === APPLY_CHUNK || aggregates >= APPLY_CHUNK_AGGREGATES) await post();
      }
      if (chunk.length > 0) await post();
      while (inFlight.length > 0) await settle(inFlight.shift()!);
      const result = tally.done();
      if (result.appliedCount === 0) {
        pack.number(applyId);
        await settle({ expected: [1], answer: writer.run([{ sql: DROP_APPLY_SQL, params: 1 }], pack.take()) });
      }
      fault('commit');
      await writer.commit();
      return result;
    } catch (error) {
      await writer.rollback().catch(() => undefined);
      throw error;
    } finally {
      await writer.close();
    }
  }

  /**
   * One chunk for the writer thread: its outcomes tallied here, in the call's order, and its
   * writes — inserts of the account-days the store does not hold, 50 a statement, then the
   * replacements — posted as one request. Returns the request and the changes each run must make.
   */
  function writeChunk(
    writer: SqliteWriter,
    pack: ParamPack,
    chunk: readonly AccountDayBatch[],
    sourceKey: string,
    applyId: number,
    tally: ApplyTally,
    hashHere: boolean,
  ): Posted {
    const stored = new Map<string, HeldRow>();
    if (anyInDays.get(chunk[0]!.day, chunk[chunk.length - 1]!.day) !== undefined)
      for (const raw of storedVersions.all(JSON.stringify(chunk.map((b) => [b.accountId, b.day])))) {
        const row = decodeRow(heldRow, 'account_days', ['day', 'account_id'], raw);
        stored.set(keyOf(row.accountId, row.day), row);
      }
    const runs: WriterRun[] = [];
    const expected: number[] = [];
    let rows = 0;
    const endInsert = () => {
      if (rows === 0) return;
      runs.push({ sql: insertNewSql(rows), params: rows * 6 });
      expected.push(rows);
      rows = 0;
    };
    // Made only for a chunk that replaces something (a first ingest never does).
    let replacements: ParamPack | null = null;
    let replaced = 0;
    for (const batch of chunk) {
      const { accountId, day, version } = batch;
      const before = stored.get(keyOf(accountId, day));
      if (before === undefined) {
        pack.utf8Bytes(day);
        pack.utf8Bytes(accountId);
        pack.number(version);
        pack.number(applyId);
        const content = pack.latin1Bytes(contentBytes.latin1(batch.rows));
        if (hashHere) pack.hexBytes(contentDigest(content));
        else pack.sha256OfPrevious();
        tally.applied({ accountId, day, version, sourceKey });
        if (++rows === SQLITE_INSERT_ROWS) endInsert();
        continue;
      }
      const content = contentBytes.latin1(batch.rows);
      const digest = contentDigest(Buffer.from(content, 'latin1'));
      if (!replacesHeld(before, batch, digest, tally)) continue;
      replacements ??= new ParamPack();
      replacements.number(version);
      replacements.number(applyId);
      replacements.latin1Bytes(content);
      replacements.hexBytes(digest);
      replacements.text(day);
      replacements.text(accountId);
      replaced++;
      tally.applied({ accountId, day, version, sourceKey });
    }
    endInsert();
    if (replacements !== null) {
      pack.reserve(replacements.used);
      replacements.buffer.copy(pack.buffer, pack.used, 0, replacements.used);
      pack.used += replacements.used;
      for (let i = 0; i < replaced; i++) {
        runs.push({ sql: REPLACE_SQL, params: 6 });
        expected.push(1);
      }
    }
    const posted: Posted = { expected, answer: writer.run(runs, pack.take()), answered: false };
    // Awaited in turn (settle); a failure before then must not count as unhandled.
    posted.answer.then(
      () => {
        posted.answered = true;
      },
      () => undefined,
    );
    return posted;
  }

  const release = db.transaction((keys: readonly { accountId: string; day: string }[], sourceKey: string) => {
    const found: AccountDayVersion[] = [];
    let applyId: number | null = null;
    for (const key of keys) {
      const raw = storedVersion.get(key.day, key.accountId);
      if (raw === undefined) continue;
      const stored = decodeRow(versionRow, 'account_days', ['day', 'account_id'], raw);
      applyId ??= Number(addApply.run(sourceKey, new Date().toISOString()).lastInsertRowid);
      releaseVersion.run(applyId, key.day, key.accountId);
      found.push({ accountId: stored.accountId, day: stored.day, version: stored.version, sourceKey: stored.sourceKey });
    }
    return found;
  });

  async function* scan(range: DayRange, accountIds: readonly string[] | undefined): AsyncGenerator<UsageAggregate> {
    checkDayRange(range);
    // json_each keeps any number of account ids in one parameter and one statement, so the
    // result stays in scan order without chunked IN lists.
    const sql = `SELECT day, account_id, content FROM account_days WHERE day BETWEEN @from AND @to
      ${accountIds === undefined ? '' : 'AND account_id IN (SELECT value FROM json_each(@ids))'} ORDER BY day, account_id`;
    const params = { from: range.from, to: range.to, ...(accountIds === undefined ? {} : { ids: JSON.stringify(accountIds) }) };
    const reader = deps.openReader();
    try {
      // In memory there is no second connection: materialise (in-memory databases are small).
      const rows = reader === null ? db.prepare(sql).all(params) : reader.db.prepare(sql).iterate(params);
      // Each account-day's content is in (service, sku, currency) order: the scan's order.
      for (const raw of rows) yield* decodeContent(raw);
    } finally {
      reader?.release();
    }
  }

  return {
    ingestMemoryEntries: SQLITE_INGEST_MEMORY_ENTRIES,
    async applyAccountDays(sourceKey, batches) {
      // A call of known size — an array, or a parsed file's account-days — from the bound on
      // writes on the writer thread (every call, when the bound is 0); anything else on this connection.
      const size = Array.isArray(batches) ? batches.length : (batches as { count?: unknown }).count;
      const large = writerFrom === 0 || (typeof size === 'number' && size >= writerFrom);
      const writer = large ? (deps.openWriter?.() ?? null) : null;
      if (writer !== null) return applyOnWriter(writer, sourceKey, batches);
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
      return versionsInRange.all(range.from, range.to).map((raw) => decodeRow(versionRow, 'account_days', ['day', 'account_id'], raw));
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
