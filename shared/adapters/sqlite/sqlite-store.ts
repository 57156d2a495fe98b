/**
 * The SQLite adapter of the storage port (§6): the embedded default for local runs, demos and
 * tests. Opens (and creates) the file, applies the schema, and wires the three sub-stores.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../../ports/store';
import { createSqliteLedgerStore } from './ledger-store';
import { createSqliteProgramStore } from './program-store';
import { migrate } from './schema';
import { createSqliteTokenStore } from './token-store';
import { createSqliteUsageStore, type ScanConnection } from './usage-store';

const BUSY_TIMEOUT_MS = 5000;

export interface SqliteStoreOptions {
  /** Test hook for I3 crash safety; see `SqliteUsageDeps.faultInjector`. */
  faultInjector?: (step: string) => void;
}

function isInMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  if (!isInMemory(path)) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  const readers = new Set<Database.Database>();
  try {
    // WAL: scans on their own connection read a consistent snapshot while a writer commits (I3).
    // synchronous stays at its FULL default: the ledger must survive a power cut, not only a crash.
    db.pragma('journal_mode = WAL');
    migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }

  function openReader(): ScanConnection | null {
    if (isInMemory(path)) return null;
    const reader = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
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
    program: createSqliteProgramStore(db),
    usage: createSqliteUsageStore({ db, openReader, faultInjector: options.faultInjector }),
    ledger: createSqliteLedgerStore(db),
    tokens: createSqliteTokenStore(db),
    async close() {
      // A scan still being iterated when the store closes loses its connection and fails its next read.
      for (const reader of readers) reader.close();
      readers.clear();
      if (db.open) db.close();
    },
  };
}
