/** Bulk links CSV (issue 12): a row whose first cell is empty is a record to check, not a blank line to skip. */
import { describe, expect, it } from 'vitest';
import { csvRecords, parseLinkRows } from '../../../shared/domain/link-import';

describe('a record with an empty first cell', () => {
  it('is kept as a record with all its fields', () => {
    expect(csvRecords('a,b\n,b\n\n')).toEqual([
      { line: 1, fields: ['a', 'b'], fault: null },
      { line: 2, fields: ['', 'b'], fault: null },
    ]);
  });

  it('is reported as a row with an empty partner id, by its line', () => {
    expect(parseLinkRows('partner_id,subaccount_id,from,to\n,acc-1,2026-01-01,\n')).toEqual({
      rows: [],
      problems: [{ line: 2, column: 'partner_id', reason: 'a partner id is empty' }],
    });
  });
});
