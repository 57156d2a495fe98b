/**
 * Hostile exports (issue 8, classes 1, 3, 4, 7, 10): every one is rejected with its line and
 * column, none throws, none is silently changed into something else.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseUsageExport, VERSION_CLOCK_SKEW_SECONDS, type ParseOptions } from '../../../shared/ingest/usage-export-parser';
import { utf8 } from './chunking';

const NOW = new Date('2026-04-01T03:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const AT_INGEST: ParseOptions = { fallbackVersion: null, now: NOW };
const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
const GOOD_VERSION = 1774900000;

async function problems(bytes: Buffer | string, options: ParseOptions = AT_INGEST) {
  const result = await parseUsageExport([typeof bytes === 'string' ? utf8(bytes) : bytes], options);
  if (result.ok) throw new Error('expected the file to be rejected');
  return result.problems.map((p) => ({ line: p.line, column: p.column, reason: p.reason }));
}

async function accepted(text: string, options: ParseOptions = AT_INGEST) {
  const result = await parseUsageExport([utf8(text)], options);
  if (!result.ok) throw new Error(`expected acceptance: ${JSON.stringify(result.problems)}`);
  return result;
}

describe('versions that would lock out corrections (class 1)', () => {
  it.each([
    ['milliseconds', String(GOOD_VERSION * 1000), /milliseconds, not seconds/],
    ['a day in the future', String(NOW_S + 86_400), /after the time of this ingest/],
    ['before 2010', '1000', /before 2010-01-01/],
    ['absurdly long', '999999999999999', /after the time of this ingest/],
    ['empty', '', /is empty/],
  ])('rejects an updated_at that is %s, at its line and column', async (_name, value, reason) => {
    const found = await problems(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${GOOD_VERSION}\nA,s,k,2026-03-01,RUB,1,0,${value}\n`);
    expect(found).toEqual([{ line: 3, column: 'updated_at', reason: expect.stringMatching(reason) }]);
  });

  it('accepts a version up to the clock skew after the ingest time, and not one second more', async () => {
    await accepted(`${HEADER}\nA,s,k,2026-03-31,RUB,1,0,${NOW_S + VERSION_CLOCK_SKEW_SECONDS}\n`);
    expect(await problems(`${HEADER}\nA,s,k,2026-03-31,RUB,1,0,${NOW_S + VERSION_CLOCK_SKEW_SECONDS + 1}\n`)).toHaveLength(1);
  });

  it('rejects a file without updated_at whose object last-modified time is implausible', async () => {
    const found = await problems('billing_account_id,service_id,sku_id,date,currency,cost,credit\nA,s,k,2026-03-01,RUB,1,0\n', {
      fallbackVersion: NOW_S * 1000,
      now: NOW,
    });
    expect(found).toEqual([
      { line: 1, column: 'updated_at', reason: expect.stringMatching(/last-modified time .* after the time of this ingest/) },
    ]);
  });
});

describe('sign and encoding (class 3)', () => {
  it('rejects a positive credit, which would inflate the rebate base', async () => {
    expect(await problems(`${HEADER}\nA,s,k,2026-03-01,RUB,10,0.01,${GOOD_VERSION}\n`)).toEqual([
      { line: 2, column: 'credit', reason: expect.stringMatching(/credit "0.01" is positive/) },
    ]);
  });

  it('accepts zero and negative credits, including -0', async () => {
    await accepted(
      `${HEADER}\nA,s,k,2026-03-01,RUB,10,0,${GOOD_VERSION}\nA,s,k,2026-03-01,RUB,10,-0,${GOOD_VERSION}\nA,s,k,2026-03-01,RUB,10,-2.5,${GOOD_VERSION}\n`,
    );
  });

  it('rejects two account ids that differ only in invalid UTF-8 bytes instead of merging them', async () => {
    const bytes = Buffer.concat([
      utf8(`${HEADER}\nacc-`),
      Buffer.from([0xff]),
      utf8(`,s,k,2026-03-01,RUB,1,0,${GOOD_VERSION}\nacc-`),
      Buffer.from([0xfe]),
      utf8(`,s,k,2026-03-01,RUB,2,0,${GOOD_VERSION}\n`),
    ]);
    const found = await problems(bytes);
    expect(found.map((p) => [p.line, p.column])).toEqual([
      [2, 'billing_account_id'],
      [3, 'billing_account_id'],
    ]);
    expect(found[0]!.reason).toMatch(/not valid UTF-8/);
  });

  it('rejects invalid UTF-8 in a service id and in a display name', async () => {
    const bytes = Buffer.concat([
      utf8('billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,sku_name\nA,s'),
      Buffer.from([0xc3]),
      utf8(`,k,2026-03-01,RUB,1,0,${GOOD_VERSION},ok\n`),
      utf8(`B,s,k,2026-03-01,RUB,1,0,${GOOD_VERSION},na`),
      Buffer.from([0xe2, 0x82]),
      utf8('me\n'),
    ]);
    expect((await problems(bytes)).map((p) => [p.line, p.column])).toEqual([
      [2, 'service_id'],
      [3, 'sku_name'],
    ]);
  });
});

describe('ids and days (class 7)', () => {
  it.each([
    ['padded with spaces', '" acc-1"', /leading or trailing spaces/],
    ['blank', '"   "', /blank/],
    ['a forged error line', '"acc-1\nerror: all good"', /control or invisible character \(U\+000A/],
    ['a terminal escape', '"acc-\u001b[31m1"', /U\+001B/],
    ['a bidi override', '"acc-\u202e1"', /U\+202E/],
    ['megabytes long', 'a'.repeat(200_000), /200000 characters long/],
  ])('rejects a billing_account_id that is %s', async (_name, cell, reason) => {
    const found = await problems(`${HEADER}\n${cell},s,k,2026-03-01,RUB,1,0,${GOOD_VERSION}\n`);
    expect(found).toEqual([{ line: 2, column: 'billing_account_id', reason: expect.stringMatching(reason) }]);
  });

  it('rejects usage dated after tomorrow (UTC+3) and accepts tomorrow itself', async () => {
    // NOW is 2026-04-01 06:00 in Moscow: tomorrow is 2026-04-02.
    await accepted(`${HEADER}\nA,s,k,2026-04-02,RUB,1,0,${GOOD_VERSION}\n`);
    expect(await problems(`${HEADER}\nA,s,k,2026-04-03,RUB,1,0,${GOOD_VERSION}\nA,s,k,9999-12-31,RUB,1,0,${GOOD_VERSION}\n`)).toEqual([
      { line: 2, column: 'date', reason: expect.stringMatching(/in the future .* 2026-04-02/) },
      { line: 3, column: 'date', reason: expect.stringMatching(/in the future/) },
    ]);
  });

  it('keeps multi-line display names that real exports quote', async () => {
    const result = await accepted(
      `billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,sku_name\nA,s,k,2026-03-01,RUB,1,0,${GOOD_VERSION},"two\r\nlines"\n`,
    );
    expect(result.accountDays[0]!.rows[0]!.skuName).toBe('two\r\nlines');
  });
});

describe('sums that do not fit Decimal(22,9) (class 4)', () => {
  it('rejects a group whose sum overflows, naming the line of its first row', async () => {
    const max = '9999999999999.999999999';
    const found = await problems(
      `${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${GOOD_VERSION}\nB,s,k,2026-03-01,RUB,${max},0,${GOOD_VERSION}\nB,s,k,2026-03-01,RUB,0.000000001,0,${GOOD_VERSION}\n`,
    );
    expect(found).toEqual([
      { line: 3, column: 'cost', reason: expect.stringMatching(/sum of cost of B 2026-03-01 s\/k .* does not fit Decimal\(22,9\)/) },
    ]);
  });
});

describe('files that are not a comma-separated UTF-8 export (class 10)', () => {
  const csv = `${HEADER}\nA,s,k,2026-03-01,RUB,1,0,${GOOD_VERSION}\n`;
  it.each([
    ['gzip-compressed', gzipSync(utf8(csv)), /gzip-compressed/],
    ['UTF-16 with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]), /UTF-16/],
    ['UTF-16 without a BOM', Buffer.from(csv, 'utf16le'), /UTF-16/],
    ['semicolon-separated', utf8(csv.replaceAll(',', ';')), /semicolon-separated/],
    ['tab-separated', utf8(csv.replaceAll(',', '\t')), /tab-separated/],
  ])('says the file is %s instead of listing missing columns', async (_name, bytes, reason) => {
    const found = await problems(bytes);
    expect(found).toEqual([{ line: 1, column: null, reason: expect.stringMatching(reason) }]);
  });
});
