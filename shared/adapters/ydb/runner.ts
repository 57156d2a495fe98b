/**
 * How the adapter talks to YDB: every unit of work is a repeat-safe callback run through
 * `withRetries(() => tableClient.withSessionRetry(…))` — withSessionRetry replaces a BAD_SESSION
 * session, withRetries backs off on OVERLOADED, UNAVAILABLE and ABORTED; SCHEME_ERROR and the
 * like are not retried. Reads page by key inside one snapshot (`paged-reads.ts`).
 */
import type { Ydb } from 'ydb-sdk-proto';
import { LedgerConflictError, StoreError } from '../../ports/store';
import { createPagedReads, type Params, type PagedReads, type TxControl } from './paged-reads';
import { ExecuteQuerySettings, RetryParameters, StatusCode, YdbError, withRetries, type TableSession, type YdbDriver } from './sdk';

export type { PagedRead, Params } from './paged-reads';

export interface YdbRunnerOptions {
  /** Attempts per unit of work (default 8). */
  maxRetries?: number;
  /** Base of the slow (OVERLOADED) backoff in ms (default 500; tests use 1). */
  backoffSlotMs?: number;
  /** Rows per page of a read; YDB returns at most 1000 per result (default 1000). */
  pageSize?: number;
}

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
  const retryParameters = new RetryParameters({
    maxRetries: options.maxRetries ?? 8,
    backoffSlotDuration: options.backoffSlotMs ?? 500,
    backoffCeiling: 5,
  });

  const retry = <T>(work: (session: TableSession) => Promise<T>): Promise<T> =>
    withRetries(() => driver.tableClient.withSessionRetry(work), retryParameters);

  // The SDK types an existing transaction as { txId } only; commitTx on it is valid protocol.
  const execute = (session: TableSession, text: string, params: Params, tx: TxControl = { beginTx: SERIALIZABLE, commitTx: true }) =>
    session.executeQuery(text, params, tx as { txId: string }, QUERY_SETTINGS);

  return { retry, execute, pageSize, ...createPagedReads({ retry, execute, pageSize, describeFailure }) };
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
  return new StoreError(statusName ? `YDB_${statusName}` : 'YDB_FAILED', `YDB ${operation} failed: ${message}`, { cause: error });
}
