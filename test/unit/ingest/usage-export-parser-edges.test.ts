/**
 * The export parser at its edges: header shapes, an unusable header (rows checked, nothing
 * aggregated), cells in the first column, the exact wording of a version that is too new, the
 * quoting of a cell in a message, and the staged (spilled) parse — its run count, the callback
 * after each spill, runs removed when the parse throws, problems found by the merge in line order,
 * a currency clash that only a third run resolves, and runs changed between two merges.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { parseUsageExport, stageUsageExport, type ParseOptions } from '../../../shared/ingest/usage-export-parser';
import { utf8 } from './chunking';

const NOW = new Date('2026-04-01T03:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const AT_INGEST: ParseOptions = { fallbackVersion: null, now: NOW };
const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
const V = 1_774_900_000;

const root = mkdtempSync(join(tmpdir(), 'parser-edges-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function parse(text: string | Buffer, options: ParseOptions = AT_INGEST) {
  return parseUsageExport([typeof text === 'string' ? utf8(text) : text], options);
}

async function problems(text: string, options: ParseOptions = AT_INGEST) {
  const result = await parse(text, options);
  if (result.ok) throw new Error('expected the file to be rejected');
  return result.problems;
}

describe('header shapes', () => {
  it('understands header names padded with spaces', async () => {
    const padded = HEADER.split(',')
      .map((n) => ` ${n}  `)
      .join(',');
    const result = await parse(`${padded}\nA,s,k,2026-03-01,RUB,1.5,0,${V}\n`);
    expect(result.ok).toBe(true);
    if (result.ok) expect(formatMoney(result.accountDays[0]!.rows[0]!.cost, 0)).toBe('1.5');
  });

  it('rejects a header with a broken quote, naming line 1', async () => {
    expect(await problems(`${HEADER},"x"y\nA,s,k,2026-03-01,RUB,1,0,${V},z\n`)).toEqual([
      { line: 1, column: null, reason: 'header: unexpected character after a closing quote' },
    ]);
  });

  it('names every required column the header lacks, the account, day and cost included, and checks no row against a missing column', async () => {
    const found = await problems(`service_id,sku_id,currency,credit,updated_at\ns,k,RUB,0,${V}\n`);
    expect(found).toEqual([
      { line: 1, column: 'billing_account_id', reason: 'missing required column billing_account_id' },
      { line: 1, column: 'date', reason: 'missing required column date' },
      { line: 1, column: 'cost', reason: 'missing required column cost' },
    ]);
  });

  it('gives empty display names when the file has no name columns', async () => {
    const result = await parse(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${V}\n`);
    expect(result.ok && [result.accountDays[0]!.rows[0]!.serviceName, result.accountDays[0]!.rows[0]!.skuName]).toEqual(['', '']);
  });

  it('checks the date in the first column too', async () => {
    const header = 'date,billing_account_id,service_id,sku_id,currency,cost,credit,updated_at';
    expect(await problems(`${header}\n2026-02-30,A,s,k,RUB,1,0,${V}\n`)).toEqual([
      { line: 2, column: 'date', reason: '"2026-02-30" is not a calendar day YYYY-MM-DD' },
    ]);
  });

  // Two rows of one account-day in two currencies: aggregating them would add a currency problem.
  const clashing = (header: string, cells = (c: string) => `A,s,k,2026-03-01,${c},1,0,${V}`) =>
    `${header}\n${cells('RUB')}\n${cells('USD')}\n`;
  it.each([
    ['a column named twice', clashing(`${HEADER},cost`, (c) => `A,s,k,2026-03-01,${c},1,0,${V},1`), [[1, 'cost']]],
    ['a broken quote', clashing(`${HEADER},"x"y`, (c) => `A,s,k,2026-03-01,${c},1,0,${V},z`), [[1, null]]],
    [
      'a required column missing',
      clashing('billing_account_id,service_id,sku_id,date,currency,cost,updated_at', (c) => `A,s,k,2026-03-01,${c},1,${V}`),
      [[1, 'credit']],
    ],
    [
      'no updated_at and no fallback version',
      clashing('billing_account_id,service_id,sku_id,date,currency,cost,credit', (c) => `A,s,k,2026-03-01,${c},1,0`),
      [[1, 'updated_at']],
    ],
  ])('checks every row but aggregates none when the header has %s', async (_name, text, expected) => {
    const found = await problems(text);
    expect(found.map((p) => [p.line, p.column])).toEqual(expected);
  });

  it('checks every row but aggregates none when the fallback version of a file without updated_at is implausible', async () => {
    const text = clashing('billing_account_id,service_id,sku_id,date,currency,cost,credit', (c) => `A,s,k,2026-03-01,${c},1,0`);
    const found = await problems(text, { fallbackVersion: 1000, now: NOW });
    expect(found.map((p) => [p.line, p.column])).toEqual([[1, 'updated_at']]);
  });

  it('counts the rows of a file that is not comma-separated without checking them', async () => {
    const result = await parse(`${HEADER.replaceAll(',', ';')}\nA;s;k\nB;s;k\n\nC;s;k\n`);
    expect(result).toMatchObject({ ok: false, rows: 3, problemCount: 1 });
  });
});

describe('rows', () => {
  it.each([
    ['a bad cost', (c: string) => `A,s,k,2026-03-01,${c},x,0,${V}`, 'cost'],
    ['a bad credit', (c: string) => `A,s,k,2026-03-01,${c},1,x,${V}`, 'credit'],
    ['a positive credit', (c: string) => `A,s,k,2026-03-01,${c},1,2,${V}`, 'credit'],
    ['a day that does not exist', (c: string) => `A,s,k,2026-02-30,${c},1,0,${V}`, 'date'],
    ['a day in the future', (c: string) => `A,s,k,2026-04-03,${c},1,0,${V}`, 'date'],
    ['a bad updated_at', (c: string) => `A,s,k,2026-03-01,${c},1,0,1.5`, 'updated_at'],
  ])('does not aggregate a row with %s: its currency cannot clash with other rows', async (_name, bad, column) => {
    // A valid RUB row, then two bad rows in USD and RUB: had the bad rows been aggregated, they
    // would clash with the valid row or with each other (when the bad cell is the day).
    const found = await problems(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${V}\n${bad('USD')}\n${bad('RUB')}\n`);
    expect(found.map((p) => [p.line, p.column])).toEqual([
      [3, column],
      [4, column],
    ]);
  });

  it('says an updated_at that is not a whole number is not one, with or without an ingest time', async () => {
    for (const options of [AT_INGEST, { fallbackVersion: null }]) {
      expect(await problems(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,17749e5\n`, options)).toEqual([
        { line: 2, column: 'updated_at', reason: 'updated_at "17749e5" is not a non-negative integer (Unix seconds)' },
      ]);
    }
  });

  it('refuses text chunks, saying the parser takes bytes', async () => {
    await expect(stageUsageExport([utf8(`${HEADER}\n`), 'A,s,k' as unknown as Uint8Array], AT_INGEST)).rejects.toThrow(
      'parseUsageExport expects byte chunks (Uint8Array), not decoded text',
    );
  });

  it('reads cost and credit in the first column too', async () => {
    const costFirst = 'cost,credit,billing_account_id,service_id,sku_id,date,currency,updated_at';
    const creditFirst = 'credit,cost,billing_account_id,service_id,sku_id,date,currency,updated_at';
    expect(await problems(`${costFirst}\nx,0,A,s,k,2026-03-01,RUB,${V}\n`)).toEqual([
      { line: 2, column: 'cost', reason: expect.stringContaining('"x"') },
    ]);
    expect(await problems(`${creditFirst}\n5,1,A,s,k,2026-03-01,RUB,${V}\n`)).toEqual([
      { line: 2, column: 'credit', reason: 'credit "5" is positive; credits in the billing export are ≤ 0' },
    ]);
    const result = await parse(`${costFirst}\n2.5,-1,A,s,k,2026-03-01,RUB,${V}\n`);
    expect(
      result.ok && [formatMoney(result.accountDays[0]!.rows[0]!.cost, 0), formatMoney(result.accountDays[0]!.rows[0]!.credit, 0)],
    ).toEqual(['2.5', '-1']);
  });

  it('refuses a whole positive credit, not only a fractional one', async () => {
    expect(await problems(`${HEADER}\nA,s,k,2026-03-01,RUB,10,5,${V}\n`)).toEqual([
      { line: 2, column: 'credit', reason: 'credit "5" is positive; credits in the billing export are ≤ 0' },
    ]);
  });

  it('quotes a cell of up to 40 characters whole in a message and cuts a longer one at 40', async () => {
    const forty = 'E'.repeat(40);
    expect(await problems(`${HEADER}\nA,s,k,2026-03-01,${forty},1,0,${V}\nA,s,k,2026-03-01,${forty}F,1,0,${V}\n`)).toEqual([
      { line: 2, column: 'currency', reason: `"${forty}" is not one of RUB, USD, KZT` },
      { line: 3, column: 'currency', reason: `"${forty}…" is not one of RUB, USD, KZT` },
    ]);
  });
});

describe('a version after the time of the ingest', () => {
  const maxVersion = NOW_S + 3600;
  it('says when the ingest ran and by how much a version may pass it', async () => {
    expect(await problems(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${maxVersion + 1}\n`)).toEqual([
      {
        line: 2,
        column: 'updated_at',
        reason: `updated_at "${maxVersion + 1}" is after the time of this ingest (2026-04-01T03:00:00.000Z + 1 h); it would lock out every later correction of its account-days`,
      },
    ]);
  });

  it('suggests milliseconds only for a version more than 100 times the latest one accepted', async () => {
    const [at, past] = await Promise.all([
      problems(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${maxVersion * 100}\n`),
      problems(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${maxVersion * 100 + 1}\n`),
    ]);
    expect(at[0]!.reason).not.toContain('milliseconds');
    expect(past[0]!.reason).toContain(' — milliseconds, not seconds?; it would lock out');
  });
});

describe('a staged parse that spills', () => {
  const row = (account: string, currency = 'RUB', cost = '1', sku = 'k') => `${account},s,${sku},2026-03-01,${currency},${cost},0,${V}`;
  const csv = (rows: string[]) => utf8(`${HEADER}\n${rows.join('\n')}\n`);
  const directory = () => mkdtempSync(join(root, 'runs-'));

  it('reports how many runs it wrote and calls afterSpill after each spill of the parse', async () => {
    const dir = directory();
    let spills = 0;
    // maxGroups 4: two account-days of one group each fill the memory.
    const staged = await stageUsageExport([csv(['A', 'B', 'C', 'D', 'E'].map((a) => row(a)))], {
      ...AT_INGEST,
      spill: { directory: dir, maxGroups: 4, afterSpill: () => spills++ },
    });
    expect(staged.ok).toBe(true);
    if (!staged.ok) return;
    // A+B, C+D spilled while parsing; E written as the last run at the end.
    expect(spills).toBe(2);
    expect(staged.accountDays.runs).toBe(3);
    expect(staged.accountDays.count).toBe(5);
    expect(staged.accountDays.version).toBe(V);
    expect([...staged.accountDays].map((d) => d.accountId)).toEqual(['A', 'B', 'C', 'D', 'E']);
    staged.accountDays.dispose();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('holds a file in memory, with no runs, when it stays under maxGroups', async () => {
    const staged = await stageUsageExport([csv([row('A'), row('B')])], { ...AT_INGEST, spill: { directory: directory(), maxGroups: 5 } });
    expect(staged.ok && [staged.accountDays.runs, staged.accountDays.count]).toEqual([0, 2]);
  });

  it('removes its runs when the parse throws after spilling', async () => {
    const dir = directory();
    const chunks = [csv([row('A'), row('B'), row('C')]), 'D,s,k' as unknown as Uint8Array];
    await expect(stageUsageExport(chunks, { ...AT_INGEST, spill: { directory: dir, maxGroups: 2 } })).rejects.toThrow(TypeError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lists the problems only the merge finds in line order, not in account order', async () => {
    const max = '9999999999999.999999999';
    // One row per run (maxGroups 2): B's second currency (line 3) and A's overflow (line 4) meet only in the merge.
    const staged = await stageUsageExport([csv([row('B'), row('B', 'USD', '1', 'k2'), row('A', 'RUB', max), row('A', 'RUB', '1')])], {
      ...AT_INGEST,
      spill: { directory: directory(), maxGroups: 2 },
    });
    expect(staged.ok).toBe(false);
    if (staged.ok) return;
    expect(staged.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'currency'],
      [4, 'cost'],
    ]);
  });

  it('rejects a second currency of a group that is held between two runs in the first currency', async () => {
    const staged = await stageUsageExport([csv([row('A'), row('A', 'USD'), row('A')])], {
      ...AT_INGEST,
      spill: { directory: directory(), maxGroups: 2 },
    });
    expect(staged.ok).toBe(false);
    if (staged.ok) return;
    expect(staged.problems).toEqual([
      { line: 3, column: 'currency', reason: 'account-day A 2026-03-01 is in RUB (line 2); a second currency USD is not allowed' },
    ]);
  });

  it('refuses to apply runs that changed on disk after the file was validated', async () => {
    const dir = directory();
    const staged = await stageUsageExport([csv([row('A'), row('A', 'RUB', '1', 'k2')])], {
      ...AT_INGEST,
      spill: { directory: dir, maxGroups: 2 },
    });
    expect(staged.ok).toBe(true);
    if (!staged.ok) return;
    const runDir = join(dir, readdirSync(dir)[0]!);
    const second = join(runDir, 'run-1.tsv');
    writeFileSync(second, readFileSync(second, 'utf8').replace('\tRUB\t', '\tUSD\t'));
    expect(() => [...staged.accountDays]).toThrow(/spill runs changed between two merges: account-day A 2026-03-01 is in RUB/);
    staged.accountDays.dispose();
  });
});
