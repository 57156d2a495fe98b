/**
 * Usage aggregates, account-day versions (I1) and the ingest log (I5) on SQLite.
 * The only decision taken here is the I1 version compare, because it must happen inside the
 * same write transaction as the replacement (see the port).
 */
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { isDay, type DayRange } from '../../domain/calendar';
import type { AccountDayVersion, IngestLogEntry, UsageAggregate } from '../../domain/model';
import { accountDayContent, contentDigest, decideReplacement } from '../../domain/replacement';
import { StoreError, type AccountDayBatch, type UsageStore } from '../../ports/store';
import { ApplyTally, checkDayRange, checkedBatches, checkIngestLimit, ingestAlreadyExists } from '../../ports/store-rules';
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
}

/**
 * Groups plus account-days an ingest into SQLite holds in memory before a sorted run is written
 * (issue 11; `UsageStore.ingestMemoryEntries`). The
 * aggregator's columns grow in place and hold 64 bytes per group and 33 per account-day, 2–4 more
 * each in hash buckets (`usage-aggregator.ts`): 52 bytes an entry when every account-day has one
 * group, 67 when nearly all entries are groups — 62 to 80 MiB at this bound by the end of a parse,
 * and 60 % of that while the file is applied. The bound is the `backfill-wide` bench file's
 * 1,200,060 entries plus 4 %, so that a quarter's backfill of 600,000 account-days stays in memory:
 * measured, its CLI ingest peaked at 180–184 MB without spilling, 152–155 MB since the file is read
 * into one reused buffer (at 700,000 it spilled into 3 runs, peaked at 180–196 MB and took twice
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

const keyOf = (accountId: string, day: string) => `${accountId}\u0000${day}`;

export function createSqliteUsageStore(deps: SqliteUsageDeps): UsageStore {
  const { db } = deps;
  const fault = deps.faultInjector ?? (() => undefined);
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
  const addApply = db.prepare('INSERT INTO applies (source_key, applied_at) VALUES (?, ?)');
  const dropApply = db.prepare('DELETE FROM applies WHERE id = ?');
  // An account-day seen for the first time is written whole here — version, digest and content in
  // one row — and the insert answers whether the store held it: no lookup for what a first
  // ingest brings.
  const insertFirst = new Map<number, Database.Statement>();
  const insertFirstOf = (rows: number) => {
    let statement = insertFirst.get(rows);
    if (statement === undefined) {
      statement = db.prepare(
        `INSERT INTO account_days (day, account_id, version, apply_id, digest, content)
         VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (day, account_id) DO NOTHING`,
      );
      insertFirst.set(rows, statement);
    }
    return statement;
  };
  const replaceHeld = db.prepare(
    `UPDATE account_days SET version = ?, apply_id = ?, digest = ?, content = ? WHERE day = ? AND account_id = ?`,
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
  function applyChunk(chunk: readonly AccountDayBatch[], n: number, sourceKey: string, applyId: number, tally: ApplyTally): void {
    const contents: string[] = [];
    const digests: string[] = [];
    let inserted = 0;
    const values: unknown[] = [];
    for (let from = 0; from < chunk.length; from += SQLITE_INSERT_ROWS) {
      const to = Math.min(from + SQLITE_INSERT_ROWS, chunk.length);
      values.length = 0;
      for (let i = from; i < to; i++) {
        const batch = chunk[i]!;
        const content = accountDayContent(batch.rows);
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
      const decision = decideReplacement(before, { version, digest });
      if (decision === 'stale') {
        tally.stale({ accountId, day, version, storedVersion: before.version });
        return;
      }
      if (decision === 'keep-conflict' || decision === 'replace-conflict') {
        const kept = decision === 'keep-conflict' ? 'stored' : 'incoming';
        tally.conflict({ accountId, day, version, digest, storedDigest: before.digest!, kept });
        if (kept === 'stored') return;
      }
      replaceHeld.run(version, applyId, Buffer.from(digest, 'hex'), contents[i]!, day, accountId);
      tally.applied({ accountId, day, version, sourceKey });
    });
    fault(`replace:${n}`);
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
