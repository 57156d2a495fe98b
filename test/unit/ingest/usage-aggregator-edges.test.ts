/**
 * The aggregator at its edges: running sums past 2^53 units (where a float would round), the
 * Decimal(22,9) limit on both signs and in both money columns, display names in the first
 * column and names an operator could be fooled by, many account-days in several currencies, and
 * a version of 0 (allowed when the byte parser runs without an ingest time).
 */
import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from '../../../shared/domain/money';
import { parseUsageExport, stageUsageExport } from '../../../shared/ingest/usage-export-parser';

const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
const MAX = '9999999999999.999999999';

async function parse(lines: string[], header = HEADER) {
  return parseUsageExport([Buffer.from(`${header}\n${lines.join('\n')}\n`)], { fallbackVersion: null });
}

describe('running sums', () => {
  const row = (cost: string, credit = '0') => `acc-1,svc,sku,2026-03-01,RUB,${cost},${credit},1770000000`;
  it('stay exact through totals past 2^53 units, where adding a 13-digit amount to a float would round', async () => {
    // 1,000 rows of the largest cell bring the cost to ~10^16 units (2^53 ≈ 9.007·10^15), then back.
    const parsed = await parse([
      ...Array.from({ length: 1000 }, () => row(MAX)),
      ...Array.from({ length: 1000 }, () => row(`-${MAX}`)),
      row('0.5', '-0.25'),
    ]);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [group] = parsed.accountDays[0]!.rows;
    expect([formatMoney(group!.cost, 0), formatMoney(group!.credit, 0), group!.rows]).toEqual(['0.5', '-0.25', 2001]);
  });

  it('stay exact when the way back from past 2^53 units takes other amounts than the way up', async () => {
    // Up by 1,000 × 9999999999999.4 (~10^16 units; odd unit steps, which a float there rounds),
    // down by 1,000 × 9999999999999.3: the bigint takes the units at other points each way.
    const parsed = await parse([
      ...Array.from({ length: 1000 }, () => row('9999999999999.4')),
      ...Array.from({ length: 1000 }, () => row('-9999999999999.3')),
    ]);
    expect(parsed.ok && formatMoney(parsed.accountDays[0]!.rows[0]!.cost, 0)).toBe('100');
  });

  it('stay exact through negative totals past -2^53 units', async () => {
    const parsed = await parse([
      ...Array.from({ length: 1000 }, () => row(`-${MAX}`)),
      ...Array.from({ length: 1000 }, () => row(MAX)),
      row('-0.5'),
    ]);
    expect(parsed.ok && formatMoney(parsed.accountDays[0]!.rows[0]!.cost, 0)).toBe('-0.5');
  });
});

describe('a sum read back as nano-units', () => {
  // Sums of fewer than 9,000,000 units are read through a double (exact there); the others
  // through bigints. Every pair of rows below lands on either side of that line, on both signs,
  // with the nano-units of the other sign than the units where the rows allow it.
  const cases: [string[], string][] = [
    [['8999999.999999999'], '8999999.999999999'],
    [['-8999999.999999999'], '-8999999.999999999'],
    [['9000000', '-0.000000001'], '8999999.999999999'],
    [['9000000'], '9000000'],
    [['9099999.999999999'], '9099999.999999999'],
    [['-9099999.999999999'], '-9099999.999999999'],
    [['-9000000'], '-9000000'],
    [['9000000.5', '-1'], '8999999.5'],
    [['8999999.5', '0.5'], '9000000'],
    [['-8999999.5', '-0.5'], '-9000000'],
    [['1', '-0.999999999'], '0.000000001'],
    [['-1', '0.999999999'], '-0.000000001'],
    [['2147483647.999999999', '-2138483648'], '8999999.999999999'],
    [['2147483647.999999999', '2147483647.999999999'], '4294967295.999999998'],
  ];
  it.each(cases)('sums %j to exactly %s', async (costs, expected) => {
    const parsed = await parse(costs.map((cost) => `acc-1,svc,sku,2026-03-01,RUB,${cost},-${cost.replace(/^-/, '')},1770000000`));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [group] = parsed.accountDays[0]!.rows;
    expect(formatMoney(group!.cost, 0)).toBe(expected);
    expect(group!.cost).toBe(parseMoney(expected));
  });
});

