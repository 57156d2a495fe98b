import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { parseUsageExport, type ParsedExport, type ParseOptions } from '../../../shared/ingest/usage-export-parser';
import { CHUNK_SIZES, asAsync, chunked, utf8 } from './chunking';

const FIXTURES = join(import.meta.dirname, '../../fixtures/exports');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const NO_FALLBACK: ParseOptions = { fallbackVersion: null };
const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';

async function parse(bytes: Buffer | string, options: ParseOptions = NO_FALLBACK): Promise<ParsedExport> {
  return parseUsageExport([typeof bytes === 'string' ? utf8(bytes) : bytes], options);
}

async function accepted(bytes: Buffer | string, options: ParseOptions = NO_FALLBACK) {
  const result = await parse(bytes, options);
  if (!result.ok) throw new Error(`expected the file to be accepted: ${JSON.stringify(result.problems)}`);
  return result;
}

async function problemsOf(bytes: Buffer | string, options: ParseOptions = NO_FALLBACK) {
  const result = await parse(bytes, options);
  if (result.ok) throw new Error('expected the file to be rejected');
  return result;
}

/** Aggregates with money as decimal strings, the way tests assert money. */
function flat(result: ParsedExport & { ok: true }) {
  return result.accountDays.map((d) => ({
    accountId: d.accountId,
    day: d.day,
    version: d.version,
    rows: d.rows.map((r) => ({
      service: r.serviceId,
      sku: r.skuId,
      currency: r.currency,
      cost: formatMoney(r.cost, 0),
      credit: formatMoney(r.credit, 0),
      serviceName: r.serviceName,
      skuName: r.skuName,
      rows: r.rows,
    })),
  }));
}

