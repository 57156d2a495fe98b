/**
 * How the adapter talks to YDB: every unit of work is a repeat-safe callback run through
 * `tableClient.withSessionRetry(work, sessionWaitMs)` inside a budget-aware retry loop
 * (`retry-budget.ts`) — withSessionRetry replaces a BAD_SESSION session, the loop backs off on
 * OVERLOADED (slowly), UNAVAILABLE, ABORTED… (quickly) for as long as the caller's remaining time
 * allows, logging each wait; SCHEME_ERROR and the like are not retried. The SDK's own
 * `withRetries` is not used: its attempt count, not the time left, decides when it gives up.
 * A session that does not become free within `sessionWaitMs` fails the call (SessionPoolEmpty →
 * YDB_SESSION_POOL_EMPTY) instead of waiting for ever. Reads page inside one snapshot
 * (`paged-reads.ts`).
 */
import { ydbErrorCode } from '../../errors';
import type { Ydb } from 'ydb-sdk-proto';
import { LedgerConflictError, StoreError } from '../../ports/store';
import { createPagedReads, type Params, type PagedReads, type TxControl } from './paged-reads';
import { withRetryBudget, type RetryWait } from './retry-budget';
import { ExecuteQuerySettings, StatusCode, YdbError, type TableSession, type YdbDriver } from './sdk';

export type { PagedRead, PageSource, Params, SnapshotQuery } from './paged-reads';

export interface YdbRunnerOptions {
  /** Optional hard cap on attempts per unit of work (default: only the time budget bounds them). */
  maxRetries?: number;
  /** Base of the backoff in ms (default 500; tests use 1). */
  backoffSlotMs?: number;
  /** Rows per page of a read; YDB returns at most 1000 per result (default 1000). */
  pageSize?: number;
  /** The caller's remaining time in ms (a function's `context.getRemainingTimeInMillis`); retries stop when it runs out. */
  remainingMs?: () => number;
  /** Retry budget when no `remainingMs` is given (default 60 s). */
  defaultBudgetMs?: number;
  /** Longest wait for a free session before the call fails (default 5 s). */
  sessionWaitMs?: number;
  /** A scan whose caller asks for nothing this long frees its session (default 10 s). */
  scanIdleMs?: number;
  /** Told about every retry wait (default: a JSON line on stderr). */
  onRetryWait?: (wait: RetryWait) => void;
  /** Test hooks for the retry clock. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const logWait = (wait: RetryWait) => process.stderr.write(`${JSON.stringify({ level: 'WARN', ...wait })}\n`);

export const SERIALIZABLE: Ydb.Table.ITransactionSettings = { serializableReadWrite: {} };
const QUERY_SETTINGS = new ExecuteQuerySettings().withKeepInCache(true);

export interface YdbRunner extends PagedReads {
  /** Runs a repeat-safe unit of work with retries. */
  retry<T>(work: (session: TableSession) => Promise<T>): Promise<T>;
  /** Executes one query; `tx` defaults to a single-statement serializable transaction. */
  execute(session: TableSession, text: string, params: Params, tx?: TxControl): Promise<Ydb.Table.ExecuteQueryResult>;
  readonly pageSize: number;
}

export function createYdbRunner(driver: YdbDriver, options: YdbRunnerOptions = {}): YdbRunner {
  const pageSize = options.pageSize ?? 1000;
  const sessionWaitMs = options.sessionWaitMs ?? 5_000;
  const budget = {
    ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
    ...(options.defaultBudgetMs !== undefined ? { defaultBudgetMs: options.defaultBudgetMs } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.now ? { now: options.now } : {}),
    backoffSlotMs: options.backoffSlotMs ?? 500,
    onWait: options.onRetryWait ?? logWait,
  };

  const acquireAndRun = async <T>(work: (session: TableSession) => Promise<T>): Promise<T> => {
    try {
      return await driver.tableClient.withSessionRetry(work, sessionWaitMs);
    } catch (error) {
      if (ydbStatusName(error) === 'SESSION_POOL_EMPTY') {
        throw new StoreError(
          'YDB_SESSION_POOL_EMPTY',
          `no YDB session became free within ${sessionWaitMs} ms: every session of the pool is busy (a scan left unfinished holds one until it is idle for a while)`,
          { cause: error },
        );
      }
      throw error;
    }
  };

  const retry = <T>(work: (session: TableSession) => Promise<T>): Promise<T> =>
    withRetryBudget(() => acquireAndRun(work), ydbStatusName, budget);

  // The SDK types an existing transaction as { txId } only; commitTx on it is valid protocol.
  const execute = (session: TableSession, text: string, params: Params, tx: TxControl = { beginTx: SERIALIZABLE, commitTx: true }) =>
    session.executeQuery(text, params, tx as { txId: string }, QUERY_SETTINGS);

  return {
    retry,
    execute,
    pageSize,
    ...createPagedReads({
      retry,
      execute,
      pageSize,
      describeFailure,
      ...(options.scanIdleMs !== undefined ? { idleMs: options.scanIdleMs } : {}),
    }),
  };
}

export interface Tx {
  /** Runs a query in the transaction; `commit` ends it with this query. */
  query(text: string, params: Params, commit?: boolean): Promise<Ydb.Table.ExecuteQueryResult>;
}

/**
 * Runs `work` in one serializable transaction. It commits only through a query sent with
 * `commit = true`; anything else (an error, an early return) rolls it back.
 */
export async function withTransaction<T>(runner: YdbRunner, session: TableSession, work: (tx: Tx) => Promise<T>): Promise<T> {
  let txId: string | undefined;
  let finished = false;
  const tx: Tx = {
    async query(text, params, commit = false) {
      const control: TxControl = txId ? { txId, commitTx: commit } : { beginTx: SERIALIZABLE, commitTx: commit };
      let result: Ydb.Table.ExecuteQueryResult;
      try {
        result = await runner.execute(session, text, params, control);
      } catch (error) {
        // A failed query ends its transaction on the server; a rollback would only find nothing.
        finished = true;
        throw error;
      }
      if (commit) finished = true;
      else txId ??= result.txMeta?.id ?? undefined;
      return result;
    },
  };
  try {
    return await work(tx);
  } finally {
    if (!finished && txId) await session.rollbackTransaction({ txId }).catch(() => undefined);
  }
}

/** The YDB status code of an error thrown by the SDK, if it is one. */
export function ydbStatus(error: unknown): number | undefined {
  if (!(error instanceof YdbError)) return undefined;
  return (error.constructor as unknown as { status?: number }).status;
}

/** The YDB status name (UNAVAILABLE, OVERLOADED…) of an error thrown by the SDK, if it is one. */
export function ydbStatusName(error: unknown): string | undefined {
  const status = ydbStatus(error);
  return status === undefined ? undefined : ((StatusCode as unknown as Record<number, string>)[status] ?? String(status));
}

/** A one-line name for a failure: its YDB status, else the first line of its message. */
function describeFailure(error: unknown): string {
  const status = ydbStatusName(error);
  if (status !== undefined) return status;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Wraps an SDK failure as a StoreError naming the operation and the YDB status. */
export function ydbFailure(operation: string, error: unknown): Error {
  if (error instanceof StoreError || error instanceof LedgerConflictError) return error;
  const statusName = ydbStatusName(error);
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(ydbErrorCode(statusName), `YDB ${operation} failed: ${message}`, { cause: error });
}
