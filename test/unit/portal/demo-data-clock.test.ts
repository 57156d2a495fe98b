/**
 * `npm run portal` fills an empty store with demo data relative to "now". The running quarter's
 * usage must stop at the last day whose export Billing has published (02:00 UTC the next day):
 * just after Moscow midnight, "yesterday" in Moscow is not out yet and its rows would carry an
 * updated_at in the future, which the ingest rightly rejects (CI failed on exactly that at
 * 2026-12-01T21:16Z). Real SQLite in memory, the demo's own exports and use cases.
 */
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../../shared/adapters/sqlite/sqlite-store';
import { loadDemoData } from '../../../scripts/portal/demo-data';

async function lastUsageDay(now: string): Promise<string | undefined> {
  const store = createSqliteStore(':memory:');
  try {
    await loadDemoData(store, new Date(now));
    const versions = await store.usage.listAccountDayVersions({ from: '2026-10-01', to: '2026-12-31' });
    return versions
      .map((v) => v.day)
      .sort()
      .at(-1);
  } finally {
    await store.close();
  }
}

describe('portal demo data and the clock', () => {
  it('just after Moscow midnight, stops at the day before yesterday (yesterday is not published yet)', async () => {
    // 21:16 UTC on Dec 1 is 00:16 on Dec 2 in Moscow; Dec 1's export comes out at 02:00 UTC on Dec 2.
    expect(await lastUsageDay('2026-12-01T21:16:06Z')).toBe('2026-11-30');
  });

  it('once yesterday is published, includes it', async () => {
    expect(await lastUsageDay('2026-12-02T02:00:00Z')).toBe('2026-12-01');
    expect(await lastUsageDay('2026-12-02T12:00:00Z')).toBe('2026-12-01');
  });

  it("on the running quarter's first night, before any of its days is published, leaves it empty", async () => {
    // 2026-10-01T21:30Z is Oct 2 in Moscow; Oct 1's export is not out until Oct 2 02:00 UTC.
    expect(await lastUsageDay('2026-10-01T21:30:00Z')).toBeUndefined();
  });
});