describe('the Decimal(22,9) limit of a group sum', () => {
  const row = (cost: string, credit: string) => `acc-1,svc,sku,2026-03-01,RUB,${cost},${credit},1770000000`;
  it('accepts a negative cost and a credit of exactly -(10^22 - 1) nano-units', async () => {
    const parsed = await parse([row(`-${MAX}`, `-${MAX}`), row('-0.000000001', '0'), row('0.000000001', '0')]);
    expect(parsed.ok && [parsed.accountDays[0]!.rows[0]!.cost, parsed.accountDays[0]!.rows[0]!.credit]).toEqual([
      -(10n ** 22n - 1n),
      -(10n ** 22n - 1n),
    ]);
  });

  it('rejects a negative cost sum and a credit sum one nano-unit past it, each in its column', async () => {
    const parsed = await parse([row(`-${MAX}`, `-${MAX}`), row('-0.000000001', '-0.000000001')]);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'cost'],
      [2, 'credit'],
    ]);
  });
});

describe('display names', () => {
  it('are kept from whichever column they are in, the first included', async () => {
    const rest = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
    const ids = 'acc-1,svc,sku,2026-03-01,RUB,1,0,1770000000';
    // The last non-empty name of each column wins; an empty one keeps the name before it.
    const names = [
      ['Compute', 'vCPU'],
      ['', ''],
      ['Compute Cloud', '"vCPU, new"'],
    ];
    const serviceFirst = await parse(
      names.map(([service, sku]) => `${service},${ids},${sku}`),
      `service_name,${rest},sku_name`,
    );
    const skuFirst = await parse(
      names.map(([service, sku]) => `${sku},${ids},${service}`),
      `sku_name,${rest},service_name`,
    );
    for (const parsed of [serviceFirst, skuFirst]) {
      expect(parsed.ok && [parsed.accountDays[0]!.rows[0]!.serviceName, parsed.accountDays[0]!.rows[0]!.skuName]).toEqual([
        'Compute Cloud',
        'vCPU, new',
      ]);
    }
  });

  it('keep the last non-empty sku name when the last row of the group has none', async () => {
    const header = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,service_name,sku_name';
    const parsed = await parse(
      ['acc-1,svc,sku,2026-03-01,RUB,1,0,1770000000,Compute,vCPU', 'acc-1,svc,sku,2026-03-01,RUB,1,0,1770000000,,'],
      header,
    );
    expect(parsed.ok && [parsed.accountDays[0]!.rows[0]!.serviceName, parsed.accountDays[0]!.rows[0]!.skuName]).toEqual([
      'Compute',
      'vCPU',
    ]);
  });

  it.each([
    ['service_name', 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,service_name,sku_name', 'Name\u0007,ok'],
    ['sku_name', 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,service_name,sku_name', 'ok,Name\u001b[31m'],
  ])('are refused in %s when they hold a control character, at their line', async (column, header, names) => {
    const parsed = await parse(
      [`acc-1,svc,sku,2026-03-01,RUB,1,0,1770000000,ok,ok`, `acc-1,svc,sku,2026-03-01,RUB,1,0,1770000000,${names}`],
      header,
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([{ line: 3, column, reason: expect.stringContaining(`${column} contains a control character`) }]);
  });
});

describe('account-days', () => {
  it('keep each its own currency when there are hundreds of them in three currencies', async () => {
    const currencies = ['RUB', 'USD', 'KZT'] as const;
    const lines = Array.from(
      { length: 600 },
      (_, i) => `acc-${String(i).padStart(3, '0')},svc,sku,2026-03-01,${currencies[i % 3]},1,0,1770000000`,
    );
    const parsed = await parse(lines);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.accountDays).toHaveLength(600);
    expect(parsed.accountDays.map((d) => d.rows[0]!.currency)).toEqual(lines.map((_, i) => currencies[i % 3]));
  });

  it('refuse a row in a second currency as such, even when its new group would also have a bad id', async () => {
    const parsed = await parse(['acc-1,svc,sku,2026-03-01,RUB,1,0,1770000000', 'acc-1," svc",sku,2026-03-01,USD,1,0,1770000000']);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      { line: 3, column: 'currency', reason: 'account-day acc-1 2026-03-01 is in RUB (line 2); a second currency USD is not allowed' },
    ]);
  });

  it('carry a version of 0 as the file version when the parse has no ingest time', async () => {
    const staged = await stageUsageExport([Buffer.from(`${HEADER}\nacc-1,svc,sku,2026-03-01,RUB,1,0,0\n`)], { fallbackVersion: null });
    expect(staged.ok && [staged.accountDays.version, [...staged.accountDays][0]!.version]).toEqual([0, 0]);
  });
});
