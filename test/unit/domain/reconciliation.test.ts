/** Reconciliation (issue 12) from literals: paid totals per service and day, the tolerance, the linked window. */
import { expect, it } from 'vitest';
import { parseMoney } from '../../../shared/domain/money';
import { billingMismatchWarning, reconcileAccount, type BillingDay } from '../../../shared/domain/reconciliation';
import { SPEECHSENSE, usage } from '../../support/domain-builders';

const window = { subaccountId: 'acc1', partnerId: 'p1', from: '2026-02-01', to: '2026-02-28' };
const b = (day: string, cost: string, credit = '0'): BillingDay => ({
  serviceId: SPEECHSENSE,
  serviceName: 'SpeechSense',
  day,
  currency: 'RUB',
  cost: parseMoney(cost),
  credit: parseMoney(credit),
});
const covered = (serviceId: string) => serviceId === SPEECHSENSE;

it('compares cost + credit per service and day, listing only differences beyond the tolerance inside the window', () => {
  const { account, mismatches } = reconcileAccount(
    window,
    [b('2026-02-10', '100.01'), b('2026-02-11', '50', '-10'), b('2026-01-31', '999'), { ...b('2026-02-12', '7'), serviceId: 'other' }],
    [
      usage('acc1', '2026-02-10', SPEECHSENSE, '100.00'),
      usage('acc1', '2026-02-12', SPEECHSENSE, '5.00'),
      usage('acc2', '2026-02-11', SPEECHSENSE, '40.00'),
    ],
    covered,
    parseMoney('0.01'),
  );
  expect(mismatches.map((m) => [m.day, m.billing, m.ingested, m.difference])).toEqual([
    ['2026-02-11', parseMoney('40'), 0n, parseMoney('-40')],
    ['2026-02-12', 0n, parseMoney('5'), parseMoney('5')],
  ]);
  expect(account.totals).toEqual([{ currency: 'RUB', billing: parseMoney('140.01'), ingested: parseMoney('105') }]);
  expect(account.mismatches).toBe(2);
  expect(billingMismatchWarning('2026-Q1', mismatches, parseMoney('0.01'))?.message).toMatch(
    /^2 \(subaccount, service, day\) total\(s\) of 2026-Q1 differ from Billing's usage report by more than 0\.01: acc1 SpeechSense 2026-02-11: Billing 40\.00, ingested 0\.00 RUB/,
  );
  expect(billingMismatchWarning('2026-Q1', [], 0n)).toBeNull();
});
