/**
 * The store named by configuration (`REBATES_STORE`): `sqlite:<path>` or `ydb` (§8). Used by the
 * functions and the CLI alike. Adapters are imported on demand: a function bundle leaves the
 * native SQLite module out (scripts/build.ts), so it must not be loaded unless selected.
 */
import type { Config } from '../config';
import { StoreError, type Store } from '../ports/store';

export interface OpenStoreOptions {
  /**
   * The current IAM token (a function's `context.token.access_token`), read again on every YDB
   * call so a long-lived function instance keeps working after its first token expires. Without
   * one, YDB credentials come from the environment (`YDB_*_CREDENTIALS`).
   */
  iamToken?: () => string | undefined;
}

export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<Store> {
  const spec = config.REBATES_STORE;
  if (spec.startsWith('sqlite:')) {
    const { createSqliteStore } = await import('../adapters/sqlite/sqlite-store');
    return createSqliteStore(spec.slice('sqlite:'.length));
  }
  if (!config.YDB_ENDPOINT) throw new StoreError('YDB_CONFIG', 'REBATES_STORE=ydb needs YDB_ENDPOINT');
  const [{ openYdbStore }, { TokenAuthService }] = await Promise.all([import('../adapters/ydb'), import('../adapters/ydb/sdk')]);
  const { iamToken } = options;
  const authService =
    iamToken && iamToken()
      ? { getAuthMetadata: () => new TokenAuthService(iamToken() ?? '').getAuthMetadata() }
      : undefined;
  return openYdbStore({
    endpoint: config.YDB_ENDPOINT,
    ...(config.YDB_DATABASE ? { database: config.YDB_DATABASE } : {}),
    ...(authService ? { authService } : {}),
  });
}
