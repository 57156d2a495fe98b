/** Eligibility report (issue 12) from literals: paid consumption per quarter and year, thresholds, held periods. */
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
  eligibility: { thresholds: { 'ml-ai': { RUB: '150.00', USD: '10' } } },
});

it('sums paid consumption of linked days per quarter, whether the specialization is held or not', () => {
  const report = createEligibilityReport({
    rules,
    year: 2026,
    links: [link('p1', 'acc-1', '2026-01-01', '2026-09-30'), link('p2', 'acc-2', '2025-01-01')],
    specializations: [grant('p1', 'ml-ai', '2026-02-01'), grant('p2', 'ml-ai', '2024-01-01', '2025-12-31')],
  });
  report.add(usage('acc-1', '2026-01-10', SPEECHSENSE, '100.00', '-20.00'));
  report.add(usage('acc-1', '2026-05-10', SPEECHSENSE, '90.00'));
  report.add(usage('acc-1', '2026-10-10', SPEECHSENSE, '500.00')); // after the link ended
  report.add(usage('acc-1', '2026-07-01', CLICKHOUSE, '7.00'));
  report.add(usage('acc-1', '2025-12-31', SPEECHSENSE, '1000.00')); // another year
  report.add(usage('acc-2', '2026-03-01', 'dn2unmapped', '1000.00'));

  expect(report.finish()).toEqual({
    year: 2026,
    partners: [
      {
        partnerId: 'p1',
        specializations: [
          {
            specialization: 'data-platform',
            held: [],
            consumption: [{ currency: 'RUB', quarters: [0n, 0n, 7_000_000_000n, 0n], year: 7_000_000_000n, threshold: null, meets: null }],
          },
          {
            specialization: 'ml-ai',
            held: [{ from: '2026-02-01', to: null }],
            consumption: [
              {
                currency: 'RUB',
                quarters: [80_000_000_000n, 90_000_000_000n, 0n, 0n],
                year: 170_000_000_000n,
                threshold: 150_000_000_000n,
                meets: true,
              },
              { currency: 'USD', quarters: [0n, 0n, 0n, 0n], year: 0n, threshold: 10_000_000_000n, meets: false },
            ],
          },
        ],
      },
      { partnerId: 'p2', specializations: [] },
    ],
  });
});
