/**
 * Keyset-paged reads (`(key…) > ($after…) ORDER BY key LIMIT $limit`) inside one snapshot
 * read-only transaction, so every page sees the same state (I3) and no page is lost to YDB's
 * 1000-row result limit; a page flagged `truncated` is followed, never trusted as the end.
 *
 * Two ways to consume them:
 * - `readAll` collects a small read (links, ledger, versions…), decoding page by page; a retry
 *   restarts it from scratch, which is safe because nothing left the adapter yet.
 * - `stream` hands a large read (a quarter's usage) to the caller one decoded page at a time and
 *   asks YDB for the next page only when the caller has taken the previous one, so at most one
 *   page is held. The snapshot (and its session) stays open while the caller works, until the
 *   end or `return()` (break); an abandoned iterator keeps its session. When a retryable error
 *   (UNAVAILABLE, OVERLOADED, BAD_SESSION…) breaks the read after rows were handed out, the
 *   snapshot is gone and a plain restart would repeat rows. The retry therefore opens a new
 *   snapshot, re-reads the rows already handed out and compares their SHA-256 fingerprint with
 *   that of the handed-out rows: equal means the new snapshot starts with exactly what the caller
 *   already has, so continuing in it yields exactly the new snapshot's full result — provably
 *   consistent; it then hands out only the rest. Different (an apply changed an account-day the
 *   caller already saw) means no consistent continuation exists: the read fails with the
 *   StoreError YDB_SCAN_INTERRUPTED and the operation has to be re-run from scratch (an accrual
 *   is repeat-safe). A replay costs the same reads as the restart `readAll` does.
 * - A stream whose caller stops asking (a leaked iterator in a warm container) must not hold its
 *   session for ever: after `idleMs` without demand the snapshot is closed and the session freed;
 *   if the caller comes back, the read resumes through the same replay as after a failure.
 *
 * A read is either one keyset-paged query (`PagedRead`) or a `PageSource`: a generator that runs
 * any number of queries in the snapshot and yields pages of rows in a deterministic order (the
 * usage scan reads one table by key range and the other by key).
 */
import { createHash, type Hash } from 'node:crypto';
import type { Ydb } from 'ydb-sdk-proto';
import { StoreError } from '../../ports/store';
import { queryName } from './queries';
import type { TableSession } from './sdk';
import { decodeRows, param, type Row } from './values';

export type Params = Record<string, Ydb.ITypedValue>;
export type TxControl = { txId: string; commitTx?: boolean } | { beginTx: Ydb.Table.ITransactionSettings; commitTx: boolean };

const SNAPSHOT: Ydb.Table.ITransactionSettings = { snapshotReadOnly: {} };

export interface PagedRead {
  text: string;
  params: Params;
  /** Cursor parameters for the page after `last` (undefined: the first page). */
  cursor(last: Row | undefined): Params;
}

/** Runs a query inside the read's snapshot. */
export type SnapshotQuery = (text: string, params: Params) => Promise<Ydb.Table.ExecuteQueryResult>;

/** Yields the pages of a read, running its queries through `query` (one snapshot). */
export type PageSource = (query: SnapshotQuery, pageSize: number) => AsyncGenerator<Row[], void, undefined>;

export interface PagedReadDeps {
  retry<T>(work: (session: TableSession) => Promise<T>): Promise<T>;
  execute(session: TableSession, text: string, params: Params, tx: TxControl): Promise<Ydb.Table.ExecuteQueryResult>;
  pageSize: number;
  /** A one-line name for a failure (its YDB status), for messages. */
  describeFailure(error: unknown): string;
  /** A stream idle this long frees its session (default 10 s). */
  idleMs?: number;
}

