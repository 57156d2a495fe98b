/** Bulk links CSV (issue 12) at its edges: quotes, line endings, blank lines, header faults, one-day links, the summary text. */
import { describe, expect, it } from 'vitest';
import { csvRecords, describeProblems, parseLinkRows } from '../../../shared/domain/link-import';

const HEADER = 'partner_id,subaccount_id,from,to';

describe('csvRecords', () => {
  it('accepts a closing quote before a comma, a line break or the end, and faults text after it', () => {
    expect(csvRecords('"a","b"\r\n"c"\n"d"x,e\n"f"')).toEqual([
      { line: 1, fields: ['a', 'b'], fault: null },
      { line: 2, fields: ['c'], fault: null },
      { line: 3, fields: ['dx', 'e'], fault: 'text after a closing quote' },
      { line: 4, fields: ['f'], fault: null },
    ]);
  });

  it('ends records at a lone CR without eating the next line', () => {
    expect(csvRecords('a,b\rc,d\re')).toEqual([
      { line: 1, fields: ['a', 'b'], fault: null },
      { line: 2, fields: ['c', 'd'], fault: null },
      { line: 3, fields: ['e'], fault: null },
    ]);
  });

  it('skips blank lines in the middle, but keeps a lone unclosed quote as a faulty record', () => {
    expect(csvRecords('a\n\n\r\nb\n"')).toEqual([
      { line: 1, fields: ['a'], fault: null },
      { line: 4, fields: ['b'], fault: null },
      { line: 5, fields: [''], fault: 'a quoted field is not closed' },
    ]);
  });
});

describe('parseLinkRows edges', () => {
  it('strips a BOM before a quoted header cell and trims spaces around header names', () => {
    const text = `\uFEFF"partner_id", subaccount_id ,from,to\np1,acc-1,2026-01-01,\n`;
    expect(parseLinkRows(text)).toEqual({
      rows: [{ line: 2, partnerId: 'p1', subaccountId: 'acc-1', from: '2026-01-01', to: null }],
      problems: [],
    });
  });

  it('names only what is wrong with a header: missing, or repeated', () => {
    expect(parseLinkRows('partner_id,subaccount_id,from\n').problems).toEqual([
      { line: 1, column: null, reason: 'header: missing to (expected partner_id,subaccount_id,from,to, a header line is required)' },
    ]);
    expect(parseLinkRows(`${HEADER},to\n`).problems).toEqual([
      { line: 1, column: null, reason: 'header: repeated to (expected partner_id,subaccount_id,from,to, a header line is required)' },
    ]);
  });

  it('reports a row with an unclosed quote by its line, and accepts a one-day link', () => {
    expect(parseLinkRows(`${HEADER}\np1,acc-1,2026-01-01,2026-01-01\np1,"acc-2,2026-01-01,\n`)).toEqual({
      rows: [{ line: 2, partnerId: 'p1', subaccountId: 'acc-1', from: '2026-01-01', to: '2026-01-01' }],
      problems: [{ line: 3, column: null, reason: 'a quoted field is not closed' }],
    });
  });
});

it('describes the problems of a file one per line, with the column where there is one', () => {
  expect(
    describeProblems('links.csv', [
      { line: 3, column: 'to', reason: 'not a calendar day' },
      { line: 5, column: null, reason: 'expected 4 fields, found 2' },
    ]),
  ).toBe('links.csv: 2 problem(s), nothing imported\nline 3, column to: not a calendar day\nline 5: expected 4 fields, found 2');
});
