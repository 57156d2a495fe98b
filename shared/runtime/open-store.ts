/**
 * The store named by configuration (`REBATES_STORE`): `sqlite:<path>` or `ydb` (§8). Used by the
 * functions and the CLI alike; the store creates / migrates its schema on first use.
 */
import type { Config } from '../config';
import { StoreError, type Store } from '../ports/store';

export async function openStore(config: Config): Promise<Store> {
  const spec = config.REBATES_STORE;
  if (spec.startsWith('sqlite:')) {
    // Loaded on demand: the native SQLite module is not shipped in the function bundles (YDB is).
    const { createSqliteStore } = await import('../adapters/sqlite/sqlite-store');
    return createSqliteStore(spec.slice('sqlite:'.length));
  }
  // The YDB adapter is not in the tree yet; fail with a clear message instead of a stub.
  throw new StoreError('STORE_UNAVAILABLE', `REBATES_STORE=${spec}: the YDB store adapter is not available in this build; use sqlite:<path>`);
}
