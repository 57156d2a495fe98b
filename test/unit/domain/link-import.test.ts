/** Bulk links CSV (issue 12): the whole file is checked, every problem with its line. */
import { describe, expect, it } from 'vitest';
import { checkLinkOverlaps, csvRecords, parseLinkRows } from '../../../shared/domain/link-import';
import { link } from '../../support/domain-builders';

describe('parseLinkRows', () => {
  it('reads the columns by name in any order, with quoting, a BOM, CRLF and an open end', () => {
    const text = '\uFEFFsubaccount_id,partner_id,from,to\r\n"acc,1",p1,2026-01-01,\r\nacc-2,"p ""two""",2026-02-01,2026-03-31\r\n';
    expect(parseLinkRows(text)).toEqual({
      rows: [
        { line: 2, partnerId: 'p1', subaccountId: 'acc,1', from: '2026-01-01', to: null },
        { line: 3, partnerId: 'p "two"', subaccountId: 'acc-2', from: '2026-02-01', to: '2026-03-31' },
      ],
      problems: [],
    });
  });

  it('requires the header and names what is missing or unknown', () => {
    expect(parseLinkRows('p1,acc-1,2026-01-01,\n').problems).toEqual([
      {
        line: 1,
        column: null,
        reason: expect.stringContaining('header: missing partner_id, subaccount_id, from, to; unknown p1, acc-1, 2026-01-01'),
      },
    ]);
    expect(parseLinkRows('').problems[0]?.reason).toContain('the file is empty');
    expect(parseLinkRows('partner_id,subaccount_id,from,to\n').problems).toEqual([
      { line: 1, column: null, reason: 'no links after the header' },
    ]);
  });

  it('collects every bad row with line and column, counting quoted line breaks', () => {
    const text = [
      'partner_id,subaccount_id,from,to',
      'p1,"acc\n1",2026-01-01,',
      'p1,,2026-02-30,',
      'p1,acc-3,2026-03-01,2026-02-01',
      'p1,acc-4',
      ' p1,acc-5,2026-01-01,',
    ].join('\n');
    expect(parseLinkRows(text).problems).toEqual([
      { line: 2, column: 'subaccount_id', reason: 'a billing account id must not contain control characters' },
      { line: 4, column: 'subaccount_id', reason: 'a billing account id is empty' },
      { line: 4, column: 'from', reason: 'not a calendar day (expected YYYY-MM-DD)' },
      { line: 5, column: 'to', reason: 'the link ends (2026-02-01) before it starts (2026-03-01)' },
      { line: 6, column: null, reason: 'expected 4 fields, found 2' },
      { line: 7, column: 'partner_id', reason: 'a partner id must not start or end with spaces' },
    ]);
  });

  it('reports an unclosed quote', () => {
    expect(csvRecords('a,"b\nc')).toEqual([{ line: 1, fields: ['a', 'b\nc'], fault: 'a quoted field is not closed' }]);
  });
});

describe('checkLinkOverlaps (R3)', () => {
  const rows = parseLinkRows(
    [
      'partner_id,subaccount_id,from,to',
      'p1,acc-1,2026-01-01,2026-03-31',
      'p2,acc-1,2026-03-01,',
      'p3,acc-9,2026-01-01,',
      'p1,acc-2,2026-01-01,',
    ].join('\n'),
  ).rows;

  it('finds overlaps within the file and with stored links, by line', () => {
    expect(checkLinkOverlaps(rows, [link('p7', 'acc-9', '2025-01-01', '2025-12-31'), link('p8', 'acc-2', '2025-06-01')])).toEqual([
      { line: 3, column: null, reason: 'subaccount acc-1 2026-03-01..open end overlaps line 2 (p1 2026-01-01..2026-03-31)' },
      {
        line: 5,
        column: null,
        reason: expect.stringMatching(
          /^subaccount acc-2 is already linked to partner p8 from 2025-06-01 to open end.*\(stored link link-p8-acc-2-2025-06-01\)$/,
        ),
      },
    ]);
  });
});