describe('parseUsageExport on a real-shaped partner export', () => {
  it('aggregates per account, day, service and sku with exact sums, versions and display names', async () => {
    const result = await accepted(fixture('partner-20260315.csv'));
    expect(result.rows).toBe(8);
    expect(result.bytes).toBe(fixture('partner-20260315.csv').length);
    expect(flat(result)).toEqual([
      {
        accountId: 'dn2a1b2c3d4e5f6g7h8j',
        day: '2026-03-14',
        version: 1773475200,
        rows: [
          {
            service: 'dn2m45g7b9fhfnpqs0je',
            sku: 'dn2vr1d0b8l7h6a5s4e3',
            currency: 'RUB',
            cost: '1.1',
            credit: '-0.1',
            serviceName: 'SpeechSense',
            skuName: 'Распознавание речи,\r\nминута',
            rows: 1,
          },
        ],
      },
      {
        accountId: 'dn2a1b2c3d4e5f6g7h8j',
        day: '2026-03-15',
        version: 1773572400,
        rows: [
          {
            service: 'dn2220hr46dtogekm57v',
            sku: 'dn2hc5a8l1qgdq8fm3ts',
            currency: 'RUB',
            cost: '10.5',
            credit: '0',
            serviceName: 'Managed Service for ClickHouse',
            skuName: 'Хранилище, "быстрое" SSD',
            rows: 1,
          },
          // 123.456789012 + 0.000000001 + 76.543210988; the empty service_name keeps the last non-empty one.
          {
            service: 'dn22pas77ftg9h3f2djj',
            sku: 'dn2k3vqlk9snp1jv351u',
            currency: 'RUB',
            cost: '200.000000001',
            credit: '-100',
            serviceName: 'Compute Cloud',
            skuName: 'Intel Ice Lake. 100% vCPU',
            rows: 3,
          },
        ],
      },
      {
        accountId: 'dn2k9m8n7p6q5r4s3t2u',
        day: '2026-03-15',
        version: 1773565201,
        // 0.1 + 0.2 is 0.30000000000000004 in floats.
        rows: [
          {
            service: 'dn22pas77ftg9h3f2djj',
            sku: 'dn2k3vqlk9snp1jv351u',
            currency: 'USD',
            cost: '0.3',
            credit: '0',
            serviceName: 'Compute Cloud',
            skuName: 'Intel Ice Lake. 100% vCPU',
            rows: 2,
          },
        ],
      },
      {
        accountId: 'dn2x1y2z3a4b5c6d7e8f',
        day: '2026-03-15',
        version: 1773590000,
        rows: [
          {
            service: 'dn2li5qddoc5cad2n6br',
            sku: 'dn2s3o4b5j6e7c8t9s0a',
            currency: 'KZT',
            cost: '1500',
            credit: '-1500',
            serviceName: 'Object Storage',
            skuName: 'Хранилище, стандартное',
            rows: 1,
          },
        ],
      },
    ]);
  });

  it('returns bigint nano-units in the aggregates', async () => {
    const result = await accepted(fixture('partner-20260315.csv'));
    const compute = result.accountDays[1]!.rows[1]!;
    expect(compute.cost).toBe(200_000_000_001n);
    expect(compute.credit).toBe(-100_000_000_000n);
  });

  it('gives identical results for chunk sizes 1, 2, 3, 7, 64 and the whole file, sync or async', async () => {
    for (const name of [
      'partner-20260315.csv',
      'no-updated-at-reordered.csv',
      'malformed-bad-currency.csv',
      'malformed-unterminated-quote.csv',
    ]) {
      const bytes = fixture(name);
      const options = { fallbackVersion: 1774000000 };
      const whole = await parseUsageExport([bytes], options);
      for (const size of CHUNK_SIZES) {
        expect(await parseUsageExport(chunked(bytes, size), options), `${name} in ${size}-byte chunks`).toEqual(whole);
        expect(await parseUsageExport(asAsync(chunked(bytes, size)), options), `${name} async ${size}`).toEqual(whole);
      }
    }
  });

  it('finds columns in any order, ignores unknown ones and uses the fallback version without updated_at', async () => {
    const result = await accepted(fixture('no-updated-at-reordered.csv'), { fallbackVersion: 1774000000 });
    expect(flat(result)).toEqual([
      {
        accountId: 'dn2a1b2c3d4e5f6g7h8j',
        day: '2026-03-20',
        version: 1774000000,
        rows: [
          {
            service: 'dn22pas77ftg9h3f2djj',
            sku: 'dn2k3vqlk9snp1jv351u',
            currency: 'RUB',
            cost: '3',
            credit: '-0.5',
            serviceName: 'Compute Cloud',
            skuName: 'Intel Ice Lake. 100% vCPU (new name)',
            rows: 2,
          },
          {
            service: 'dn2yds6scistjlmes0fe',
            sku: 'dn2ds1kafka0stream0x',
            currency: 'RUB',
            cost: '1',
            credit: '-1',
            serviceName: 'Data Streams',
            skuName: 'Потоки данных',
            rows: 1,
          },
        ],
      },
    ]);
  });
});

