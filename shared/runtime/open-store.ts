/**
 * The store named by configuration (`REBATES_STORE`): `sqlite:<path>` or `ydb` (§8). Used by the
 * functions and the CLI alike. Adapters are imported on demand: a function bundle leaves the
 * native SQLite module out (scripts/build.ts), so it must not be loaded unless selected.
 */
import type { Config } from '../config';
import { StoreError, type Store } from '../ports/store';

export interface OpenStoreOptions {
  /** A function's remaining time (`context.getRemainingTimeInMillis`): YDB retries under throttling wait up to it (issue 10). */
  remainingMs?: () => number;
  /**
   * The current IAM token (a function's `context.token.access_token`), read again on every YDB
   * call so a long-lived function instance keeps working after its first token expires. Without
   * one, YDB credentials come from the environment (`YDB_*_CREDENTIALS`).
   */
  iamToken?: () => string | undefined;
  /**
   * SQLite: the store must already exist (commands that only read: a typo in the path must not
   * read as an empty store). Without it, a missing file is created, but a missing directory only
   * for the default path — elsewhere it is reported, naming the path.
   */
  mustExist?: boolean;
  /** SQLite: create a missing parent directory (default true; the CLI allows it only for its default path). */
  createDirectories?: boolean;
  /** SQLite: told about once a second while a write waits for another process's lock (bounded). */
  onWait?: (waitedMs: number) => void;
}

/** The default SQLite store (§8); the CLI creates its directory on first use. */
export const DEFAULT_SQLITE_PATH = '.rebates/rebates.db';

export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<Store> {
  const spec = config.REBATES_STORE;
  if (spec.startsWith('sqlite:')) {
    let adapter: typeof import('../adapters/sqlite/sqlite-store');
    try {
      adapter = await import('../adapters/sqlite/sqlite-store');
    } catch (cause) {
      // Function bundles leave the native SQLite module out (scripts/build.ts): say what to set.
      if ((cause as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw cause;
      throw new StoreError(
        'STORE_CONFIG',
        `REBATES_STORE=${spec} (the default when REBATES_STORE is unset) needs the native better-sqlite3 module, which is not available here (function bundles leave it out): in a Cloud Function set REBATES_STORE=ydb and YDB_ENDPOINT (Terraform sets both)`,
        { cause },
      );
    }
    const path = spec.slice('sqlite:'.length);
    return adapter.createSqliteStore(path, {
      createDirectories: options.createDirectories ?? true,
      mustExist: options.mustExist ?? false,
      busyTimeoutMs: config.SQLITE_BUSY_TIMEOUT_MS,
      ...(options.onWait ? { onWait: options.onWait } : {}),
    });
  }
  if (!config.YDB_ENDPOINT) throw new StoreError('YDB_CONFIG', 'REBATES_STORE=ydb needs YDB_ENDPOINT');
  const [{ openYdbStore }, { TokenAuthService }, { hideYdbEndpointFromSdk }] = await Promise.all([
    import('../adapters/ydb'),
    import('../adapters/ydb/sdk'),
    import('../adapters/ydb/endpoint-variable'),
  ]);
  // YDB_ENDPOINT may be Terraform's full form; the SDK must not see it (endpoint-variable.ts).
  hideYdbEndpointFromSdk();
  const { iamToken } = options;
  const authService = iamToken?.() ? { getAuthMetadata: () => new TokenAuthService(iamToken() ?? '').getAuthMetadata() } : undefined;
  return openYdbStore(
    {
      endpoint: config.YDB_ENDPOINT,
      ...(config.YDB_DATABASE ? { database: config.YDB_DATABASE } : {}),
      ...(authService ? { authService } : {}),
    },
    options.remainingMs ? { remainingMs: options.remainingMs } : {},
  );
}
