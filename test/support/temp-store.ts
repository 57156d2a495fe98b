/** A fresh SQLite-file store and use-case deps per test, removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../shared/adapters/sqlite/sqlite-store';
import type { Rules } from '../../shared/domain/rules';
import type { ExportObject } from '../../shared/usecases/ingest-export';
import type { Store } from '../../shared/ports/store';
import type { Deps } from '../../shared/usecases/deps';

export interface TestEnv {
  deps: Deps;
  store: Store;
  dir: string;
  setNow(iso: string): void;
  cleanup(): Promise<void>;
}

export function createTestEnv(rules: Rules, options: { faultInjector?: (step: string) => void } = {}): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'rebates-test-'));
  const store = createSqliteStore(join(dir, 'rebates.db'), options);
  let now = new Date('2026-04-01T03:00:00Z');
  let counter = 0;
  const deps: Deps = { store, rules: { rules, source: 'test', digest: 'test' }, clock: () => now, newId: () => `id-${++counter}` };
  return {
    deps,
    store,
    dir,
    setNow: (iso) => {
      now = new Date(iso);
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An in-memory export object: the CSV text as the file, in small chunks to exercise streaming. */
export function csvObject(key: string, text: string, lastModified: number | null = 1_770_000_000): ExportObject {
  const bytes = Buffer.from(text, 'utf8');
  return {
    key,
    etag: null,
    lastModified,
    async *open() {
      for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
    },
  };
}

export const CSV_HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,service_name';

/** Small test versions (1000, 2000 …) become plausible Unix seconds in the same order (2026-01-01 + n). */
export const VERSION_BASE = 1_767_225_600;
export const plausibleVersion = (u: number) => (u < VERSION_BASE ? VERSION_BASE + u : u);

/** CSV rows `[account, service, day, cost, credit, updatedAt]`, RUB, sku derived from service. */
export function csv(rows: [string, string, string, string, string, number][]): string {
  return (
    [
      CSV_HEADER,
      ...rows.map(
        ([a, s, d, cost, credit, u]) => `${a},${s},sku-${s},${d},RUB,${cost},${credit},${plausibleVersion(u)},"Service ${s}, Inc."`,
      ),
    ].join('\n') + '\n'
  );
}
