/**
 * How the adapter talks to YDB: every unit of work is a repeat-safe callback run through
 * `withRetries(() => tableClient.withSessionRetry(…))` — withSessionRetry replaces a BAD_SESSION
 * session, withRetries backs off on OVERLOADED, UNAVAILABLE and ABORTED; SCHEME_ERROR and the
 * like are not retried. Reads page by key inside one snapshot read-only transaction, so no page
 * is lost to the 1000-row limit and every page sees the same state (I3).
 */
import type { Ydb } from 'ydb-sdk-proto';
import { LedgerConflictError, StoreError } from '../../ports/store';
import { ExecuteQuerySettings, RetryParameters, StatusCode, YdbError, withRetries, type TableSession, type YdbDriver } from './sdk';
import { queryName } from './queries';
import { decodeRows, param, type Row } from './values';

export interface YdbRunnerOptions {
  /** Attempts per unit of work (default 8). */
  maxRetries?: number;
  /** Base of the slow (OVERLOADED) backoff in ms (default 500; tests use 1). */
  backoffSlotMs?: number;
  /** Rows per page of a read; YDB returns at most 1000 per result (default 1000). */
  pageSize?: number;
}

export type Params = Record<string, Ydb.ITypedValue>;
type TxControl = { txId: string; commitTx?: boolean } | { beginTx: Ydb.Table.ITransactionSettings; commitTx: boolean };

export const SERIALIZABLE: Ydb.Table.ITransactionSettings = { serializableReadWrite: {} };
const SNAPSHOT: Ydb.Table.ITransactionSettings = { snapshotReadOnly: {} };
const QUERY_SETTINGS = new ExecuteQuerySettings().withKeepInCache(true);

export interface PagedRead {
  text: string;
  params: Params;
  /** Cursor parameters for the page after `last` (undefined: the first page). */
  cursor(last: Row | undefined): Params;
}

export interface YdbRunner {
  /** Runs a repeat-safe unit of work with retries. */
  retry<T>(work: (session: TableSession) => Promise<T>): Promise<T>;
  /** Executes one query; `tx` defaults to a single-statement serializable transaction. */
  execute(session: TableSession, text: string, params: Params, tx?: TxControl): Promise<Ydb.Table.ExecuteQueryResult>;
  /** Reads every page of a keyset-paged query in one snapshot. */
  readAll(read: PagedRead): Promise<Row[]>;
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

  const readAll = (read: PagedRead): Promise<Row[]> =>
    retry(async (session) => {
      const rows: Row[] = [];
      let txId: string | undefined;
      let failed = false;
      try {
        for (let last: Row | undefined; ; ) {
          const tx: TxControl = txId ? { txId } : { beginTx: SNAPSHOT, commitTx: false };
          const result = await execute(session, read.text, { ...read.params, ...read.cursor(last), $limit: param.uint64(pageSize) }, tx);
          txId ??= result.txMeta?.id ?? undefined;
          const set = result.resultSets[0];
          const page = decodeRows(set);
          rows.push(...page);
          if (page.length === 0 && set?.truncated) {
            throw new StoreError('YDB_TRUNCATED', `${queryName(read.text)}: empty page flagged truncated; refusing to guess the rest`);
          }
          if (page.length === 0 || (!set?.truncated && page.length < pageSize)) return rows;
          last = page[page.length - 1];
        }
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // A read-only snapshot has nothing to commit; closing it only frees the server early.
        // After a failed page the server has already dropped it.
        if (txId && !failed) await session.commitTransaction({ txId }).catch(() => undefined);
      }
    });

  return { retry, execute, readAll, pageSize };
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

/** Wraps an SDK failure as a StoreError naming the operation and the YDB status. */
export function ydbFailure(operation: string, error: unknown): Error {
  if (error instanceof StoreError || error instanceof LedgerConflictError) return error;
  const status = ydbStatus(error);
  const statusName = status === undefined ? undefined : ((StatusCode as unknown as Record<number, string>)[status] ?? String(status));
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(statusName ? `YDB_${statusName}` : 'YDB_FAILED', `YDB ${operation} failed: ${message}`, { cause: error });
}
