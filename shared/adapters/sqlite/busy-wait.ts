/**
 * Bounded waiting for another process's write lock (issue 8, class 5). SQLite's own busy handler
 * waits in one blocking call and says nothing; here each call waits in short slices and, between
 * slices, reports how long it has waited (the CLI shows it on a terminal) until the bound, after
 * which it fails with STORE_BUSY saying what to retry. Retrying is safe: every write is one
 * IMMEDIATE transaction, and SQLITE_BUSY comes from its BEGIN, before anything was written.
 */
import { STORE_BUSY, StoreError } from '../../ports/store';

/** SQLite's own busy wait per attempt; the rest of the bound is waited in JS between attempts. */
export const WAIT_SLICE_MS = 250;

/** SQLITE_BUSY / SQLITE_LOCKED (and their extended codes) from better-sqlite3. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The error an operator sees when another process holds the write lock too long. */
export function busyError(path: string, error: unknown, timeoutMs: number): StoreError {
  return new StoreError(
    STORE_BUSY,
    `the store ${path} is busy: another process (an ingest or a posting) held its write lock for more than ${timeoutMs / 1000} s (SQLITE_BUSY_TIMEOUT_MS); nothing of this step was written — retry when it has finished`,
    { cause: error },
  );
}

export interface BusyWait {
  path: string;
  /** The bound, in ms. */
  timeoutMs: number;
  /** Told, about once a second, how long a call has been waiting. */
  onWait?: ((waitedMs: number) => void) | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every async method of a sub-store, waiting for a busy lock up to the bound, then STORE_BUSY. */
export function withBusyWait<T extends object>(wait: BusyWait, target: T): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') {
      guarded[name] = value;
      continue;
    }
    guarded[name] = (...args: unknown[]) => {
      const first: unknown = value(...args);
      if (!(first instanceof Promise)) return first;
      return retrying(wait, first, () => value(...args) as Promise<unknown>);
    };
  }
  return guarded as T;
}

async function retrying(wait: BusyWait, first: Promise<unknown>, again: () => Promise<unknown>): Promise<unknown> {
  const started = Date.now();
  let reported = 0;
  let attempt = first;
  for (;;) {
    try {
      return await attempt;
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      // Each attempt already waited up to WAIT_SLICE_MS inside SQLite; the bound may be passed by one slice.
      const waited = Date.now() - started;
      if (waited >= wait.timeoutMs) throw busyError(wait.path, error, wait.timeoutMs);
      if (waited - reported >= 1000) {
        reported = waited;
        wait.onWait?.(waited);
      }
      await sleep(50);
      attempt = again();
    }
  }
}
