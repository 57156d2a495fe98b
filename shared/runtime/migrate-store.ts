/**
 * Creates / updates the store schema (§6). YDB tables are created only by this step (functions
 * never migrate on a cold start); SQLite also migrates itself whenever it is opened.
 */
import type { MigrateSummary } from '../actions/deps';
import type { Config } from '../config';
import { StoreError } from '../ports/store';
import { openStore } from './open-store';

export async function migrateStore(config: Config, options: { iamToken?: () => string | undefined } = {}): Promise<MigrateSummary> {
  if (config.REBATES_STORE !== 'ydb') {
    const store = await openStore(config);
    await store.close();
    return { store: 'sqlite', target: config.REBATES_STORE.slice('sqlite:'.length), created: [], existing: [] };
  }
  if (!config.YDB_ENDPOINT) throw new StoreError('YDB_CONFIG', 'REBATES_STORE=ydb needs YDB_ENDPOINT');
  const [{ createYdbDriver, destroyYdbDriver, migrateYdb, waitForYdb }, { TokenAuthService }, { hideYdbEndpointFromSdk }] =
    await Promise.all([import('../adapters/ydb'), import('../adapters/ydb/sdk'), import('../adapters/ydb/endpoint-variable')]);
  hideYdbEndpointFromSdk();
  const token = options.iamToken?.();
  const connection = {
    endpoint: config.YDB_ENDPOINT,
    ...(config.YDB_DATABASE ? { database: config.YDB_DATABASE } : {}),
    ...(token ? { authService: new TokenAuthService(token) } : {}),
  };
  const driver = createYdbDriver(connection);
  try {
    await waitForYdb(driver, connection);
    const result = await migrateYdb(driver);
    return {
      store: 'ydb',
      target: `${connection.endpoint}${connection.database ?? ''}`,
      created: result.created,
      existing: result.existing,
    };
  } finally {
    await destroyYdbDriver(driver);
  }
}
