/**
 * The SQLite adapter of the storage port (§6): the embedded default for local runs, demos and
 * tests. Opens (and creates) the file, applies the schema, and wires the three sub-stores.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { STORE_BUSY, STORE_UNAVAILABLE, StoreError, type Store } from '../../ports/store';
import { createSqliteLedgerStore } from './ledger-store';
import { createSqliteProgramStore } from './program-store';
import { migrate } from './schema';
import { createSqliteUsageStore, type ScanConnection } from './usage-store';

/**
 * How long a writer waits for another process's write lock before giving up with STORE_BUSY.
 * Readers never wait for writers (WAL); a writer holds the lock for one file's apply or one
 * posting, seconds even for large files, so 30 s covers a queue of a few commands.
 */
export const BUSY_TIMEOUT_MS = 30_000;

export interface SqliteStoreOptions {
  /** Test hook for I3 crash safety; see `SqliteUsageDeps.faultInjector`. */
  faultInjector?: (step: string) => void;
  /** Create missing parent directories (default true). Off, a missing directory is an error naming the path. */
  createDirectories?: boolean;
  /** Refuse to create the file: reading a store that does not exist is a typo, not an empty store. */
  mustExist?: boolean;
  /** Busy timeout in ms (tests shorten it). */
  busyTimeoutMs?: number;
}

/** SQLITE_BUSY / SQLITE_LOCKED (and their extended codes) from better-sqlite3. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The error an operator sees when another process holds the write lock too long. */
export function busyError(path: string, error: unknown, timeoutMs = BUSY_TIMEOUT_MS): StoreError {
  return new StoreError(
    STORE_BUSY,
    `the store ${path} is busy: another process (an ingest or a posting) held its write lock for more than ${timeoutMs / 1000} s (SQLITE_BUSY_TIMEOUT_MS); nothing of this step was written — retry when it has finished`,
    { cause: error },
  );
}

function isInMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const timeout = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  if (!isInMemory(path)) {
    if (options.mustExist && !existsSync(path)) {
      throw new StoreError(STORE_UNAVAILABLE, `no store at ${path}: nothing has been written there yet — check REBATES_STORE (a typo would read as an empty store)`);
    }
    if (options.createDirectories === false && !existsSync(dirname(path))) {
      throw new StoreError(STORE_UNAVAILABLE, `the store directory ${dirname(path)} does not exist — check REBATES_STORE, or create the directory to start a new store there`);
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new StoreError(STORE_UNAVAILABLE, `cannot create the store directory ${dirname(path)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path, { timeout });
  } catch (error) {
    throw new StoreError(STORE_UNAVAILABLE, `cannot open the SQLite store ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const readers = new Set<Database.Database>();
  try {
    // WAL: readers never wait for a writer, and scans on their own connection read a consistent
    // snapshot while a writer commits (I3). Switching needs the lock once; a file already in WAL
    // (every file this code created) is only asked, so opening to read never waits for a writer.
    // synchronous stays at its FULL default: the ledger must survive a power cut, not only a crash.
    if (db.pragma('journal_mode', { simple: true }) !== 'wal' && !isInMemory(path)) db.pragma('journal_mode = WAL');
    migrate(db, path);
  } catch (error) {
    db.close();
    if (isSqliteBusy(error)) throw busyError(path, error, timeout);
    if (error instanceof StoreError) throw error;
    throw new StoreError(STORE_UNAVAILABLE, `cannot open the SQLite store ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }

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

  return {
    kind: 'sqlite',
    program: busyAsStoreError(path, timeout, createSqliteProgramStore(db)),
    usage: busyAsStoreError(path, timeout, createSqliteUsageStore({ db, openReader, faultInjector: options.faultInjector })),
    ledger: busyAsStoreError(path, timeout, createSqliteLedgerStore(db)),
    async close() {
      // A scan still being iterated when the store closes loses its connection and fails its next read.
      for (const reader of readers) reader.close();
      readers.clear();
      if (db.open) db.close();
    },
  };
}

/** Every method of a sub-store, with SQLITE_BUSY turned into the STORE_BUSY StoreError an operator can act on. */
function busyAsStoreError<T extends object>(path: string, timeout: number, target: T): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') {
      guarded[name] = value;
      continue;
    }
    guarded[name] = (...args: unknown[]) => {
      const result: unknown = value(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        throw isSqliteBusy(error) ? busyError(path, error, timeout) : error;
      });
    };
  }
  return guarded as T;
}
