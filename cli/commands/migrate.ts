/** `migrate`: create or update the store schema. SQLite also migrates itself on first use (§8). */
import type { Config } from '../../shared/config';
import { openStore } from '../../shared/runtime/open-store';
import { ok, type CommandOutput } from '../output';

export async function migrateCommand(config: Config): Promise<CommandOutput> {
  const store = await openStore(config);
  await store.close();
  return ok({ store: store.kind, migrated: true }, `${store.kind} schema is up to date (${config.REBATES_STORE})`);
}
