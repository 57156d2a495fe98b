/**
 * The aggregator's memory: bytes per group and account-day that stay small and known whatever
 * the count (columns grow in place by steps, with no ×1.5 overshoot and no copy), what `finish`
 * and `dispose` give back, and sums that stay exact across the columns' steps, past their
 * reservation and across the 2^31 units an Int32 holds.
 */
import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from '../../../shared/domain/money';
import { parseMoneyCell, type MoneyCell } from '../../../shared/ingest/cell-parsers';
import { CsvRowScanner } from '../../../shared/ingest/csv-row-scanner';
import { COLUMN_STEP } from '../../../shared/ingest/resizable-column';
import { UsageAggregator, type KeyColumns } from '../../../shared/ingest/usage-aggregator';
import { stageUsageExport } from '../../../shared/ingest/usage-export-parser';

/** Rows here: account, service, sku, day, service name, sku name, cost, credit. */
const COLS: KeyColumns = { account: 0, service: 1, sku: 2, day: 3, serviceName: 4, skuName: 5 };
const V = 1_770_000_000;

function feed(aggregator: UsageAggregator, lines: readonly string[]): void {
  const cost: MoneyCell = { units: 0, nanos: 0 };
  const credit: MoneyCell = { units: 0, nanos: 0 };
  const scanner = new CsvRowScanner((row) => {
    const problem =
      parseMoneyCell(row.buf, row.starts[6]!, row.ends[6]!, cost) ??
      parseMoneyCell(row.buf, row.starts[7]!, row.ends[7]!, credit) ??
      aggregator.add(row, 'RUB', V + (row.line % 7), cost, credit)?.reason ??
      null;
    if (problem !== null) throw new Error(`line ${row.line}: ${problem}`);
  });
  scanner.push(Buffer.from(`${lines.join('\n')}\n`));
  scanner.end();
}

const day = (d: number) => `2026-03-${String(1 + (d % 28)).padStart(2, '0')}`;
const nanos = (n: number) => String(n % 1_000_000_000).padStart(9, '0');

/** `count` account-days of one group each (the shape of a quarter's backfill), one row each. */
function oneGroupEach(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `acc-${Math.floor(i / 28)},svc,sku,${day(i)},Compute,vCPU,${i}.${nanos(i)},-0.5`);
}

/** `count` groups of one account-day (every row its own SKU). */
function oneAccountDay(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `acc-1,svc,sku-${i},2026-03-01,Compute,vCPU ${i},1.${nanos(i)},0`);
}

describe('the memory the aggregator holds', () => {
  it('is at most 56 bytes per entry when every account-day has one group, and 72 when all are groups', () => {
    const wide = new UsageAggregator(COLS);
    feed(wide, oneGroupEach(40_000));
    expect([wide.groups, wide.accountDayCount]).toEqual([40_000, 40_000]);
    // 64 bytes a group, 33 an account-day, 2 to 4 each in hash buckets: ~53 an entry here.
    expect(wide.columnBytes / (wide.groups + wide.accountDayCount)).toBeLessThanOrEqual(56);

    const deep = new UsageAggregator(COLS);
    feed(deep, oneAccountDay(80_000));
    expect(deep.columnBytes / (deep.groups + deep.accountDayCount)).toBeLessThanOrEqual(72);
  });

  it('grows by one step at a time: one more group past a step costs one step of each column, no more', () => {
    const aggregator = new UsageAggregator(COLS);
    feed(aggregator, oneAccountDay(3 * COLUMN_STEP));
    const before = aggregator.columnBytes;
    feed(aggregator, [`acc-1,svc,sku-next,2026-03-01,Compute,vCPU,1,0`]);
    // 64 bytes a group, a step of them (the hash buckets double only at twice their count).
    expect(aggregator.columnBytes - before).toBe(64 * COLUMN_STEP);
  });

  it('gives back the lookup and the lines at finish: 32 bytes per entry or less while applied, sums intact', () => {
    // Just under a step, so that the figure is the columns' own (40 bytes a group, 21 an account-day).
    const count = 4 * COLUMN_STEP - 1;
    const aggregator = new UsageAggregator(COLS);
    const lines = oneGroupEach(count);
    feed(aggregator, lines);
    const finished = aggregator.finish();
    expect(aggregator.columnBytes / (aggregator.groups + aggregator.accountDayCount)).toBeLessThanOrEqual(32);
    const batches = [...finished.batches()];
    expect(batches).toHaveLength(count);
    let total = 0n;
    for (const batch of batches) {
      expect(batch.rows).toHaveLength(1);
      expect(batch.rows[0]).toMatchObject({ serviceName: 'Compute', skuName: 'vCPU', rows: 1, credit: -500_000_000n });
      total += batch.rows[0]!.cost;
    }
    const expected = lines.reduce((sum, line) => sum + parseMoney(line.split(',')[6]!), 0n);
    expect(total).toBe(expected);
  });

  it('gives back everything on dispose; nothing can be added after finish, nor read after dispose', () => {
    const aggregator = new UsageAggregator(COLS);
    feed(aggregator, oneGroupEach(100));
    const finished = aggregator.finish();
    expect(() => feed(aggregator, oneGroupEach(1))).toThrow(/add after finish/);
    aggregator.dispose();
    expect(aggregator.columnBytes).toBe(0);
    expect(() => [...finished.batches()]).toThrow(/disposed/);
  });
});

