/**
 * The YDB adapter of the storage port (SPEC §6). `createYdbStore` wraps a driver the caller owns;
 * `openYdbStore` creates the driver as well (CLI with REBATES_STORE=ydb, functions at module
 * scope) and destroys it on close. Neither migrates: that is `migrateYdb`, run by the CLI.
 */
import type { Store } from '../../ports/store';
import { createYdbDriver, destroyYdbDriver, waitForYdb, type YdbConnection } from './driver';
import { createYdbLedgerStore } from './ledger-store';
import { createYdbProgramStore } from './program-store';
import { createYdbRunner, type YdbRunnerOptions } from './runner';
import { createYdbTokenStore } from './token-store';
import type { YdbDriver } from './sdk';
import { createYdbUsageStore, type YdbUsageOptions } from './usage-store';

export type YdbStoreOptions = YdbRunnerOptions &
  YdbUsageOptions & {
    /** Destroy the driver on close (default false: the caller owns it). */
    ownsDriver?: boolean;
  };

export function createYdbStore(driver: YdbDriver, options: YdbStoreOptions = {}): Store {
  const runner = createYdbRunner(driver, options);
  let closed = false;
  return {
    kind: 'ydb',
    program: createYdbProgramStore(runner),
    usage: createYdbUsageStore(runner, options),
    ledger: createYdbLedgerStore(runner),
    tokens: createYdbTokenStore(runner),
    async close() {
      if (closed) return;
      closed = true;
      if (options.ownsDriver) await destroyYdbDriver(driver);
    },
  };
}

/**
 * Connects (waiting for discovery, so a wrong endpoint fails here with a clear message) and
 * returns a store that owns its driver. Does not migrate.
 */
export async function openYdbStore(
  config: YdbConnection & { readyTimeoutMs?: number },
  options: Omit<YdbStoreOptions, 'ownsDriver'> = {},
): Promise<Store> {
  const driver = createYdbDriver(config);
  await waitForYdb(driver, config, config.readyTimeoutMs);
  return createYdbStore(driver, { ...options, ownsDriver: true });
}
