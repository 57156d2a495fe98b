/** Rules and periods at their edges: empty periods, services an exclusion takes out, thresholds left unset, a minus inside a rate. */
import { describe, expect, it } from 'vitest';
import { periodsOverlap } from '../../../shared/domain/calendar';
import { parseRules } from '../../../shared/domain/rules';
import { CLICKHOUSE, COMPUTE, SPEECHSENSE } from '../../support/domain-builders';

describe('periodsOverlap', () => {
  it('finds no overlap with an empty period (it ends the day before it starts), on either side', () => {
    const cancelled = { from: '2026-01-05', to: '2026-01-04' };
    const open = { from: '2026-01-01', to: null };
    expect(periodsOverlap(cancelled, open)).toBe(false);
    expect(periodsOverlap(open, cancelled)).toBe(false);
    expect(periodsOverlap(open, { from: '2026-01-05', to: '2026-01-05' })).toBe(true);
  });
});

describe('parseRules', () => {
  const version = (extra: Record<string, unknown> = {}) => ({
    effectiveFrom: '2023-01-01',
    specializations: {
      'ml-ai': { rate: '0.10', services: [SPEECHSENSE, CLICKHOUSE] },
      'infrastructure-devops': { rate: '0.03', services: [COMPUTE] },
    },
    ...extra,
  });

  it('covers every listed service except the excluded ones', () => {
    const rules = parseRules({ versions: [version({ exclude: { services: [CLICKHOUSE] } })] });
    expect([...(rules.versions[0]?.coveredServices ?? [])].sort()).toEqual([COMPUTE, SPEECHSENSE].sort());
  });

  it('keeps only the currencies a threshold is set for', () => {
    const rules = parseRules({ versions: [version()], eligibility: { thresholds: { 'ml-ai': { RUB: '1000', USD: undefined } } } });
    expect([...(rules.eligibility?.thresholds.get('ml-ai') ?? [])]).toEqual([['RUB', 1_000_000_000_000n]]);
  });

  it('calls a rate negative only when it starts with a minus; a minus inside is a digits problem', () => {
    const problem = (rate: string) => {
      try {
        parseRules({ versions: [version({ specializations: { 'ml-ai': { rate, services: [SPEECHSENSE] } } })] });
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problem('- 0.1')).toMatch(/rate - 0\.1 is negative/);
    expect(problem('0-1')).toMatch(/expected a decimal string with at most \d+ fractional digits/);
    expect(problem('0-1')).not.toMatch(/negative/);
  });
});