describe('an in-memory staged file', () => {
  it('gives its aggregator’s memory back on dispose, after which it cannot be read', async () => {
    const csv = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at\nacc-1,svc,sku,2026-03-01,RUB,1,0,1770000000\n';
    const staged = await stageUsageExport([Buffer.from(csv)], { fallbackVersion: null });
    expect(staged.ok).toBe(true);
    if (!staged.ok) return;
    expect([...staged.accountDays].map((d) => d.accountId)).toEqual(['acc-1']);
    staged.accountDays.dispose();
    expect(() => [...staged.accountDays]).toThrow(/disposed/);
  });
});

describe('sums across the columns’ steps and reservation', () => {
  /** Groups of two rows each, the second rows after all the first ones; the same result for any reservation. */
  function aggregated(reserve: number | undefined, count: number) {
    const aggregator = new UsageAggregator(COLS, undefined, reserve);
    const first = Array.from(
      { length: count },
      (_, i) => `acc-${i % 97},svc-${i % 3},sku-${i},${day(i)},S,K,${i % 1000}.${nanos(i * 7919)},-0.${nanos(i)}`,
    );
    const second = Array.from(
      { length: count },
      (_, i) => `acc-${i % 97},svc-${i % 3},sku-${i},${day(i)},S,K2,0.${nanos(999_999_999 - i)},-1`,
    );
    feed(aggregator, [...first, ...second]);
    const batches = [...aggregator.finish().batches()];
    return { batches, first, second };
  }

  it('keeps every group exact, whether the columns grew in place or were copied past a small reservation', () => {
    const count = 3 * COLUMN_STEP + 7;
    const inPlace = aggregated(undefined, count);
    const copied = aggregated(10, count);
    expect(copied.batches).toEqual(inPlace.batches);
    const rows = inPlace.batches.flatMap((b) => b.rows.map((r) => ({ ...r, version: b.version })));
    expect(rows).toHaveLength(count);
    for (const r of rows) {
      const i = Number(r.skuId.slice(4));
      const cost = parseMoney(inPlace.first[i]!.split(',')[6]!) + parseMoney(inPlace.second[i]!.split(',')[6]!);
      const credit = parseMoney(inPlace.first[i]!.split(',')[7]!) - 1_000_000_000n;
      expect([r.cost, r.credit, r.rows, r.skuName]).toEqual([cost, credit, 2, 'K2']);
    }
  });

  it('stays exact across ±2^31 units, where the Int32 units give way to the bigint part, nano-units carried', () => {
    const aggregator = new UsageAggregator(COLS);
    const row = (cost: string, credit = '0') => `acc-1,svc,sku,2026-03-01,,,${cost},${credit}`;
    feed(aggregator, [
      row('2147483647.5', '-2147483647.5'), // 2^31 - 0.5: still in the Int32
      row('0.5', '-0.5'), // the nano-units carry into exactly ±2^31 units: spilled
      row('9999999999999.999999999', '-9999999999999.999999999'),
      row('-9999999999999.999999999', '9999999999999.999999999'),
      row('-2147483648', '2147483648'),
      row('0.000000001', '-0.000000001'),
    ]);
    const [group] = [...aggregator.finish().batches()][0]!.rows;
    expect([formatMoney(group!.cost, 0), formatMoney(group!.credit, 0), group!.rows]).toEqual(['0.000000001', '-0.000000001', 6]);
  });
});
