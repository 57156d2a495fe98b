/**
 * Every YQL text the adapter can send, and the schema DDL, pass the lint; the lint itself fails
 * on each kind of violation it exists to catch.
 */
import { describe, expect, it } from 'vitest';
import { YDB_QUERIES, queryName } from '../../shared/adapters/ydb/queries';
import { YDB_TABLES } from '../../shared/adapters/ydb/schema';
import { HANDLERS } from './fake/queries';
import { lintYql } from './yql-lint';

const TABLES = new Set(YDB_TABLES.map((t) => t.name));
const QUERIES = Object.entries(YDB_QUERIES).filter((entry): entry is [string, string] => typeof entry[1] === 'string');

describe('adapter queries', () => {
  it('exports at least the queries of every store part', () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(19);
  });

  it.each(QUERIES)('%s passes the YQL lint', (_name, text) => {
    expect(lintYql(text, TABLES)).toEqual([]);
  });

  it('names every query uniquely, and the protocol fake implements each name', () => {
    const names = QUERIES.map(([, text]) => queryName(text));
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => HANDLERS[name] === undefined)).toEqual([]);
  });
});

describe('schema DDL', () => {
  it.each(YDB_TABLES.map((t) => [t.name, t.ddl] as const))('%s passes the YQL lint', (_name, ddl) => {
    expect(lintYql(ddl, TABLES)).toEqual([]);
  });

  it('stores money as Decimal(22,9) and days as Date', () => {
    const ddl = YDB_TABLES.map((t) => t.ddl).join('\n');
    for (const money of ['cost', 'credit', 'amount']) expect(ddl).toMatch(new RegExp(`\\b${money} Decimal\\(22,9\\)`));
    for (const day of ['day Date', 'from_day Date', 'to_day Date']) expect(ddl).toContain(day);
  });
});

describe('the lint catches', () => {
  const cases: [string, string, RegExp][] = [
    ['template interpolation', 'DECLARE $id AS Utf8;\nSELECT id FROM subaccount_links WHERE id = ${id};', /template interpolation/],
    ['a string literal in place of a parameter', "SELECT id FROM subaccount_links WHERE id = 'l-1';", /string literal 'l-1'/],
    ['a parameter used without DECLARE', 'SELECT id FROM subaccount_links WHERE id = $id;', /\$id is used but not DECLAREd/],
    ['a DECLARE nobody uses', 'DECLARE $id AS Utf8;\nSELECT id FROM subaccount_links;', /\$id is DECLAREd but never used/],
    [
      'a parameter declared twice',
      'DECLARE $id AS Utf8;\nDECLARE $id AS Utf8;\nSELECT id FROM subaccount_links WHERE id = $id;',
      /declared twice/,
    ],
    [
      'an unparseable DECLARE type',
      'DECLARE $rows AS List<Struct<id: Utf8>;\nUPSERT INTO subaccount_links SELECT id FROM AS_TABLE($rows);',
      /DECLARE \$rows/,
    ],
    ['an unknown type', 'DECLARE $n AS Float;\nSELECT id FROM subaccount_links WHERE n = $n;', /unknown type "Float"/],
    ['unbalanced brackets', 'DECLARE $id AS Utf8;\nSELECT id FROM subaccount_links WHERE (id = $id;', /unclosed "\("/],
    ['a closing bracket too many', 'DECLARE $id AS Utf8;\nSELECT id FROM subaccount_links WHERE id = $id);', /unbalanced "\)"/],
    ['a statement of another kind', 'DROP TABLE subaccount_links;', /not one of DECLARE\/SELECT/],
    ['clauses out of order', 'DECLARE $id AS Utf8;\nSELECT id FROM subaccount_links ORDER BY id WHERE id = $id;', /out of order/],
    ['a JOIN without ON', 'SELECT v.day FROM account_day_versions AS v INNER JOIN usage_aggregates AS u;', /JOIN .* without ON/],
    ['an alias no FROM defines', 'SELECT x.day FROM account_day_versions AS v;', /"x\.day" uses an alias/],
    ['an unknown table', 'SELECT id FROM links;', /unknown table "links"/],
    ['a missing semicolon', 'SELECT id FROM subaccount_links', /does not end with ";"/],
    ['an UPSERT without INTO … SELECT', 'DECLARE $id AS Utf8;\nUPSERT subaccount_links VALUES ($id);', /UPSERT: expected/],
    ['a CREATE TABLE without primary key', 'CREATE TABLE t (id Utf8);', /no PRIMARY KEY/],
    ['a key column that is not declared', 'CREATE TABLE t (id Utf8, PRIMARY KEY (key));', /key column key is not declared/],
    [
      'a LIMIT above a JOIN (pages that re-read everything after the cursor)',
      'DECLARE $limit AS Uint64;\nSELECT u.day FROM account_day_versions AS v INNER JOIN usage_aggregates AS u ON u.day = v.day ORDER BY u.day LIMIT $limit;',
      /LIMIT above a JOIN/,
    ],
    [
      'an optional filter that is not a key range',
      'DECLARE $p AS Optional<Utf8>;\nSELECT id FROM subaccount_links WHERE ($p IS NULL OR partner_id = $p);',
      /one query per access path/,
    ],
    [
      'an index column that is not declared',
      'CREATE TABLE t (id Utf8, INDEX by_x GLOBAL SYNC ON (x), PRIMARY KEY (id));',
      /index column x is not declared/,
    ],
  ];

  it.each(cases)('%s', (_what, text, problem) => {
    const issues = lintYql(text, TABLES);
    expect(
      issues.some((issue) => problem.test(issue)),
      issues.join('\n'),
    ).toBe(true);
  });
});
