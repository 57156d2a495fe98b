/**
 * Starts the protocol fake and connects the real adapter to it through the real SDK: driver,
 * discovery, sessions, migrate, store. Retries back off in milliseconds so retry tests are fast.
 */
import { createYdbDriver, destroyYdbDriver, waitForYdb } from '../../shared/adapters/ydb/driver';
import { migrateYdb } from '../../shared/adapters/ydb/migrate';
import { AnonymousAuthService, type Logger, type YdbDriver } from '../../shared/adapters/ydb/sdk';
import { createYdbStore, type YdbStoreOptions } from '../../shared/adapters/ydb/ydb-store';
import type { Store } from '../../shared/ports/store';
import { FakeYdb } from './fake/fake-ydb';

const noop = () => undefined;
export const SILENT: Logger = { fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop } as unknown as Logger;
export const FAST = { backoffSlotMs: 1, maxRetries: 6, onRetryWait: () => undefined } as const;

export interface FakeHarness {
  fake: FakeYdb;
  driver: YdbDriver;
  store: Store;
  /** Another store on a new driver against the same fake (a second process). */
  connect(options?: YdbStoreOptions & { maxSessions?: number }): Promise<{ driver: YdbDriver; store: Store }>;
  close(): Promise<void>;
}

/**
 * ydb-sdk's Endpoint.toString() replaces every discovered address with $YDB_ENDPOINT when it is
 * set ("for development"); the fake's tests must not be redirected to a real database.
 */
function hideYdbEndpoint(): () => void {
  const saved = process.env['YDB_ENDPOINT'];
  delete process.env['YDB_ENDPOINT'];
  return () => {
    if (saved !== undefined) process.env['YDB_ENDPOINT'] = saved;
  };
}

export async function connectToFake(
  fake: FakeYdb,
  options: YdbStoreOptions & { maxSessions?: number } = {},
): Promise<{ driver: YdbDriver; store: Store }> {
  const driver = createYdbDriver({
    endpoint: fake.endpoint,
    database: fake.database,
    authService: new AnonymousAuthService(),
    logger: SILENT,
    ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
  });
  await waitForYdb(driver, { endpoint: fake.endpoint }, 5_000);
  return { driver, store: createYdbStore(driver, { ...FAST, ...options }) };
}

export async function startFakeYdb(options: YdbStoreOptions & { migrate?: boolean } = {}): Promise<FakeHarness> {
  const restoreEnv = hideYdbEndpoint();
  const fake = await new FakeYdb().start();
  const drivers: YdbDriver[] = [];
  const connect = async (more: YdbStoreOptions & { maxSessions?: number } = {}) => {
    const connected = await connectToFake(fake, { ...options, ...more });
    drivers.push(connected.driver);
    return connected;
  };
  const { driver, store } = await connect();
  if (options.migrate !== false) await migrateYdb(driver, FAST);
  return {
    fake,
    driver,
    store,
    connect,
    async close() {
      await store.close();
      for (const d of drivers) await destroyYdbDriver(d);
      await fake.stop();
      restoreEnv();
    },
  };
}
