/** The optional rules sections of issue 12: guards (large-adjustment share, reconcile tolerance) and eligibility thresholds. */
import { expect, it } from 'vitest';
import { parseMoney, parseRate } from '../../../shared/domain/money';
import { parseRules, RulesValidationError } from '../../../shared/domain/rules';

const versions = [{ effectiveFrom: '2023-01-01', specializations: { 'ml-ai': { rate: '0.10', services: ['svc'] } } }];

it('defaults the large-adjustment share to 10% and the reconcile tolerance to one cent, with no eligibility thresholds', () => {
  const rules = parseRules({ versions });
  expect(rules.guards).toEqual({
    largeAdjustmentShare: parseRate('0.10'),
    largeAdjustmentShareText: '0.10',
    reconcileTolerance: parseMoney('0.01'),
  });
  expect(rules.eligibility).toBeUndefined();
  expect(rules.pendingServices).toEqual([]);
});

it('reads a configured share, tolerance and thresholds per specialization and currency', () => {
  const rules = parseRules({
    versions,
    guards: { largeAdjustmentShare: '0.25', reconcileTolerance: '1' },
    eligibility: { thresholds: { 'ml-ai': { RUB: '1000000', USD: '12000.50' } } },
  });
  expect(rules.guards?.largeAdjustmentShareText).toBe('0.25');
  expect(rules.guards?.reconcileTolerance).toBe(parseMoney('1'));
  expect([...(rules.eligibility?.thresholds.get('ml-ai') ?? [])]).toEqual([
    ['RUB', parseMoney('1000000')],
    ['USD', parseMoney('12000.50')],
  ]);
});

it('lists every bad value of the new sections', () => {
  const attempt = () =>
    parseRules(
      { versions, guards: { largeAdjustmentShare: '1.5' }, eligibility: { thresholds: { 'ml-ai': { EUR: '1', RUB: 'lots' } } } },
      'next.json',
    );
  expect(attempt).toThrow(RulesValidationError);
  try {
    attempt();
  } catch (error) {
    const problems = (error as RulesValidationError).problems.join('\n');
    expect(problems).toContain('guards.largeAdjustmentShare: rate must be between 0 and 1');
    expect(problems).toMatch(/eligibility\.thresholds\.ml-ai: unknown field|eligibility\.thresholds\.ml-ai: Unrecognized key.*EUR/);
    expect(problems).toMatch(/eligibility\.thresholds\.ml-ai\.RUB: expected a decimal string/);
  }
});
