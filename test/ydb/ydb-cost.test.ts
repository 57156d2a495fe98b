/**
 * What serverless YDB would bill, on the protocol fake (rows read / written / deleted per request
 * → request units, test/ydb/fake/cost-meter.ts): every read path is linear in what it returns and
 * an ingest costs in proportion to the rows it writes. Sizes are doubled and quadrupled: a linear
 * path's cost grows by the same factor, a paged JOIN with its LIMIT above the join (the old scan)
 * would grow with the square.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/calendar';
import type { AccountDayBatch } from '../../shared/ports/store';
import { batch, collect, ingest, link } from '../contract/fixtures';
import { totalCost } from './fake/cost-meter';
import { startFakeYdb, type FakeHarness } from './harness';

const Q1 = { from: '2026-01-01', to: '2026-03-31' };
const SKUS = 10;

/** `accounts` accounts × `days` days from `from`, SKUS rows each. */
function usage(accounts: number, days: number, from = '2026-01-01', version = 1, cost = '1.5'): AccountDayBatch[] {
  return Array.from({ length: days }, (_, d) => addDays(from, d)).flatMap((day) =>
    Array.from({ length: accounts }, (_, a) =>
      batch(
        `acc-${String(a).padStart(3, '0')}`,
        day,
        version,
        Array.from({ length: SKUS }, (_, s) => ({ skuId: `sku-${s}`, cost })),
      ),
    ),
  );
}

let h: FakeHarness;
beforeEach(async () => {
  h = await startFakeYdb({ pageSize: 100 });
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

async function measure<T>(work: () => Promise<T>) {
  const mark = h.fake.costs.length;
  const result = await work();
  const costs = h.fake.costs.slice(mark);
  return { result, cost: totalCost(costs), usageKbRows: totalCost(costs.filter((c) => c.target === 'usage_aggregates')).kbRows };
}

describe('reads are linear in the rows they return', () => {
  it('a quarter scan reads about one row per row returned, however large the quarter, and nothing of other quarters', async () => {
    const scanned: { returned: number; read: number; ru: number }[] = [];
    for (const days of [10, 20, 40]) {
      await h.store.usage.applyAccountDays(`q1-${days}.csv`, usage(5, days, '2026-01-01', days));
      // Noise outside the quarter, and a replaced copy of some account-days (dead rows cleaned up).
      await h.store.usage.applyAccountDays(`q4-${days}.csv`, usage(5, 10, '2025-12-01', days));
      await h.store.usage.applyAccountDays(`q2-${days}.csv`, usage(5, 10, '2026-04-01', days));
      const { result, cost } = await measure(() => collect(h.store.usage.scanUsage(Q1)));
      scanned.push({ returned: result.length, read: cost.rowsRead, ru: cost.ru });
    }

    expect(scanned.map((s) => s.returned)).toEqual([500, 1000, 2000]);
    for (const s of scanned) {
      // Each usage row once, plus one pointer lookup per account-day (SKUS rows) and per page.
      expect(s.read).toBeLessThanOrEqual(s.returned * (1 + 1 / SKUS) + s.returned / 100 + 2);
    }
    // Four times the rows, four times the cost (quadratic paging would be sixteen).
    const [small, , large] = scanned;
    expect((large?.ru ?? 0) / (small?.ru ?? 1)).toBeLessThan(4.3);
  });

  it('a scan of listed accounts reads their rows plus one pointer lookup per (day, account) of the range', async () => {
    await h.store.usage.applyAccountDays('q1.csv', usage(20, 30));

    const { result, cost } = await measure(() => collect(h.store.usage.scanUsage(Q1, { accountIds: ['acc-003', 'acc-017'] })));

    expect(result).toHaveLength(2 * 30 * SKUS);
    expect(cost.rowsRead).toBeLessThanOrEqual(result.length + 2 * 90 + 2);
  });

  it('lists the newest N ingest log entries reading about N rows, however long the log', async () => {
    for (let i = 0; i < 150; i += 1)
      await h.store.usage.recordIngest(
        ingest(`i-${String(i).padStart(3, '0')}`, `k-${i % 7}.csv`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()),
      );

    const newest = await measure(() => h.store.usage.listIngestLog({ limit: 5 }));
    const byObject = await measure(() => h.store.usage.listIngestLog({ objectKey: 'k-3.csv', limit: 3 }));

    expect(newest.result.map((e) => e.id)).toEqual(['i-149', 'i-148', 'i-147', 'i-146', 'i-145']);
    expect(newest.cost.rowsRead).toBeLessThanOrEqual(6);
    expect(byObject.result.map((e) => e.id)).toEqual(['i-143', 'i-136', 'i-129']);
    expect(byObject.cost.rowsRead).toBeLessThanOrEqual(4);
  });

  it("lists one partner's links reading only that partner's rows", async () => {
    for (let i = 0; i < 120; i += 1)
      await h.store.program.insertLink(link(`l-${String(i).padStart(3, '0')}`, `p-${i % 12}`, `sub-${i}`, '2026-01-01'));

    const { result, cost } = await measure(() => h.store.program.listLinks({ partnerId: 'p-5' }));

    expect(result).toHaveLength(10);
    expect(cost.rowsRead).toBe(10);
  });
});

describe('an ingest costs in proportion to the rows it writes', () => {
  it('costs the same per aggregate at 1×, 2× and 4× the size, first copy and replacement alike', async () => {
    const perRow: number[] = [];
    for (const [accounts, from] of [
      [10, '2026-02-01'],
      [20, '2026-03-01'],
      [40, '2026-04-01'],
    ] as const) {
      const file = usage(accounts, 5, from, accounts);
      const rows = file.length * SKUS;
      const first = await measure(() => h.store.usage.applyAccountDays(`a-${accounts}.csv`, file));
      const replaced = await measure(() =>
        h.store.usage.applyAccountDays(`b-${accounts}.csv`, usage(accounts, 5, from, accounts + 1000, '2.5')),
      );
      expect(first.usageKbRows).toBe(rows); // BulkUpsert: every aggregate row once, each under 1 KB
      // The replaced generation, once, the apply's registration and its journal: a row per chunk
      // (chunks end at 1,000 aggregate rows, here 100 account-days, under the 500 of a journal row).
      expect(replaced.cost.rowsDeleted).toBe(rows + 1 + Math.ceil(rows / 1000));
      perRow.push(first.cost.ru / rows, replaced.cost.ru / rows);
    }

    // Cost per aggregate row is flat across sizes (linear): about 1.2 RU for a first copy
    // (BulkUpsert 0.5, pointers), about 5 for a replacement (it also reads and deletes the old rows).
    const firsts = perRow.filter((_, i) => i % 2 === 0);
    const replacements = perRow.filter((_, i) => i % 2 === 1);
    for (const ru of firsts) expect(ru).toBeLessThan(2);
    for (const ru of replacements) expect(ru).toBeLessThan(6);
    expect(Math.max(...firsts) / Math.min(...firsts)).toBeLessThan(1.2);
    expect(Math.max(...replacements) / Math.min(...replacements)).toBeLessThan(1.2);
  });
});
