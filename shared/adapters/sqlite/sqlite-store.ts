/**
 * The SQLite adapter of the storage port (§6): the embedded default for local runs, demos and
 * tests. Opens (and creates) the file, applies the schema, and wires the three sub-stores.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { STORE_UNAVAILABLE, StoreError, type Store } from '../../ports/store';
import { busyError, isSqliteBusy, WAIT_SLICE_MS, withBusyWait } from './busy-wait';
import { createSqliteLedgerStore } from './ledger-store';
import { createSqliteProgramStore } from './program-store';
import { migrate } from './schema';
import { createSqliteTokenStore } from './token-store';
import { createSqliteUsageStore, type FirstSeenDigests, type ScanConnection } from './usage-store';
import { SqliteWriter } from './writer-thread';

/**
 * How long a writer waits for another process's write lock before giving up with STORE_BUSY.
 * Readers never wait for writers (WAL); a writer holds the lock for one file's apply or one
 * posting, seconds even for large files, so 30 s covers a queue of a few commands.
 */
export const BUSY_TIMEOUT_MS = 30_000;

/** Page size of a newly created file, in bytes. */
export const PAGE_SIZE = 16_384;
/** Page cache per connection, in KiB (better-sqlite3's default). */
const CACHE_KIB = 16_000;
/**
 * Page cache of a writer thread's connection, in KiB: its apply appends in key order, so pages
 * it spills are not read again. Measured on the many-groups bench file (150 MB of content): the
 * ingest peaked 12–16 MB lower than with 16,000, in no more time.
 */
const WRITER_CACHE_KIB = 4_000;

export interface SqliteStoreOptions {
  /** Test hook for I3 crash safety; see `SqliteUsageDeps.faultInjector`. */
  faultInjector?: (step: string) => void;
  /** Create missing parent directories (default true). Off, a missing directory is an error naming the path. */
  createDirectories?: boolean;
  /** Refuse to create the file: reading a store that does not exist is a typo, not an empty store. */
  mustExist?: boolean;
  /** How long a write waits for another process's lock, in ms (default BUSY_TIMEOUT_MS). */
  busyTimeoutMs?: number;
  /** Told about once a second while a write waits for another process's lock. */
  onWait?: (waitedMs: number) => void;
  /** Account-days from which an apply writes on a writer thread (default SQLITE_WRITER_FROM; tests lower it). */
  writerFrom?: number;
  /** Where the writer path hashes first-seen contents (default adaptive, see usage-store.ts; tests pin it). */
  firstSeenDigests?: FirstSeenDigests;
}

function isInMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const timeout = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  if (!isInMemory(path)) {
    if (options.mustExist && !existsSync(path)) {
      throw new StoreError(
        STORE_UNAVAILABLE,
        `no store at ${path}: nothing has been written there yet — check REBATES_STORE (a typo would read as an empty store)`,
      );
    }
    if (options.createDirectories === false && !existsSync(dirname(path))) {
      throw new StoreError(
        STORE_UNAVAILABLE,
        `the store directory ${dirname(path)} does not exist — check REBATES_STORE, or create the directory to start a new store there`,
      );
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new StoreError(
        STORE_UNAVAILABLE,
        `cannot create the store directory ${dirname(path)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path, { timeout });
  } catch (error) {
    throw new StoreError(
      STORE_UNAVAILABLE,
      `cannot open the SQLite store ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const readers = new Set<Database.Database>();
  try {
    // WAL: readers never wait for a writer, and scans on their own connection read a consistent
    // snapshot while a writer commits (I3). Switching needs the lock once; a file already in WAL
    // (every file this code created) is only asked, so opening to read never waits for a writer.
    // synchronous stays at its FULL default: the ledger must survive a power cut, not only a crash.
    // A new file gets 16 KiB pages before anything is written (later it cannot change): a large
    // file's apply inserts hundreds of thousands of rows into text-keyed B-trees, and fewer,
    // larger pages mean fewer splits — 15 % less time than the 4 KiB default (measured).
    if (db.pragma('page_count', { simple: true }) === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
    // The page cache's size is stated again in KiB: the connection counted it in pages of the size
    // it opened with, so after a new file's larger pages it would hold 4× the memory (measured:
    // +40 MB at the peak of a 200,000 account-day apply).
    db.pragma(`cache_size = -${CACHE_KIB}`);
    if (db.pragma('journal_mode', { simple: true }) !== 'wal' && !isInMemory(path)) db.pragma('journal_mode = WAL');
    migrate(db, path);
    // From here on, writes wait in short slices so the wait can be reported (busy-wait.ts).
    db.pragma(`busy_timeout = ${Math.min(timeout, WAIT_SLICE_MS)}`);
  } catch (error) {
    db.close();
    if (isSqliteBusy(error)) throw busyError(path, error, timeout);
    if (error instanceof StoreError) throw error;
    throw new StoreError(
      STORE_UNAVAILABLE,
      `cannot open the SQLite store ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }

  const wait = { path, timeoutMs: timeout, onWait: options.onWait };

  function openReader(): ScanConnection | null {
    if (isInMemory(path)) return null;
    const reader = new Database(path, { readonly: true, fileMustExist: true, timeout });
    readers.add(reader);
    return {
      db: reader,
      release() {
        readers.delete(reader);
        if (reader.open) reader.close();
      },
    };
  }

  const writers = new Set<SqliteWriter>();
  function openWriter(): SqliteWriter | null {
    if (isInMemory(path)) return null;
    const writer = new SqliteWriter({ path, cacheKib: WRITER_CACHE_KIB, busySliceMs: Math.min(timeout, WAIT_SLICE_MS) });
    writers.add(writer);
    const close = writer.close.bind(writer);
    writer.close = async () => {
      writers.delete(writer);
      await close();
    };
    return writer;
  }

  return {
    kind: 'sqlite',
    program: withBusyWait(wait, createSqliteProgramStore(db)),
    usage: withBusyWait(
      wait,
      createSqliteUsageStore({
        db,
        openReader,
        openWriter,
        writerFrom: options.writerFrom,
        firstSeenDigests: options.firstSeenDigests,
        faultInjector: options.faultInjector,
      }),
    ),
    ledger: withBusyWait(wait, createSqliteLedgerStore(db)),
    tokens: withBusyWait(wait, createSqliteTokenStore(db)),
    async close() {
      // A scan still being iterated when the store closes loses its connection and fails its next read.
      for (const reader of readers) reader.close();
      readers.clear();
      // An apply still running when the store closes loses its writer, and with it its transaction.
      await Promise.all([...writers].map((writer) => writer.close()));
      if (db.open) db.close();
    },
  };
}
