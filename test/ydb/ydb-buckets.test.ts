/**
 * The usage tables lead their keys with a hash bucket of the account (account-day-key.ts), so a
 * day's writes spread over BUCKETS partitions instead of landing on one; the scans read one key
 * range per bucket and merge them back into the port's (day, account, service, sku, currency)
 * order, still reading O(rows returned).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUCKETS, BUCKET_VALUES, bucketOf } from '../../shared/adapters/ydb/account-day-key';
import { addDays } from '../../shared/domain/calendar';
import type { AccountDayBatch } from '../../shared/ports/store';
import { batch, collect } from '../contract/fixtures';
import { totalCost } from './fake/cost-meter';
import { startFakeYdb, type FakeHarness } from './harness';

const account = (a: number) => `acc-${String(a).padStart(3, '0')}`;

/** `accounts` × `days` account-days from `from`, `skus` rows each. */
function usage(accounts: number, days: number, skus: number, from = '2026-01-01'): AccountDayBatch[] {
  return Array.from({ length: accounts }, (_, a) =>
    Array.from({ length: days }, (_, d) =>
      batch(
        account(a),
        addDays(from, d),
        1,
        Array.from({ length: skus }, (_, s) => ({ skuId: `sku-${s}`, cost: `${a}.${s}` })),
      ),
    ),
  ).flat();
}

describe('the bucket of an account', () => {
  it('is a stable hash: the same account always lands in the same bucket (stored keys depend on it)', () => {
    expect(bucketOf('acc-1')).toBe(9 * 2 ** 28);
    expect(bucketOf('dn2li5qddoc5cad2n6br')).toBe(12 * 2 ** 28);
    expect(bucketOf('ё-счёт')).toBe(11 * 2 ** 28);
  });

  it('is the start of one of 16 equal Uint32 ranges, so UNIFORM_PARTITIONS = 16 gives each bucket its own partition', () => {
    expect(BUCKET_VALUES).toHaveLength(BUCKETS);
    expect(BUCKET_VALUES.map((b) => b / 2 ** 32)).toEqual(Array.from({ length: 16 }, (_, i) => i / 16));
  });

  it('spreads 10,000 account ids evenly (each bucket within 20% of its share) and 64 of them over all 16 buckets', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 10_000; i += 1) counts.set(bucketOf(`acc-${i}`), (counts.get(bucketOf(`acc-${i}`)) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(BUCKET_VALUES);
    for (const n of counts.values()) expect(Math.abs(n - 10_000 / BUCKETS)).toBeLessThan(0.2 * (10_000 / BUCKETS));
    expect(new Set(Array.from({ length: 64 }, (_, a) => bucketOf(account(a)))).size).toBe(16);
  });
});

describe('bucketed tables on the fake', () => {
  let h: FakeHarness;
  beforeEach(async () => {
    h = await startFakeYdb({ pageSize: 100 });
  });
  afterEach(async () => {
    await h.close();
    expect(h.fake.violations).toEqual([]);
  });

  it("spreads one day's writes over every bucket, each row and pointer keyed by its account's bucket", async () => {
    await h.store.usage.applyAccountDays('today.csv', usage(64, 1, 2));

    const rows = h.fake.engine.dump('usage_aggregates');
    expect(new Set(rows.map((r) => Number(r['bucket'])))).toEqual(new Set(BUCKET_VALUES));
    for (const r of rows) expect(Number(r['bucket'])).toBe(bucketOf(String(r['account_id'])));
    for (const p of h.fake.engine.dump('account_day_versions')) expect(Number(p['bucket'])).toBe(bucketOf(String(p['account_id'])));
  });

  it('merges the buckets back into (day, account, service, sku, currency) order, account-days cut by pages included', async () => {
    const file = usage(40, 3, 7);
    await h.store.usage.applyAccountDays('q1.csv', file);
    const { store } = await h.connect({ pageSize: 5 }); // every account-day spans two or three pages

    const scanned = await collect(store.usage.scanUsage({ from: '2026-01-01', to: '2026-03-31' }));

    const order = (u: { day: string; accountId: string; skuId: string }) => `${u.day} ${u.accountId} ${u.skuId}`;
    const expected = file
      .flatMap((b) => b.rows)
      .map(order)
      .sort();
    expect(scanned.map(order)).toEqual(expected);
    const versions = await store.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-03-31' });
    expect(versions.map((v) => `${v.day} ${v.accountId}`)).toEqual(file.map((b) => `${b.day} ${b.accountId}`).sort());
  });

  it('reads about one row per row returned over all buckets: rows, one pointer per account-day and page, one query per bucket', async () => {
    const measured: { returned: number; read: number; ru: number; queries: number }[] = [];
    for (const [days, from] of [
      [5, '2026-01-01'],
      [10, '2026-02-01'],
    ] as const) {
      await h.store.usage.applyAccountDays(`${from}.csv`, usage(64, days, 4, from));
      const mark = h.fake.costs.length;
      const rows = await collect(h.store.usage.scanUsage({ from, to: addDays(from, days - 1) }));
      const cost = totalCost(h.fake.costs.slice(mark));
      measured.push({ returned: rows.length, read: cost.rowsRead, ru: cost.ru, queries: cost.requests });
    }

    expect(measured.map((m) => m.returned)).toEqual([64 * 5 * 4, 64 * 10 * 4]);
    for (const m of measured) {
      const pages = m.returned / 100 + BUCKETS;
      // Each row once, a pointer per account-day (4 rows) and per page boundary, the applies in progress.
      expect(m.read).toBeLessThanOrEqual(m.returned * (1 + 1 / 4) + pages + 1);
      expect(m.queries).toBeLessThanOrEqual(pages + 1);
    }
    // Twice the rows, about twice the cost: linear, with a constant of one query per bucket.
    const [small, large] = measured;
    expect((large?.ru ?? 0) / (small?.ru ?? 1)).toBeLessThan(2.1);
  });
});
