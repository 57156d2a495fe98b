/**
 * The aggregator past its first column sizes (4,096 groups and account-days): growing the typed
 * columns and rehashing must keep every group and its exact sums — checked against bigint sums
 * computed here from the same cells — and running sums that pass 2^52 units on the way (large
 * amounts of both signs) must stay exact.
 */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/domain/calendar';
import { formatMoney, parseMoney } from '../../../shared/domain/money';
import { parseUsageExport } from '../../../shared/ingest/usage-export-parser';

const NOW = new Date('2026-04-01T00:00:00Z');
const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';

/** A deterministic shuffle (the rows of a group are far apart, groups interleaved). */
function shuffled<T>(items: T[]): T[] {
  let seed = 12345;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('aggregating more groups and account-days than the columns first hold', () => {
  it('keeps every one of 18,000 groups of 9,000 account-days with its exact sums, in store order', async () => {
    const rows: string[] = [];
    const expected = new Map<string, { cost: bigint; credit: bigint; rows: number }>();
    for (let a = 0; a < 3000; a++)
      for (let d = 0; d < 3; d++)
        for (const sku of ['sku-a', 'sku-b'])
          for (let r = 0; r < 2; r++) {
            const account = `acc-${a}`;
            const day = addDays('2026-03-01', d);
            const cost = `${(a * 7 + d) % 1000}.${String((a * 131 + r * 17) % 1_000_000_000).padStart(9, '0')}`;
            const credit = `-0.${String((a + d + r) % 1000).padStart(9, '0')}`;
            rows.push(`${account},svc,${sku},${day},RUB,${cost},${credit},${1_770_000_000 + d}`);
            const key = `${account}|${day}|${sku}`;
            const group = expected.get(key) ?? { cost: 0n, credit: 0n, rows: 0 };
            group.cost += parseMoney(cost);
            group.credit += parseMoney(credit);
            group.rows++;
            expected.set(key, group);
          }
    const csv = Buffer.from(`${HEADER}\n${shuffled(rows).join('\n')}\n`);

    const parsed = await parseUsageExport([csv], { fallbackVersion: null, now: NOW });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.accountDays).toHaveLength(9000);
    const seen = new Map<string, { cost: bigint; credit: bigint; rows: number }>();
    for (const batch of parsed.accountDays)
      for (const a of batch.rows) seen.set(`${a.accountId}|${a.day}|${a.skuId}`, { cost: a.cost, credit: a.credit, rows: a.rows });
    expect(seen.size).toBe(18_000);
    for (const [key, want] of expected) expect(seen.get(key), key).toEqual(want);
    // Store order: (day, account) as strings, rows by (service, sku); each account-day's version is its own.
    const order = parsed.accountDays.map((b) => [b.day, b.accountId] as const);
    const byDayThenAccount = (x: readonly [string, string], y: readonly [string, string]) =>
      x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
    expect(order).toEqual([...order].sort(byDayThenAccount));
    expect(parsed.accountDays.find((b) => b.accountId === 'acc-2999' && b.day === '2026-03-03')?.version).toBe(1_770_000_002);
    expect(parsed.accountDays[0]!.rows.map((r) => r.skuId)).toEqual(['sku-a', 'sku-b']);
  });

  it('sums exactly through running totals beyond 2^52 units, of both signs, nano-units carried', async () => {
    const big = '9999999999999.999999999';
    const lines = [
      ...Array.from({ length: 600 }, () => `acc-1,svc,sku,2026-03-01,RUB,${big},0,1770000000`),
      ...Array.from({ length: 600 }, () => `acc-1,svc,sku,2026-03-01,RUB,-${big},0,1770000000`),
      'acc-1,svc,sku,2026-03-01,RUB,0.000000001,-0.999999999,1770000000',
      'acc-1,svc,sku,2026-03-01,RUB,0.999999999,-0.000000002,1770000000',
    ];
    const parsed = await parseUsageExport([Buffer.from(`${HEADER}\n${lines.join('\n')}\n`)], { fallbackVersion: null, now: NOW });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [group] = parsed.accountDays[0]!.rows;
    expect(formatMoney(group!.cost, 0)).toBe('1');
    expect(formatMoney(group!.credit, 0)).toBe('-1.000000001');
    expect(group!.rows).toBe(1202);
  });
});
