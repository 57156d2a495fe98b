/**
 * The account-day digest is stored (I1's tiebreak) and compared with digests computed by earlier
 * releases, so its bytes must never change: whatever ids, names and sums an account-day holds,
 * it equals the first release's definition — SHA-256 over one JSON.stringify array per aggregate
 * and line — although it is built without JSON.stringify for speed.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCIES, type UsageAggregate } from '../../shared/domain/model';
import { accountDayDigest } from '../../shared/domain/replacement';

/** The first release's digest, written the plain way. */
function referenceDigest(rows: readonly UsageAggregate[]): string {
  const sorted = [...rows].sort((a, b) => cmp(a.serviceId, b.serviceId) || cmp(a.skuId, b.skuId) || cmp(a.currency, b.currency));
  const hash = createHash('sha256');
  for (const r of sorted)
    hash.update(
      `${JSON.stringify([r.serviceId, r.skuId, r.currency, r.cost.toString(), r.credit.toString(), r.rows, r.serviceName, r.skuName])}\n`,
    );
  return hash.digest('hex');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Texts that need JSON escaping as often as plain ones: quotes, backslashes, controls, lone and paired surrogates. */
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc
    .array(fc.constantFrom('a', 'Я', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '😀', ' '), {
      maxLength: 8,
    })
    .map((parts) => parts.join('')),
);

const aggregate = fc.record({
  accountId: fc.constant('dn2account'),
  day: fc.constant('2026-01-01'),
  serviceId: text,
  skuId: text,
  currency: fc.constantFrom(...CURRENCIES),
  cost: fc.bigInt({ min: -(10n ** 22n) + 1n, max: 10n ** 22n - 1n }),
  credit: fc.bigInt({ min: -(10n ** 22n) + 1n, max: 0n }),
  serviceName: text,
  skuName: text,
  rows: fc.integer({ min: 1, max: 2 ** 31 }),
});

describe('account-day digest', () => {
  it('equals the first release definition (JSON.stringify lines, SHA-256) for any ids, names and sums', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(aggregate, { minLength: 1, maxLength: 5, selector: (a) => `${a.serviceId}\u0000${a.skuId}\u0000${a.currency}` }),
        (rows) => {
          expect(accountDayDigest(rows)).toBe(referenceDigest(rows));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