describe('parseUsageExport rejects invalid files whole, naming line, column and reason (I2)', () => {
  it.each([
    [
      'malformed-bad-currency.csv',
      [
        // The row before spans lines 2-3 (a quoted line break), so the bad rows are on lines 4 and 5.
        { line: 4, column: 'currency', reason: '"EUR" is not one of RUB, USD, KZT' },
        { line: 5, column: 'currency', reason: '"rub" is not one of RUB, USD, KZT' },
      ],
    ],
    [
      'malformed-bad-number.csv',
      [
        { line: 2, column: 'cost', reason: expect.stringContaining('"123,45" must be a decimal with a dot separator') },
        { line: 3, column: 'cost', reason: expect.stringContaining('"1e3" must be a decimal with a dot separator') },
        { line: 4, column: 'cost', reason: expect.stringContaining('more than 9 fractional digits') },
        { line: 5, column: 'credit', reason: expect.stringContaining('" -1.5"') },
        { line: 6, column: 'cost', reason: expect.stringContaining('"1500." must have digits after the decimal point') },
      ],
    ],
    [
      'malformed-bad-date.csv',
      [
        { line: 2, column: 'date', reason: '"2026-02-29" is not a calendar day YYYY-MM-DD' },
        { line: 3, column: 'date', reason: '"2026-13-01" is not a calendar day YYYY-MM-DD' },
        { line: 4, column: 'date', reason: '"15.03.2026" is not a calendar day YYYY-MM-DD' },
      ],
    ],
    ['malformed-missing-column.csv', [{ line: 1, column: 'credit', reason: 'missing required column credit' }]],
    [
      'malformed-field-count.csv',
      [
        { line: 3, column: null, reason: 'row has 26 fields, the header has 25' },
        { line: 4, column: null, reason: 'row has 24 fields, the header has 25' },
      ],
    ],
    [
      'malformed-two-currencies.csv',
      [
        {
          line: 4,
          column: 'currency',
          reason: 'account-day dn2a1b2c3d4e5f6g7h8j 2026-03-15 is in RUB (line 2); a second currency USD is not allowed',
        },
      ],
    ],
    [
      'malformed-unterminated-quote.csv',
      [{ line: 3, column: 'billing_account_name', reason: expect.stringContaining('unterminated quoted field') }],
    ],
    ['malformed-empty-id.csv', [{ line: 2, column: 'sku_id', reason: 'sku_id is empty' }]],
  ])('%s', async (name, expected) => {
    const result = await problemsOf(fixture(name));
    expect(result.problems).toEqual(expected);
    expect(result.problemCount).toBe(expected.length);
    expect(result).not.toHaveProperty('accountDays');
  });

  it('keeps maxProblems problems in detail and counts all of them', async () => {
    const bad = Array.from({ length: 30 }, (_, i) => `a${i},s,k,2026-03-1x,RUB,1,0,1`);
    const text = [HEADER, ...bad].join('\n');
    const byDefault = await problemsOf(text);
    expect(byDefault.problems).toHaveLength(20);
    expect(byDefault.problemCount).toBe(30);
    expect(byDefault.rows).toBe(30);
    const three = await problemsOf(text, { fallbackVersion: null, maxProblems: 3 });
    expect(three.problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(three.problemCount).toBe(30);
  });

  it('collects every problem of one row, not just the first', async () => {
    const result = await problemsOf(`${HEADER}\n,s,,2026-02-30,EUR,1.0000000001,x,-1\n`);
    expect(result.problems.map((p) => p.column)).toEqual([
      'billing_account_id',
      'sku_id',
      'date',
      'currency',
      'cost',
      'credit',
      'updated_at',
    ]);
  });

  it('rejects one account-day in two currencies even across services, at the line of the second currency', async () => {
    const result = await problemsOf(
      `${HEADER}\nA,s1,k1,2026-03-01,KZT,1,0,1\nA,s2,k2,2026-03-02,USD,1,0,1\nA,s3,k3,2026-03-01,RUB,1,0,1\nA,s1,k1,2026-03-01,USD,1,0,1\n`,
    );
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [4, 'currency'],
      [5, 'currency'],
    ]);
  });

  it('rejects a completely empty file (no header)', async () => {
    for (const empty of [Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf])]) {
      const result = await problemsOf(empty);
      expect(result.problems).toEqual([{ line: 1, column: null, reason: 'empty file: no header row' }]);
      expect(result.rows).toBe(0);
    }
  });

  it('rejects a header naming a required column twice', async () => {
    const result = await problemsOf(`${HEADER},cost\nA,s,k,2026-03-01,RUB,1,0,1,2\n`);
    expect(result.problems).toEqual([{ line: 1, column: 'cost', reason: 'column cost appears more than once in the header' }]);
  });

  it('lists every missing required column and still checks the rows', async () => {
    const result = await problemsOf('billing_account_id,date,cost\nA,2026-02-31,1\n');
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [1, 'service_id'],
      [1, 'sku_id'],
      [1, 'currency'],
      [1, 'credit'],
      [1, 'updated_at'],
      [2, 'date'],
    ]);
  });
});

