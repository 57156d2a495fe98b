/** The guards before posting (issue 12), from literals: each warning fires on its case and stays quiet otherwise. */
import { describe, expect, it } from 'vitest';
import {
  createUsageGuardScan,
  futureOrOpenData,
  largeAdjustments,
  missingExportDays,
  orderWarnings,
  settledFrom,
} from '../../../shared/domain/accrual-guards';
import type { PostingLine } from '../../../shared/domain/ledger';
import { parseMoney, parseRate } from '../../../shared/domain/money';
import { parseRules } from '../../../shared/domain/rules';
import { COMPUTE, link, SPEECHSENSE, usage } from '../../support/domain-builders';

const rules = parseRules({
  versions: [
    {
      effectiveFrom: '2023-01-01',
      specializations: {
        'ml-ai': { rate: '0.10', services: [SPEECHSENSE] },
        'infrastructure-devops': { rate: '0.03', services: [COMPUTE] },
      },
    },
  ],
  pendingServices: [{ specialization: 'infrastructure-devops', service: 'Cloud Functions' }],
});

function line(posted: string, amount: string): PostingLine {
  const p = parseMoney(posted);
  const a = parseMoney(amount);
  return { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', base: 0n, amount: a, posted: p, delta: a - p };
}

describe('MISSING_EXPORT_DAYS', () => {
  it('lists the days of a closed quarter without any export data', () => {
    const days = new Set<string>();
    for (let d = 1; d <= 31; d++) days.add(`2026-01-${String(d).padStart(2, '0')}`);
    for (let d = 1; d <= 28; d++) if (d !== 10 && d !== 11) days.add(`2026-02-${String(d).padStart(2, '0')}`);
    for (let d = 1; d <= 30; d++) days.add(`2026-03-${String(d).padStart(2, '0')}`);
    const w = missingExportDays('2026-Q1', '2026-05-15', days);
    expect(w).toMatchObject({ code: 'MISSING_EXPORT_DAYS', days: ['2026-02-10', '2026-02-11', '2026-03-31'] });
    expect(w?.message).toContain('3 day(s) of 2026-Q1 through 2026-03-31');
  });

  it('expects a running quarter only through yesterday and is quiet when every day arrived', () => {
    expect(missingExportDays('2026-Q2', '2026-04-03', new Set(['2026-04-01', '2026-04-02']))).toBeNull();
    expect(missingExportDays('2026-Q2', '2026-04-03', new Set(['2026-04-01']))).toMatchObject({ days: ['2026-04-02'] });
  });
});

describe('FUTURE_OR_OPEN_DATA', () => {
  it('counts a quarter as settled one month after it ends (R9)', () => {
    expect(settledFrom('2026-Q1')).toBe('2026-05-01');
    expect(settledFrom('2026-Q4')).toBe('2027-02-01');
  });

  it('warns about a quarter closed less than a month ago, and is quiet after', () => {
    expect(futureOrOpenData('2026-Q1', '2026-04-30', [])).toMatchObject({ code: 'FUTURE_OR_OPEN_DATA', settledFrom: '2026-05-01' });
    expect(futureOrOpenData('2026-Q1', '2026-04-30', [])?.message).toContain('until 2026-04-30');
    expect(futureOrOpenData('2026-Q1', '2026-05-01', [])).toBeNull();
  });

  it('warns about usage dated after today even for a settled quarter', () => {
    const w = futureOrOpenData('2026-Q1', '2026-06-01', ['2026-06-05']);
    expect(w).toMatchObject({ code: 'FUTURE_OR_OPEN_DATA', futureDays: ['2026-06-05'] });
    expect(w?.message).toContain('dated after today (2026-06-01, UTC+3) on 1 day(s): 2026-06-05');
  });
});

describe('LARGE_ADJUSTMENT', () => {
  const share = parseRate('0.10');
  it('flags a re-post that moves a posted amount by more than the share, either way', () => {
    const w = largeAdjustments([line('100.00', '110.01'), line('100.00', '110.00'), line('200.00', '0.00')], share, '0.10');
    expect(w?.lines).toEqual([
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', posted: '100.00', amount: '110.01', delta: '10.01' },
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', posted: '200.00', amount: '0.00', delta: '-200.00' },
    ]);
  });

  it('ignores first accruals and unchanged amounts', () => {
    expect(largeAdjustments([line('0.00', '500.00'), line('50.00', '50.00')], share, '0.10')).toBeNull();
  });
});

describe('UNLINKED_USAGE and PENDING_SERVICE', () => {
  const scan = () => createUsageGuardScan({ rules, quarter: '2026-Q1', links: [link('p1', 'acc-1', '2026-02-01')] });

  it('sums covered usage of unlinked days per currency with the rebate it would have earned', () => {
    const s = scan();
    s.add(usage('acc-1', '2026-01-15', SPEECHSENSE, '100.00')); // before its link: unlinked
    s.add(usage('acc-1', '2026-02-15', SPEECHSENSE, '999.00')); // linked
    s.add(usage('acc-2', '2026-03-01', COMPUTE, '50.00', '0', { currency: 'USD' }));
    s.add(usage('acc-3', '2026-03-01', 'dn2unknown', '70.00')); // covered by nothing: not a missed rebate
    const [w] = s.finish();
    expect(w).toMatchObject({
      code: 'UNLINKED_USAGE',
      amounts: [
        { currency: 'RUB', base: '100.00', rebate: '10.00' },
        { currency: 'USD', base: '50.00', rebate: '1.50' },
      ],
      subaccounts: [
        { subaccountId: 'acc-1', currency: 'RUB', from: '2026-01-15', to: '2026-01-15', base: '100.00', rebate: '10.00' },
        { subaccountId: 'acc-2', currency: 'USD', from: '2026-03-01', to: '2026-03-01', base: '50.00', rebate: '1.50' },
      ],
    });
  });

  it('reports usage under a pending service name (case-insensitive) that no id maps yet', () => {
    const s = scan();
    s.add(usage('acc-1', '2026-02-15', 'dn2functions', '40.00', '-10.00', { serviceName: 'cloud functions' }));
    expect(s.finish()).toEqual([
      expect.objectContaining({
        code: 'PENDING_SERVICE',
        services: [
          {
            service: 'Cloud Functions',
            specialization: 'infrastructure-devops',
            currency: 'RUB',
            base: '30.00',
            serviceIds: ['dn2functions'],
          },
        ],
      }),
    ]);
  });

  it('finds nothing when all covered usage is linked and no pending name appears', () => {
    const s = scan();
    s.add(usage('acc-1', '2026-02-15', SPEECHSENSE, '10.00'));
    s.add(usage('acc-1', '2026-01-15', 'dn2other', '10.00', '0', { serviceName: 'Monitoring' }));
    expect(s.finish()).toEqual([]);
  });
});

it('orders warnings by code whatever order they were found in', () => {
  const codes = orderWarnings([{ code: 'FUTURE_OR_OPEN_DATA', message: '' }, null, { code: 'MISSING_EXPORT_DAYS', message: '' }]).map(
    (w) => w.code,
  );
  expect(codes).toEqual(['MISSING_EXPORT_DAYS', 'FUTURE_OR_OPEN_DATA']);
});
