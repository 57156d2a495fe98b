/**
 * The SQLite store keeps each account-day's aggregates as the digested content text and reads it
 * back without JSON.parse on the common path. Whatever ids, names and sums an account-day holds,
 * what is read back is exactly what was written, and every line reads as JSON.parse reads it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentFields, decodeContent } from '../../shared/adapters/sqlite/row-schemas';
import { CURRENCIES, type UsageAggregate } from '../../shared/domain/model';
import { accountDayContent } from '../../shared/domain/replacement';

/** Texts that need JSON escaping as often as plain ones, and the separators of the line itself. */
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc
    .array(fc.constantFrom('a', 'Я', '"', '\\', '\n', '\t', '\u0000', '\u2028', '\ud800', '😀', ' ', ',', '[', ']', '","'), {
      maxLength: 8,
    })
    .map((parts) => parts.join('')),
);
const id = text.filter((t) => t !== '');

const aggregate = fc.record({
  accountId: fc.constant('dn2account'),
  day: fc.constant('2026-01-01'),
  serviceId: id,
  skuId: id,
  currency: fc.constantFrom(...CURRENCIES),
  cost: fc.bigInt({ min: -(10n ** 22n) + 1n, max: 10n ** 22n - 1n }),
  credit: fc.bigInt({ min: -(10n ** 22n) + 1n, max: 0n }),
  serviceName: text,
  skuName: text,
  rows: fc.integer({ min: 0, max: 2 ** 31 }),
});

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

describe('account-day content (SQLite)', () => {
  it('reads back exactly the aggregates written, in key order, for any ids, names and sums', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(aggregate, { minLength: 0, maxLength: 6, selector: (a) => `${a.serviceId}\u0000${a.skuId}\u0000${a.currency}` }),
        (rows: UsageAggregate[]) => {
          const content = accountDayContent(rows);
          const read = [...decodeContent({ day: '2026-01-01', account_id: 'dn2account', content })];
          const sorted = [...rows].sort((a, b) => cmp(a.serviceId, b.serviceId) || cmp(a.skuId, b.skuId) || cmp(a.currency, b.currency));
          expect(read).toEqual(sorted);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads any line as JSON.parse does, and gives undefined where JSON.parse throws', () => {
    const array = fc
      .array(
        fc.oneof(
          fc.string({ maxLength: 6 }),
          fc.constantFrom('a\tb', 'c\nd', 'e\u0001'),
          fc.integer({ min: -5, max: 99 }),
          fc.constant(null),
        ),
        {
          maxLength: 8,
        },
      )
      .map((a) => JSON.stringify(a));
    const line = fc.oneof(
      fc.string({ maxLength: 40 }),
      array,
      // A valid line with something after it, or cut short.
      fc.tuple(array, fc.constantFrom(']', ',1]', 'x', ' ', '"', ',', '1')).map(([a, junk]) => a + junk),
      fc.tuple(array, fc.nat()).map(([a, n]) => a.slice(0, n % (a.length + 1))),
      // Raw control characters where JSON must escape them.
      array.map((a) => a.replaceAll('\\t', '\t').replaceAll('\\n', '\n').replaceAll('\\u0001', '\u0001')),
      fc
        .array(fc.constantFrom('[', ']', '"', ',', '1', '01', '-1', 'a', ' ', '\\', '\t', '1.5', 'x"y'), { maxLength: 12 })
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(line, (text) => {
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expected = undefined;
        }
        expect(contentFields(text)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
