/** The guards' messages and lists as an operator reads them: long lists cut at ten, fixed orders, exact wording. */
import { describe, expect, it } from 'vitest';
import { createUsageGuardScan, futureOrOpenData, missingExportDays } from '../../../shared/domain/accrual-guards';
import { parseRules } from '../../../shared/domain/rules';
import { COMPUTE, link, SPEECHSENSE, usage } from '../../support/domain-builders';

const days = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `2026-01-${String(from + i).padStart(2, '0')}`);
/** Every day of 2026-Q1 except the given January days. */
const allBut = (missing: string[]) => {
  const set = new Set<string>();
  for (let d = new Date('2026-01-01T00:00:00Z'); d <= new Date('2026-03-31T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1))
    set.add(d.toISOString().slice(0, 10));
  for (const m of missing) set.delete(m);
  return set;
};

describe('warning lists', () => {
  it('lists up to ten items in full', () => {
    const w = missingExportDays('2026-Q1', '2026-06-01', allBut(days(1, 10)));
    expect(w?.message).toBe(
      `10 day(s) of 2026-Q1 through 2026-03-31 have no export data at all: ${days(1, 10).join(', ')} — ingest them before posting`,
    );
  });

  it('lists the first ten of a longer list and says how many more there are', () => {
    const w = missingExportDays('2026-Q1', '2026-06-01', allBut(days(1, 12)));
    expect(w?.days).toEqual(days(1, 12));
    expect(w?.message).toBe(
      `12 day(s) of 2026-Q1 through 2026-03-31 have no export data at all: ${days(1, 10).join(', ')} and 2 more — ingest them before posting`,
    );
  });
});

describe('FUTURE_OR_OPEN_DATA wording', () => {
  it('says a running quarter has not ended, through its last day', () => {
    expect(futureOrOpenData('2026-Q1', '2026-03-31', [])?.message).toBe(
      '2026-Q1 has not ended: Billing may still change its files until 2026-04-30 (R9); re-post after that',
    );
  });

  it('says a quarter closed less than a month ago from the day after its end', () => {
    expect(futureOrOpenData('2026-Q1', '2026-04-01', [])?.message).toBe(
      '2026-Q1 closed less than a month ago: Billing may still change its files until 2026-04-30 (R9); re-post after that',
    );
  });

  it('names future-dated usage first and the open quarter second, and only the future days once settled', () => {
    expect(futureOrOpenData('2026-Q1', '2026-04-02', ['2026-04-03'])?.message).toBe(
      'usage is dated after today (2026-04-02, UTC+3) on 1 day(s): 2026-04-03; 2026-Q1 closed less than a month ago: Billing may still change its files until 2026-04-30 (R9); re-post after that',
    );
    expect(futureOrOpenData('2026-Q1', '2026-06-01', ['2026-06-02', '2026-06-03'])?.message).toBe(
      'usage is dated after today (2026-06-01, UTC+3) on 2 day(s): 2026-06-02, 2026-06-03',
    );
  });
});

describe('UNLINKED_USAGE and PENDING_SERVICE details', () => {
  const rules = (basis: 'paid' | 'cost') =>
    parseRules({
      versions: [
        {
          effectiveFrom: '2023-01-01',
          basis,
          specializations: {
            'ml-ai': { rate: '0.10', services: [SPEECHSENSE] },
            'infrastructure-devops': { rate: '0.03', services: [COMPUTE] },
          },
        },
      ],
      pendingServices: [
        { specialization: 'infrastructure-devops', service: 'Cloud Functions' },
        { specialization: 'ml-ai', service: 'API Gateway' },
      ],
    });
  const scan = (basis: 'paid' | 'cost' = 'paid') =>
    createUsageGuardScan({ rules: rules(basis), quarter: '2026-Q1', links: [link('p1', 'linked', '2025-01-01')] });

  it('spans each unlinked subaccount from its first to its last day whatever order the rows come in, and skips days outside the quarter', () => {
    const s = scan();
    s.add(usage('acc-1', '2026-02-10', SPEECHSENSE, '10.00'));
    s.add(usage('acc-1', '2026-01-05', SPEECHSENSE, '10.00'));
    s.add(usage('acc-1', '2026-03-20', SPEECHSENSE, '10.00'));
    s.add(usage('acc-1', '2026-02-01', SPEECHSENSE, '10.00'));
    s.add(usage('acc-1', '2025-12-31', SPEECHSENSE, '1000.00'));
    s.add(usage('acc-1', '2026-04-01', SPEECHSENSE, '1000.00'));
    const [w] = s.finish();
    expect(w?.subaccounts).toEqual([
      { subaccountId: 'acc-1', currency: 'RUB', from: '2026-01-05', to: '2026-03-20', base: '40.00', rebate: '4.00' },
    ]);
  });

  it('lists subaccounts by the rebate they would earn, largest first, then by id; amounts by currency; in the message too', () => {
    const s = scan();
    s.add(usage('acc-b', '2026-01-10', SPEECHSENSE, '10.00'));
    s.add(usage('acc-z', '2026-01-10', SPEECHSENSE, '30.00', '0', { currency: 'USD' }));
    s.add(usage('acc-a', '2026-01-11', SPEECHSENSE, '10.00'));
    s.add(usage('acc-c', '2026-01-12', SPEECHSENSE, '20.00', '0', { currency: 'KZT' }));
    const [w] = s.finish();
    expect((w!['subaccounts'] as { subaccountId: string }[]).map((a) => a.subaccountId)).toEqual(['acc-z', 'acc-c', 'acc-a', 'acc-b']);
    expect((w!['amounts'] as { currency: string }[]).map((a) => a.currency)).toEqual(['KZT', 'RUB', 'USD']);
    expect(w?.message).toBe(
      'usage of covered services by subaccounts linked to no partner on those days would earn 2.00 KZT, 2.00 RUB, 3.00 USD if a link is missing: ' +
        'acc-z 2026-01-10..2026-01-10 (3.00 USD), acc-c 2026-01-12..2026-01-12 (2.00 KZT), acc-a 2026-01-11..2026-01-11 (1.00 RUB), acc-b 2026-01-10..2026-01-10 (1.00 RUB)',
    );
  });

  it('takes cost alone as the basis when the rules say so, cost plus credit when paid', () => {
    const cost = scan('cost');
    cost.add(usage('acc-1', '2026-01-10', SPEECHSENSE, '100.00', '-40.00'));
    const paid = scan('paid');
    paid.add(usage('acc-1', '2026-01-10', SPEECHSENSE, '100.00', '-40.00'));
    expect(cost.finish()[0]?.amounts).toEqual([{ currency: 'RUB', base: '100.00', rebate: '10.00' }]);
    expect(paid.finish()[0]?.amounts).toEqual([{ currency: 'RUB', base: '60.00', rebate: '6.00' }]);
  });

  it('matches a pending service name with surrounding spaces, and lists services by name, then currency, with their ids sorted', () => {
    const s = scan();
    s.add(usage('acc-1', '2026-01-10', 'dn2zeta', '5.00', '0', { serviceName: '  CLOUD functions ', currency: 'USD' }));
    s.add(usage('acc-1', '2026-01-10', 'dn2zeta', '5.00', '0', { serviceName: 'Cloud Functions' }));
    s.add(usage('acc-1', '2026-01-11', 'dn2alpha', '5.00', '0', { serviceName: 'cloud functions' }));
    s.add(usage('acc-1', '2026-01-11', 'dn2gw', '7.00', '0', { serviceName: 'API Gateway' }));
    const [w] = s.finish();
    expect(w?.services).toEqual([
      { service: 'API Gateway', specialization: 'ml-ai', currency: 'RUB', base: '7.00', serviceIds: ['dn2gw'] },
      {
        service: 'Cloud Functions',
        specialization: 'infrastructure-devops',
        currency: 'RUB',
        base: '10.00',
        serviceIds: ['dn2alpha', 'dn2zeta'],
      },
      { service: 'Cloud Functions', specialization: 'infrastructure-devops', currency: 'USD', base: '5.00', serviceIds: ['dn2zeta'] },
    ]);
  });
});