describe('parseUsageExport versions (I1)', () => {
  it('takes the largest updated_at of an account-day, in any row order', async () => {
    const result = await accepted(
      `${HEADER}\nA,s,k,2026-03-01,RUB,1,0,1773000500\nA,s2,k,2026-03-01,RUB,1,0,1773000900\nA,s,k,2026-03-01,RUB,1,0,1773000100\nB,s,k,2026-03-01,RUB,1,0,7\n`,
    );
    expect(result.accountDays.map((d) => [d.accountId, d.version])).toEqual([
      ['A', 1773000900],
      ['B', 7],
    ]);
  });

  it('rejects an empty updated_at cell even with a fallback version: the copy time must not outrank corrections', async () => {
    const result = await problemsOf(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,\nB,s,k,2026-03-01,RUB,1,0,1000\n`, { fallbackVersion: 500 });
    expect(result.problems).toEqual([{ line: 2, column: 'updated_at', reason: expect.stringContaining('is empty') }]);
  });

  it('rejects an empty updated_at cell when there is no fallback version', async () => {
    const result = await problemsOf(`${HEADER}\nA,s,k,2026-03-01,RUB,1,0,\n`);
    expect(result.problems).toEqual([{ line: 2, column: 'updated_at', reason: expect.stringContaining('is empty') }]);
  });

  it('rejects a file without updated_at when there is no fallback version', async () => {
    const result = await problemsOf('billing_account_id,service_id,sku_id,date,currency,cost,credit\nA,s,k,2026-03-01,RUB,1,0\n');
    expect(result.problems).toEqual([
      { line: 1, column: 'updated_at', reason: expect.stringContaining('no updated_at column and no fallback version') },
    ]);
  });

  it('rejects an updated_at that is not a non-negative integer', async () => {
    const result = await problemsOf(
      `${HEADER}\nA,s,k,2026-03-01,RUB,1,0,-5\nA,s,k,2026-03-01,RUB,1,0,1773000000.5\nA,s,k,2026-03-01,RUB,1,0,2026-03-01T00:00:00Z\n`,
    );
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [2, 'updated_at'],
      [3, 'updated_at'],
      [4, 'updated_at'],
    ]);
  });
});

describe('parseUsageExport file shapes', () => {
  it('accepts a header-only file with zero account-days, with or without a line break', async () => {
    for (const text of [HEADER, `${HEADER}\r\n`]) {
      const result = await accepted(text);
      expect(result.accountDays).toEqual([]);
      expect(result.rows).toBe(0);
    }
  });

  it('skips blank lines in the middle and at the end but keeps physical line numbers', async () => {
    const result = await problemsOf(`${HEADER}\r\n\r\nA,s,k,2026-03-01,RUB,1,0,1\r\n\r\n\r\nA,s,k,2026-03-01,RUB,x,0,1\r\n\r\n`);
    expect(result.rows).toBe(2);
    expect(result.problems.map((p) => p.line)).toEqual([6]);
  });

  it('treats a quoted and an unquoted copy of the same id as one group', async () => {
    const result = await accepted(`${HEADER}\n"A",s,"k",2026-03-01,RUB,1,0,1\nA,"s",k,"2026-03-01",RUB,2,0,1\n`);
    expect(flat(result)[0]!.rows.map((r) => [r.service, r.sku, r.cost, r.rows])).toEqual([['s', 'k', '3', 2]]);
  });

  it('keeps ids that differ only in where one cell ends and the next begins apart', async () => {
    const result = await accepted(`${HEADER}\nA,ab,c,2026-03-01,RUB,1,0,1\nA,a,bc,2026-03-01,RUB,2,0,1\n`);
    expect(flat(result)[0]!.rows.map((r) => [r.service, r.sku, r.cost])).toEqual([
      ['a', 'bc', '2'],
      ['ab', 'c', '1'],
    ]);
  });

  it('gives each group the name its own rows carry when groups of one SKU name it differently, and still checks a name no group of that SKU had', async () => {
    const head = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,service_name,sku_name';
    const names = await accepted(
      [
        head,
        'A,s,k,2026-03-01,RUB,1,0,Сервис,Имя',
        'B,s,k,2026-03-01,RUB,1,0,Сервис 2,Другое имя',
        'C,s,k,2026-03-01,RUB,1,0,Сервис,Имя',
        'D,s,k,2026-03-01,RUB,1,0,Сервис,Имя',
        'D,s,k,2026-03-01,RUB,1,0,Сервис 2,Имя 2',
      ].join('\n'),
      { fallbackVersion: 1 },
    );
    expect(names.accountDays.map((d) => [d.accountId, d.rows[0]!.serviceName, d.rows[0]!.skuName])).toEqual([
      ['A', 'Сервис', 'Имя'],
      ['B', 'Сервис 2', 'Другое имя'],
      ['C', 'Сервис', 'Имя'],
      ['D', 'Сервис 2', 'Имя 2'],
    ]);
    const bad = await problemsOf([head, 'A,s,k,2026-03-01,RUB,1,0,Сервис,Имя', 'B,s,k,2026-03-01,RUB,1,0,Сервис,Им\u0007я'].join('\n'), {
      fallbackVersion: 1,
    });
    expect(bad.problems.map((p) => [p.line, p.column])).toEqual([[3, 'sku_name']]);
  });

  it('unescapes doubled quotes in ids and Cyrillic names', async () => {
    const result = await accepted(
      'billing_account_id,service_id,sku_id,date,currency,cost,credit,sku_name\n"acc""x""",s,k,2026-03-01,RUB,1,0,"Имя, ""в кавычках"""\n',
      { fallbackVersion: 1 },
    );
    expect(result.accountDays[0]!.accountId).toBe('acc"x"');
    expect(result.accountDays[0]!.rows[0]!.skuName).toBe('Имя, "в кавычках"');
  });

  it('sorts account-days by day and account and rows by service and sku, whatever the input order', async () => {
    const lines = [
      'B,s2,k1,2026-03-02,RUB,1,0,1',
      'A,s2,k2,2026-03-02,RUB,1,0,1',
      'B,s1,k1,2026-03-01,RUB,1,0,1',
      'A,s1,k9,2026-03-02,RUB,1,0,1',
      'A,s1,k1,2026-03-02,RUB,1,0,1',
      'A,s1,k1,2026-03-01,RUB,1,0,1',
    ];
    const forward = await accepted([HEADER, ...lines].join('\n'));
    const backward = await accepted([HEADER, ...lines.reverse()].join('\n'));
    expect(backward).toEqual(forward);
    expect(forward.accountDays.map((d) => `${d.accountId} ${d.day} ${d.rows.map((r) => `${r.serviceId}/${r.skuId}`).join(' ')}`)).toEqual([
      'A 2026-03-01 s1/k1',
      'B 2026-03-01 s1/k1',
      'A 2026-03-02 s1/k1 s1/k9 s2/k2',
      'B 2026-03-02 s2/k1',
    ]);
  });

  it('refuses decoded text chunks: the parser works on bytes', async () => {
    await expect(parseUsageExport(['a,b\n' as unknown as Uint8Array], NO_FALLBACK)).rejects.toThrow(TypeError);
  });
});

describe('parseUsageExport header names', () => {
  it('ignores unknown columns even when they are named like object properties', async () => {
    const result = await accepted(`constructor,toString,${HEADER},constructor\nx,y,A,s,k,2026-03-01,RUB,1,0,1,z\n`);
    expect(result.accountDays.map((d) => d.accountId)).toEqual(['A']);
  });
});
