/** The YDB adapter: store factory, driver lifecycle and the migrate step. */
export { createYdbDriver, destroyYdbDriver, resolveYdbConnection, waitForYdb, type YdbConnection } from './driver';
export { migrateYdb, type MigrateResult } from './migrate';
export { YDB_TABLES } from './schema';
export { createYdbStore, openYdbStore, type YdbStoreOptions } from './ydb-store';
