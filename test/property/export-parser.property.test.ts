/**
 * Property tests of the export parser (fast-check): random valid exports against an independent
 * decimal.js reference; random corruption always rejected with a reason at the right place, and
 * random bytes never throwing.
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../shared/domain/money';
import { parseUsageExport } from '../../shared/ingest/usage-export-parser';

const NOW = new Date('2026-04-01T03:00:00Z');
const D = Decimal.clone({ precision: 60 });
const COLUMNS = ['billing_account_id', 'service_id', 'sku_id', 'date', 'currency', 'cost', 'credit', 'updated_at', 'sku_name'] as const;
type Col = (typeof COLUMNS)[number];

const amount = (max: number, nonPositive = false) =>
  fc
    .tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 9 }), fc.boolean())
    .map(([units, nanos, digits, negative]) => {
      const fraction = String(nanos).padStart(9, '0').slice(0, digits);
      const text = digits === 0 ? String(units) : `${units}.${fraction}`;
      return (nonPositive || negative) && text !== '0' ? `-${text}` : text;
    });

const rowArb = fc.record({
  account: fc.constantFrom('acc-1', 'acc-2', 'dn2xyz', 'счёт-3'),
  day: fc.constantFrom('2026-01-01', '2026-02-28', '2026-03-31'),
  service: fc.constantFrom('svc-a', 'svc-b'),
  sku: fc.constantFrom('sku-1', 'sku,2', 'sku"3'),
  cost: amount(10_000_000),
  credit: amount(1_000, true),
  updatedAt: fc.integer({ min: 1_700_000_000, max: 1_775_000_000 }),
  skuName: fc.constantFrom('', 'Name, with comma', 'multi\r\nline', 'Ёлка "quoted"'),
});
type Row = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

/** One currency per account-day (I2), derived from the account so the rows stay valid. */
const currencyOf = (r: Row) => (r.account === 'acc-2' ? 'USD' : 'RUB');

function quote(value: string, always: boolean): string {
  return always || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function toCsv(rows: Row[], order: Col[], crlf: boolean, quoteAll: boolean): string {
  const eol = crlf ? '\r\n' : '\n';
  const cells = (r: Row): Record<Col, string> => ({
    billing_account_id: r.account,
    service_id: r.service,
    sku_id: r.sku,
    date: r.day,
    currency: currencyOf(r),
    cost: r.cost,
    credit: r.credit,
    updated_at: String(r.updatedAt),
    sku_name: r.skuName,
  });
  return [order.join(','), ...rows.map((r) => order.map((c) => quote(cells(r)[c], quoteAll)).join(','))].join(eol) + eol;
}

/** The reference: group with string keys, sum with decimal.js — nothing shared with the parser. */
function reference(rows: Row[]) {
  const groups = new Map<string, { cost: Decimal; credit: Decimal; rows: number }>();
  const versions = new Map<string, number>();
  for (const r of rows) {
    const key = JSON.stringify([r.account, r.day, r.service, r.sku, currencyOf(r)]);
    const g = groups.get(key) ?? { cost: new D(0), credit: new D(0), rows: 0 };
    g.cost = g.cost.plus(r.cost);
    g.credit = g.credit.plus(r.credit);
    g.rows += 1;
    groups.set(key, g);
    const ad = `${r.account} ${r.day}`;
    versions.set(ad, Math.max(versions.get(ad) ?? 0, r.updatedAt));
  }
  const out = [...groups.entries()].map(([key, g]) => {
    const [account, day, service, sku, currency] = JSON.parse(key) as string[];
    return `${account}|${day}|${service}|${sku}|${currency}|${g.cost.toFixed(9)}|${g.credit.toFixed(9)}|${g.rows}|${versions.get(`${account} ${day}`)}`;
  });
  return out.sort();
}

function chunks(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (let k = 0; i < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!);
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

describe('export parser properties', () => {
  it('aggregates random valid exports exactly like an independent decimal.js reference, in any chunking, column order and quoting', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 0, maxLength: 40 }),
        fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        async (rows, order, crlf, quoteAll, sizes) => {
          const bytes = Buffer.from(toCsv(rows, order as Col[], crlf, quoteAll), 'utf8');
          const parsed = await parseUsageExport(chunks(bytes, sizes), { fallbackVersion: null, now: NOW });
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
          const got = parsed.accountDays
            .flatMap((d) =>
              d.rows.map(
                (r) =>
                  `${r.accountId}|${r.day}|${r.serviceId}|${r.skuId}|${r.currency}|${formatMoney(r.cost, 9)}|${formatMoney(r.credit, 9)}|${r.rows}|${d.version}`,
              ),
            )
            .sort();
          expect(got).toEqual(reference(rows));
          expect(parsed.rows).toBe(rows.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  /** Corruptions that make a row invalid, with the column that must be named. */
  const corruption = fc.oneof(
    fc.constantFrom('1,5', 'abc', '1e5', '', '١٢', '1.0000000001', '12345678901234').map((v) => ({ column: 'cost' as const, value: v })),
    fc.constantFrom('0.01', '5').map((v) => ({ column: 'credit' as const, value: v })),
    fc.constantFrom('EUR', 'rub', '').map((v) => ({ column: 'currency' as const, value: v })),
    fc.constantFrom('2026-02-30', '2026-13-01', '9999-12-31', '2027-01-01', '26-01-01').map((v) => ({ column: 'date' as const, value: v })),
    fc.constantFrom('1768000000000', '', '-1', '99', '1.5').map((v) => ({ column: 'updated_at' as const, value: v })),
    fc.constantFrom(' acc', 'a\u0007b', '', 'a\u001b[0m').map((v) => ({ column: 'billing_account_id' as const, value: v })),
  );

  it('rejects every corrupted row with a reason naming its line and column', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 20 }), fc.nat(), corruption, async (rows, pick, bad) => {
        const target = pick % rows.length;
        const text = toCsv(rows, [...COLUMNS], false, true);
        const lines = text.split(/\n(?=")/); // rows start with a quote when every cell is quoted
        const header = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,sku_name';
        const cells = lines[target + 1]!.replace(/\n$/, '').match(/"(?:[^"]|"")*"/g)!;
        cells[COLUMNS.indexOf(bad.column)] = quote(bad.value, true);
        lines[target + 1] = `${cells.join(',')}${target + 1 === lines.length - 1 ? '\n' : ''}`;
        const corrupted = [header, ...lines.slice(1)].join('\n');
        // The physical line of the target row: 2 + the line breaks inside earlier rows.
        const line = 2 + lines.slice(1, target + 1).reduce((n, l) => n + (l.match(/\r\n|\n|\r/g)?.length ?? 0), 0) + target;
        const parsed = await parseUsageExport([Buffer.from(corrupted, 'utf8')], { fallbackVersion: null, now: NOW, maxProblems: 100 });
        expect(parsed.ok).toBe(false);
        if (parsed.ok) return;
        expect(parsed.problems).toContainEqual({ line, column: bad.column, reason: expect.stringMatching(/\S/) });
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random bytes: the result is an acceptance or a rejection with reasons', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (noise, withHeader) => {
        const bytes = withHeader
          ? Buffer.concat([Buffer.from('billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at\n'), noise])
          : Buffer.from(noise);
        const parsed = await parseUsageExport([bytes], { fallbackVersion: 1_770_000_000, now: NOW });
        if (!parsed.ok) {
          expect(parsed.problemCount).toBeGreaterThan(0);
          for (const p of parsed.problems) expect(p.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
