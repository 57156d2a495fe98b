/**
 * UNLINKED_USAGE's list of subaccounts when several would earn the same rebate: ties are broken by
 * subaccount id, whatever order the rows arrive in, so an operator sees the same list every run.
 */
import { describe, expect, it } from 'vitest';
import { createUsageGuardScan } from '../../../shared/domain/accrual-guards';
import { parseRules } from '../../../shared/domain/rules';
import { SPEECHSENSE, usage } from '../../support/domain-builders';

const rules = parseRules({
  versions: [{ effectiveFrom: '2023-01-01', specializations: { 'ml-ai': { rate: '0.10', services: [SPEECHSENSE] } } }],
});

function unlinkedOrder(rows: [account: string, cost: string][]): string[] {
  const scan = createUsageGuardScan({ rules, quarter: '2026-Q1', links: [] });
  for (const [account, cost] of rows) scan.add(usage(account, '2026-01-10', SPEECHSENSE, cost));
  const [warning] = scan.finish();
  expect(warning?.code).toBe('UNLINKED_USAGE');
  return (warning!['subaccounts'] as { subaccountId: string }[]).map((s) => s.subaccountId);
}

describe('UNLINKED_USAGE subaccounts of equal rebate', () => {
  it('lists subaccounts of the same rebate by id, neither in arrival order nor in its reverse', () => {
    expect(
      unlinkedOrder([
        ['acc-d', '10.00'],
        ['acc-b', '10.00'],
        ['acc-c', '10.00'],
        ['acc-a', '10.00'],
      ]),
    ).toEqual(['acc-a', 'acc-b', 'acc-c', 'acc-d']);
  });

  it('puts a larger rebate first, and breaks ties by id among the rest', () => {
    expect(
      unlinkedOrder([
        ['acc-c', '10.00'],
        ['acc-a', '10.00'],
        ['acc-z', '10.01'],
        ['acc-b', '10.00'],
        ['acc-y', '9.99'],
      ]),
    ).toEqual(['acc-z', 'acc-a', 'acc-b', 'acc-c', 'acc-y']);
  });
});