export interface PagedReads {
  /** Every row of the read, decoded page by page, from one snapshot. */
  readAll<T>(read: PagedRead | PageSource, decode: (row: Row) => T): Promise<T[]>;
  /** The read's decoded pages, one at a time, from one snapshot (see the file comment on retries). */
  stream<T>(read: PagedRead | PageSource, decode: (row: Row) => T, name?: string): AsyncGenerator<T[], void, undefined>;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // The reader always awaits it; this only keeps an unlucky ordering from being reported unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** An unambiguous text form of a decoded row: strings length-prefixed, numbers terminated. */
function fingerprint(row: Row): string {
  let out = '';
  for (const cell of Object.values(row)) {
    if (cell === null) out += '~';
    else if (typeof cell === 'string') out += `s${cell.length}:${cell}`;
    else if (typeof cell === 'bigint') out += `n${cell};`;
    else out += cell ? 'T' : 'F';
  }
  return `${out}\n`;
}

/** A `PagedRead` as a page source: `(key…) > ($after…) … LIMIT $limit`, following `truncated`. */
export function keysetPages(read: PagedRead): PageSource {
  return async function* pages(query, pageSize) {
    for (let last: Row | undefined; ; ) {
      const result = await query(read.text, { ...read.params, ...read.cursor(last), $limit: param.uint64(pageSize) });
      const set = result.resultSets[0];
      const rows = decodeRows(set);
      if (rows.length === 0 && set?.truncated) {
        throw new StoreError('YDB_TRUNCATED', `${queryName(read.text)}: empty page flagged truncated; refusing to guess the rest`);
      }
      const lastPage = rows.length === 0 || (!set?.truncated && rows.length < pageSize);
      last = rows[rows.length - 1];
      if (rows.length > 0) yield rows;
      if (lastPage) return;
    }
  };
}

const sourceOf = (read: PagedRead | PageSource): PageSource => (typeof read === 'function' ? read : keysetPages(read));
const nameOf = (read: PagedRead | PageSource, name?: string) =>
  name ?? (typeof read === 'function' ? read.name || 'read' : queryName(read.text));

export function createPagedReads({ retry, execute, pageSize, describeFailure, idleMs = 10_000 }: PagedReadDeps): PagedReads {
  /**
   * Reads the pages of `source` in one snapshot of `session`; `onPage` gets every non-empty page
   * and returns false to stop early. The snapshot is closed at the end (a read-only snapshot has
   * nothing to commit; closing frees it early), unless a failed query already ended it.
   */
  async function readPages(session: TableSession, source: PageSource, onPage: (rows: Row[]) => boolean | Promise<boolean>): Promise<void> {
    let txId: string | undefined;
    let ended = false;
    const query: SnapshotQuery = async (text, params) => {
      const tx: TxControl = txId ? { txId } : { beginTx: SNAPSHOT, commitTx: false };
      try {
        const result = await execute(session, text, params, tx);
        txId ??= result.txMeta?.id ?? undefined;
        return result;
      } catch (error) {
        ended = true; // the server drops the transaction of a failed query
        throw error;
      }
    };
    try {
      for await (const rows of source(query, pageSize)) {
        if (rows.length > 0 && !(await onPage(rows))) return;
      }
    } finally {
      if (txId && !ended) await session.commitTransaction({ txId }).catch(() => undefined);
    }
  }

  const readAll = <T>(read: PagedRead | PageSource, decode: (row: Row) => T): Promise<T[]> =>
    retry(async (session) => {
      const out: T[] = [];
      await readPages(session, sourceOf(read), (rows) => {
        for (const row of rows) out.push(decode(row));
        return true;
      });
      return out;
    });

  async function* stream<T>(read: PagedRead | PageSource, decode: (row: Row) => T, label?: string): AsyncGenerator<T[], void, undefined> {
    const name = nameOf(read, label);
    const source = sourceOf(read);
    const handed: Hash = createHash('sha256'); // fingerprint of every row handed to the caller, in order
    let handedRows = 0;
    let lastFailure: unknown;
    // The page loop runs inside `retry` (it owns the session); these two hand pages across.
    let ready = deferred<T[] | undefined>(); // loop → caller: the next page (undefined: the end)
    let demand = deferred<boolean>(); // caller → loop: true for the next page, false to stop
    let suspended = false; // the loop let its session go while the caller was idle
    const interrupted = (why: string) =>
      new StoreError(
        'YDB_SCAN_INTERRUPTED',
        `${name}: the read broke after ${handedRows} rows were handed out (${describeFailure(lastFailure)}) and ${why}; ` +
          'continuing would mix two states and restarting would repeat rows: recompute from scratch (re-run the operation)',
        { cause: lastFailure },
      );

    /** Waits for the caller's demand; after `idleMs` the loop stops and frees its session. */
    const nextDemand = async (): Promise<boolean> => {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          suspended = true;
          lastFailure = new Error(`idle for ${idleMs} ms, session released`);
          resolve(false);
        }, idleMs);
        timer.unref?.();
      });
      try {
        return await Promise.race([demand.promise, idle]);
      } finally {
        clearTimeout(timer);
      }
    };

    const attempt = async (session: TableSession): Promise<void> => {
      const replay = handedRows; // rows the caller already has; a fresh read has none
      const check = createHash('sha256');
      let seen = 0;
      try {
        await readPages(session, source, async (rows) => {
          let fresh = rows;
          if (seen < replay) {
            const skip = Math.min(replay - seen, rows.length);
            for (let i = 0; i < skip; i += 1) check.update(fingerprint(rows[i] as Row));
            seen += skip;
            if (seen < replay) return true;
            if (check.digest('hex') !== handed.copy().digest('hex')) throw interrupted('the rows handed out changed in the new snapshot');
            fresh = rows.slice(skip);
            if (fresh.length === 0) return true;
          }
          const page = fresh.map(decode); // decoded here: the raw page is dropped before the caller runs
          for (const row of fresh) handed.update(fingerprint(row));
          handedRows += fresh.length;
          seen += fresh.length;
          ready.resolve(page);
          const more = await nextDemand();
          if (more) demand = deferred();
          return more;
        });
      } catch (error) {
        if (!(error instanceof StoreError)) lastFailure = error;
        throw error;
      }
      if (seen < replay) throw interrupted('the new snapshot holds fewer rows than were handed out');
    };

    const start = () =>
      retry(attempt).then(
        () => {
          if (!suspended) ready.resolve(undefined);
        },
        (error: unknown) => ready.reject(error),
      );
    let loop = start();
    try {
      for (;;) {
        const page = await ready.promise;
        if (page === undefined) return;
        ready = deferred();
        yield page;
        if (suspended) {
          // The caller came back after the loop let its session go: resume by replaying.
          await loop;
          suspended = false;
          demand = deferred();
          loop = start();
        } else demand.resolve(true);
      }
    } finally {
      // A caller that stops early (break, throw) ends the read: the snapshot closes, the session is freed.
      demand.resolve(false);
      await loop;
    }
  }

  return { readAll, stream };
}
