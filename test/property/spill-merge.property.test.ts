/**
 * Property tests of the bounded-memory parse (issue 11): a file aggregated through sorted spill
 * runs, however small the runs, gives exactly the account-days of the in-memory parse — sums,
 * rows, versions, last display names, order — and rejects exactly the files it rejects (a second
 * currency split across runs, sums that only overflow once merged). Runs never outlive the parse.
 */
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseUsageExport, stageUsageExport } from '../../shared/ingest/usage-export-parser';

const NOW = new Date('2026-04-01T03:00:00Z');
const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,service_name,sku_name';
const root = mkdtempSync(join(tmpdir(), 'spill-property-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rowArb = fc.record({
  account: fc.constantFrom('acc-1', 'acc-2', 'dn2xyz', 'счёт-3', 'a\\b'),
  day: fc.constantFrom('2026-01-01', '2026-02-28', '2026-03-31'),
  service: fc.constantFrom('svc-a', 'svc-b'),
  sku: fc.constantFrom('sku-1', 'sku,2', 'sku"3'),
  currency: fc.constantFrom('RUB', 'RUB', 'RUB', 'USD'),
  // Up to 13 integer digits: one cell fits Decimal(22,9), a few summed may not.
  cost: fc.oneof(
    fc.bigInt({ min: 0n, max: 10n ** 12n }).map((n) => `${n}.${String(n % 1_000_000_000n).padStart(9, '0')}`),
    fc.constantFrom('9999999999999.999999999', '-9999999999999.999999999', '0'),
  ),
  credit: fc.constantFrom('0', '-0.000000001', '-12.5'),
  updatedAt: fc.integer({ min: 1_700_000_000, max: 1_775_000_000 }),
  serviceName: fc.constantFrom('', 'Compute', 'tab\there', 'back\\slash'),
  skuName: fc.constantFrom('', 'Name, with comma', 'multi\r\nline', 'Ёлка "quoted"', 'new\nline'),
});
type Row = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

function toCsv(rows: Row[]): Buffer {
  const lines = rows.map((r) =>
    [r.account, r.service, r.sku, r.day, r.currency, r.cost, r.credit, String(r.updatedAt), r.serviceName, r.skuName].map(quote).join(','),
  );
  return Buffer.from(`${[HEADER, ...lines].join('\n')}\n`);
}

/** Rows where every account-day keeps one currency (the first it got), so most files are valid. */
function oneCurrencyPerAccountDay(rows: Row[]): Row[] {
  const seen = new Map<string, Row['currency']>();
  return rows.map((r) => {
    const key = `${r.account}|${r.day}`;
    const currency = seen.get(key) ?? r.currency;
    seen.set(key, currency);
    return { ...r, currency };
  });
}

async function stagedArray(bytes: Buffer, maxGroups: number) {
  const dir = mkdtempSync(join(root, 'runs-'));
  const staged = await stageUsageExport([bytes], { fallbackVersion: null, now: NOW, spill: { directory: dir, maxGroups } });
  try {
    if (!staged.ok) return { ok: false as const, problemCount: staged.problemCount, problems: staged.problems, runsLeft: readdirSync(dir) };
    const first = [...staged.accountDays];
    // Merging twice (the apply reads the merge again) gives the same account-days.
    const second = [...staged.accountDays];
    return {
      ok: true as const,
      accountDays: first,
      second,
      count: staged.accountDays.count,
      version: staged.accountDays.version,
      runs: staged.accountDays.runs,
    };
  } finally {
    if (staged.ok) staged.accountDays.dispose();
    expect(readdirSync(dir), 'spill runs are removed').toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('aggregating through spill runs', () => {
  it('gives exactly the in-memory account-days for valid files, whatever the run size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 60 }), fc.constantFrom(1, 2, 3, 7), async (raw, maxGroups) => {
        const bytes = toCsv(oneCurrencyPerAccountDay(raw));
        const memory = await parseUsageExport([bytes], { fallbackVersion: null, now: NOW });
        const staged = await stagedArray(bytes, maxGroups);
        expect(staged.ok).toBe(memory.ok);
        if (!memory.ok || !staged.ok) return;
        expect(staged.accountDays).toEqual(memory.accountDays);
        expect(staged.second).toEqual(memory.accountDays);
        expect(staged.count).toBe(memory.accountDays.length);
        expect(staged.version).toBe(Math.max(...memory.accountDays.map((d) => d.version)));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects exactly the files the in-memory parse rejects, a second currency or an overflow split across runs included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 60 }), fc.constantFrom(1, 2, 5), async (rows, maxGroups) => {
        const bytes = toCsv(rows);
        const memory = await parseUsageExport([bytes], { fallbackVersion: null, now: NOW });
        const staged = await stagedArray(bytes, maxGroups);
        expect(staged.ok).toBe(memory.ok);
        if (!memory.ok && !staged.ok) {
          expect(staged.problemCount).toBeGreaterThan(0);
          // Both name a fault of the same kind at a data line. The lists may differ: in memory a row
          // in a second currency is refused and not summed; across runs it is summed, so the same
          // file can show an overflow besides the currency problem.
          expect(staged.problems[0]!.line).toBeGreaterThan(1);
          const columns = new Set(memory.problems.map((p) => p.column));
          expect(staged.problems.some((p) => columns.has(p.column))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('spills a file into several runs and still reports the first line of the account-day a second currency clashes with', async () => {
    const rows = [
      'acc-1,svc,sku-a,2026-03-01,RUB,1,0,1770000000,,',
      'acc-2,svc,sku-a,2026-03-01,RUB,1,0,1770000000,,',
      'acc-3,svc,sku-a,2026-03-01,RUB,1,0,1770000000,,',
      'acc-1,svc,sku-b,2026-03-01,USD,1,0,1770000000,,',
    ];
    const bytes = Buffer.from(`${HEADER}\n${rows.join('\n')}\n`);
    const staged = await stagedArray(bytes, 2);
    expect(staged.ok).toBe(false);
    if (staged.ok) return;
    expect(staged.problems).toEqual([
      { line: 5, column: 'currency', reason: 'account-day acc-1 2026-03-01 is in RUB (line 2); a second currency USD is not allowed' },
    ]);
  });

  it('accepts a sum merged across runs that is the largest Decimal(22,9) holds, and rejects one a nano-unit past it, naming the first row of the group', async () => {
    const row = (cost: string, sku = 'sku-a') => `acc-1,svc,${sku},2026-03-01,RUB,${cost},0,1770000000,,`;
    // Three runs of one row each (maxGroups 1 counts the group and its account-day): the sums only meet in the merge.
    const fits = [row('9999999999999'), row('0.999999998', 'sku-b'), row('0.999999999')];
    const past = [row('9999999999999'), row('0.999999998', 'sku-b'), row('1')];
    const staged = await stagedArray(Buffer.from(`${HEADER}\n${fits.join('\n')}\n`), 1);
    expect(staged.ok).toBe(true);
    if (staged.ok) expect(staged.accountDays[0]!.rows[0]!.cost).toBe(10n ** 22n - 1n);
    const rejected = await stagedArray(Buffer.from(`${HEADER}\n${past.join('\n')}\n`), 1);
    expect(rejected.ok).toBe(false);
    if (!rejected.ok)
      expect(rejected.problems).toEqual([
        {
          line: 2,
          column: 'cost',
          reason: 'the sum of cost of acc-1 2026-03-01 svc/sku-a (first row here) does not fit Decimal(22,9)',
        },
      ]);
  });
});
