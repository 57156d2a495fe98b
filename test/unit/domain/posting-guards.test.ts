/** The checks a posting plan passes before anything is appended: Decimal(22,9) range and dropped-specialization reversals. */
import { describe, expect, it } from 'vitest';
import type { PostingLine } from '../../../shared/domain/ledger';
import { parseMoney } from '../../../shared/domain/money';
import { amountOutOfRange, droppedSpecializationReversals } from '../../../shared/domain/posting-guards';
import { CLICKHOUSE, rulesWith, SPEECHSENSE } from '../../support/domain-builders';

/** 10^13 units in nano-units: the first magnitude Decimal(22,9) cannot hold. */
const LIMIT = 10n ** 22n;

const line = (over: Partial<PostingLine> = {}): PostingLine => ({
  partnerId: 'p1',
  specialization: 'ml-ai',
  currency: 'RUB',
  base: parseMoney('100'),
  amount: parseMoney('10'),
  posted: parseMoney('4'),
  delta: parseMoney('6'),
  ...over,
});

describe('amountOutOfRange (Decimal(22,9))', () => {
  it('accepts amounts, deltas and posted sums of 13 integer digits, either sign', () => {
    const max = LIMIT - 1n;
    expect(amountOutOfRange([line({ amount: max, posted: -max, delta: max }), line({ amount: 0n, posted: max, delta: -max })])).toBeNull();
  });

  it.each([
    ['amount', { amount: LIMIT }, '10000000000000.00'],
    ['amount', { amount: -LIMIT }, '-10000000000000.00'],
    ['delta', { delta: LIMIT }, '10000000000000.00'],
    ['delta', { delta: -LIMIT - 1n }, '-10000000000000.000000001'],
    ['posted', { posted: LIMIT }, '10000000000000.00'],
    ['posted', { posted: -LIMIT }, '-10000000000000.00'],
  ] as const)('names the %s %s of the line that does not fit', (name, over, shown) => {
    expect(amountOutOfRange([line(), line({ partnerId: 'p2', currency: 'USD', ...over })])).toBe(
      `p2 ml-ai USD: the ${name} ${shown} does not fit Decimal(22,9) (at most 13 integer digits); check the usage data of this partner — nothing was posted`,
    );
  });

  it('names the amount before the delta and the first line out of range before a later one', () => {
    const result = amountOutOfRange([line({ partnerId: 'p1', delta: LIMIT, amount: LIMIT }), line({ partnerId: 'p2', amount: LIMIT })]);
    expect(result).toMatch(/^p1 ml-ai RUB: the amount 10000000000000\.00 /);
  });
});

describe('droppedSpecializationReversals', () => {
  // ml-ai until 2026-03-31; from 2026-04-01 the rules define data-platform only.
  const rules = rulesWith(
    { effectiveFrom: '2023-01-01' },
    { effectiveFrom: '2026-04-01', specializations: { 'data-platform': { rate: '0.05', services: [CLICKHOUSE] } } },
  );
  const reversal = line({ amount: 0n, posted: parseMoney('10'), delta: parseMoney('-10') });

  it('announces a reversal of a posted rebate whose specialization the quarter’s rules no longer define', () => {
    expect(droppedSpecializationReversals(rules, '2026-Q3', [reversal])).toEqual([
      {
        partnerId: 'p1',
        specialization: 'ml-ai',
        currency: 'RUB',
        posted: parseMoney('10'),
        delta: parseMoney('-10'),
        message:
          'p1 ml-ai RUB: the rules in force for 2026-Q3 no longer define ml-ai; posting reverses the 10.00 already posted (delta -10.00)',
      },
    ]);
  });

  it('is silent while the specialization is defined on some day of the quarter', () => {
    // In force on 2026-01-01 (the quarter's first day), and until 2026-03-31.
    expect(droppedSpecializationReversals(rules, '2026-Q1', [reversal])).toEqual([]);
    // Defined by a version that only starts on the quarter's last day.
    const lateDefinition = rulesWith(
      { effectiveFrom: '2023-01-01', specializations: { 'data-platform': { rate: '0.05', services: [CLICKHOUSE] } } },
      { effectiveFrom: '2026-06-30', specializations: { 'ml-ai': { rate: '0.10', services: [SPEECHSENSE] } } },
    );
    expect(droppedSpecializationReversals(lateDefinition, '2026-Q2', [reversal])).toEqual([]);
    // A version that starts the day after the quarter does not count for it.
    const tooLate = rulesWith(
      { effectiveFrom: '2023-01-01', specializations: { 'data-platform': { rate: '0.05', services: [CLICKHOUSE] } } },
      { effectiveFrom: '2026-07-01', specializations: { 'ml-ai': { rate: '0.10', services: [SPEECHSENSE] } } },
    );
    expect(droppedSpecializationReversals(tooLate, '2026-Q2', [reversal]).map((w) => w.specialization)).toEqual(['ml-ai']);
  });

  it('counts versions that start inside the quarter when no version is in force on its first day', () => {
    const startsMidQuarter = rulesWith({ effectiveFrom: '2026-02-01' });
    expect(droppedSpecializationReversals(startsMidQuarter, '2026-Q1', [reversal])).toEqual([]);
    expect(droppedSpecializationReversals(startsMidQuarter, '2026-Q1', [{ ...reversal, specialization: 'gone' }])).toHaveLength(1);
  });

  it('ignores lines that do not reverse a posted amount: no change, an increase, or nothing posted', () => {
    const lines = [
      line({ amount: parseMoney('10'), posted: parseMoney('10'), delta: 0n }),
      line({ amount: parseMoney('12'), posted: parseMoney('10'), delta: parseMoney('2') }),
      line({ amount: 0n, posted: 0n, delta: parseMoney('-1') }),
    ];
    expect(droppedSpecializationReversals(rules, '2026-Q3', lines)).toEqual([]);
  });
});
