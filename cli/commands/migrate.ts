/**
 * `migrate`: create the store schema. YDB tables are created only here (functions never migrate
 * on a cold start, §6); SQLite also migrates itself on first use.
 */
import type { Config } from '../../shared/config';
import { StoreError } from '../../shared/ports/store';
import { openStore } from '../../shared/runtime/open-store';
import { ok, type CommandOutput } from '../output';

export async function migrateCommand(config: Config): Promise<CommandOutput> {
  if (config.REBATES_STORE !== 'ydb') {
    const store = await openStore(config);
    await store.close();
    return ok({ store: 'sqlite', created: [], existing: [] }, `sqlite schema is up to date (${config.REBATES_STORE})`);
  }
  if (!config.YDB_ENDPOINT) throw new StoreError('YDB_CONFIG', 'REBATES_STORE=ydb needs YDB_ENDPOINT');
  const { createYdbDriver, destroyYdbDriver, migrateYdb, waitForYdb } = await import('../../shared/adapters/ydb');
  const connection = { endpoint: config.YDB_ENDPOINT, ...(config.YDB_DATABASE ? { database: config.YDB_DATABASE } : {}) };
  const driver = createYdbDriver(connection);
  await waitForYdb(driver, connection);
  try {
    const result = await migrateYdb(driver);
    const text = [
      `ydb ${connection.endpoint}${connection.database ?? ''}`,
      `created:  ${result.created.join(', ') || '(none)'}`,
      `existing: ${result.existing.join(', ') || '(none)'}`,
    ].join('\n');
    return ok({ store: 'ydb', ...result }, text);
  } finally {
    await destroyYdbDriver(driver);
  }
}
