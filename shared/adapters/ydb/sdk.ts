/**
 * The one place that loads `ydb-sdk` and `ydb-sdk-proto`.
 *
 * Both packages ship CommonJS only (their "esm" build is CommonJS too). Node's ESM loader cannot
 * see every re-export of such a module — `Driver` is missing from `import { Driver } from
 * 'ydb-sdk'` at run time — so values are taken from `module.exports` (the namespace's `default`
 * under Node ESM and esbuild's node mode) merged with the namespace (what vitest provides).
 */
import * as sdkNamespace from 'ydb-sdk';
import * as protoNamespace from 'ydb-sdk-proto';
import type { Driver as DriverClass } from 'ydb-sdk';
import type { Ydb as YdbNamespace } from 'ydb-sdk-proto';

function commonJsExports<T extends object>(namespace: T): T {
  // Node ESM: the namespace misses some names, `default` (module.exports) has them all.
  // Vitest: the namespace has them all, `default` misses some. Merge, namespace first.
  const exported = (namespace as { default?: unknown }).default;
  return { ...(typeof exported === 'object' && exported !== null ? exported : {}), ...namespace } as T;
}

const sdk = commonJsExports(sdkNamespace);
const proto = commonJsExports(protoNamespace);

export const YdbDriver = sdk.Driver;
export type YdbDriver = DriverClass;
export const YdbColumn = sdk.Column;
export type YdbColumn = InstanceType<typeof sdk.Column>;
export const {
  AnonymousAuthService,
  BulkUpsertSettings,
  ExecuteQuerySettings,
  MetadataAuthService,
  RetryParameters,
  StatusCode,
  TableDescription,
  TableIndex,
  TokenAuthService,
  TypedValues,
  Types,
  YdbError,
  getCredentialsFromEnv,
  withRetries,
} = sdk;
export const YdbProto: typeof YdbNamespace = proto.Ydb;
export type { IAuthService, Logger, TableDescription as YdbTableDescription, TableSession } from 'ydb-sdk';

let poolGuardInstalled = false;

/**
 * ydb-sdk 5.11 pre-creates a table session from the pool's constructor and drops the promise.
 * When discovery fails (unreachable endpoint, or a driver destroyed before discovery finished)
 * that promise rejects with nobody listening, and Node ends the process on the unhandled
 * rejection. This attaches the missing catch; callers still get the error from their own
 * `withSessionRetry`, which acquires a session the normal way.
 */
export function guardSessionPrepopulation(): void {
  if (poolGuardInstalled) return;
  const pool = sdk.TableSessionPool.prototype as unknown as PoolInternals;
  if (typeof pool.prepopulateSessions !== 'function' || typeof pool.createSession !== 'function') {
    throw new Error('ydb-sdk TableSessionPool internals changed: review guardSessionPrepopulation for this SDK version');
  }
  pool.prepopulateSessions = function prepopulateSessions(this: PoolInternals) {
    for (let i = 0; i < this.minLimit; i += 1) this.createSession().catch(() => undefined);
  };
  poolGuardInstalled = true;
}

/** The private members of ydb-sdk 5.11's TableSessionPool the guard touches. */
interface PoolInternals {
  minLimit: number;
  createSession(): Promise<unknown>;
  prepopulateSessions(): void;
}
