/** Eligibility report (issue 12) details: the year's edges, who is listed, thresholds met or not, and every order. */
import { expect, it } from 'vitest';
import { createEligibilityReport } from '../../../shared/domain/eligibility-report';
import { parseRules } from '../../../shared/domain/rules';
import { CLICKHOUSE, grant, link, SPEECHSENSE, usage } from '../../support/domain-builders';

const rules = parseRules({
  versions: [
    {
      effectiveFrom: '2023-01-01',
      specializations: { 'ml-ai': { rate: '0.10', services: [SPEECHSENSE] }, 'data-platform': { rate: '0.05', services: [CLICKHOUSE] } },
    },
  ],
  eligibility: { thresholds: { 'ml-ai': { RUB: '100', KZT: '0' } } },
});

it('counts the first and last day of the year only, and lists partners linked or holding in the year, in id order', () => {
  const report = createEligibilityReport({
    rules,
    year: 2026,
    links: [link('p3', 'acc-3', '2024-01-01', '2024-12-31'), link('p2', 'acc-2', '2025-01-01'), link('p1', 'acc-1', '2025-06-01')],
    specializations: [grant('p4', 'data-platform', '2026-12-31'), grant('p5', 'ml-ai', '2027-01-01')],
  });
  report.add(usage('acc-2', '2025-12-31', CLICKHOUSE, '1'));
  report.add(usage('acc-2', '2026-01-01', CLICKHOUSE, '2'));
  report.add(usage('acc-2', '2026-12-31', CLICKHOUSE, '3'));
  report.add(usage('acc-2', '2027-01-01', CLICKHOUSE, '4'));
  const { partners } = report.finish();

  expect(partners.map((p) => p.partnerId)).toEqual(['p1', 'p2', 'p4']);
  expect(partners[1]?.specializations).toEqual([
    {
      specialization: 'data-platform',
      held: [],
      consumption: [
        { currency: 'RUB', quarters: [2_000_000_000n, 0n, 0n, 3_000_000_000n], year: 5_000_000_000n, threshold: null, meets: null },
      ],
    },
  ]);
  expect(partners[2]?.specializations).toEqual([
    { specialization: 'data-platform', held: [{ from: '2026-12-31', to: null }], consumption: [] },
  ]);
});

it('meets a threshold reached exactly, not one missed, shows thresholds without consumption, and orders currencies', () => {
  const report = createEligibilityReport({
    rules,
    year: 2026,
    links: [link('p1', 'acc-1', '2025-01-01'), link('p2', 'acc-2', '2025-01-01')],
    specializations: [grant('p1', 'ml-ai', '2026-01-01'), grant('p2', 'ml-ai', '2026-03-01', '2026-05-31')],
  });
  report.add(usage('acc-1', '2026-02-01', SPEECHSENSE, '30', '0', { currency: 'USD' }));
  report.add(usage('acc-1', '2026-02-01', SPEECHSENSE, '100'));
  report.add(usage('acc-2', '2026-02-01', SPEECHSENSE, '99.999999999'));
  const [p1, p2] = report.finish().partners;

  expect(p1?.specializations).toEqual([
    {
      specialization: 'ml-ai',
      held: [{ from: '2026-01-01', to: null }],
      consumption: [
        { currency: 'KZT', quarters: [0n, 0n, 0n, 0n], year: 0n, threshold: 0n, meets: true },
        { currency: 'RUB', quarters: [100_000_000_000n, 0n, 0n, 0n], year: 100_000_000_000n, threshold: 100_000_000_000n, meets: true },
        { currency: 'USD', quarters: [30_000_000_000n, 0n, 0n, 0n], year: 30_000_000_000n, threshold: null, meets: null },
      ],
    },
  ]);
  expect(p2?.specializations[0]?.held).toEqual([{ from: '2026-03-01', to: '2026-05-31' }]);
  expect(p2?.specializations[0]?.consumption.map((c) => [c.currency, c.meets])).toEqual([
    ['KZT', true],
    ['RUB', false],
  ]);
});
