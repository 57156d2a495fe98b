/** Reconciliation (issue 12) details: the window's edges, names, credits, the order of mismatches and totals, the message. */
import { describe, expect, it } from 'vitest';
import { parseMoney } from '../../../shared/domain/money';
import { billingMismatchWarning, type BillingDay, type Mismatch, reconcileAccount } from '../../../shared/domain/reconciliation';
import { SPEECHSENSE, usage } from '../../support/domain-builders';

const window = { subaccountId: 'acc1', partnerId: 'p1', from: '2026-02-01', to: '2026-02-28' };
const b = (day: string, cost: string, over: Partial<BillingDay> = {}): BillingDay => ({
  serviceId: SPEECHSENSE,
  serviceName: 'SpeechSense',
  day,
  currency: 'RUB',
  cost: parseMoney(cost),
  credit: 0n,
  ...over,
});
const everything = () => true;
const zero = 0n;

describe('reconcileAccount', () => {
  it('counts the first and the last day of the window, and neither day outside it', () => {
    const { mismatches } = reconcileAccount(
      window,
      [b('2026-01-31', '1'), b('2026-02-01', '2'), b('2026-02-28', '3'), b('2026-03-01', '4')],
      [usage('acc1', '2026-01-31', SPEECHSENSE, '9'), usage('acc1', '2026-03-01', SPEECHSENSE, '9')],
      everything,
      zero,
    );
    expect(mismatches.map((m) => m.day)).toEqual(['2026-02-01', '2026-02-28']);
  });

  it('names a cell by the first non-empty service name either side gives, and sums the ingested credit into the paid total', () => {
    const { mismatches } = reconcileAccount(
      window,
      [b('2026-02-10', '10', { serviceName: '' })],
      [
        usage('acc1', '2026-02-10', SPEECHSENSE, '100', '-40', { serviceName: 'SpeechSense (export)' }),
        usage('acc1', '2026-02-10', SPEECHSENSE, '1', '0', { serviceName: 'Another name' }),
      ],
      everything,
      zero,
    );
    expect(mismatches.map((m) => [m.serviceName, m.billing, m.ingested])).toEqual([
      ['SpeechSense (export)', parseMoney('10'), parseMoney('61')],
    ]);
  });

  it('keeps the first name it saw for a cell', () => {
    const { mismatches } = reconcileAccount(
      window,
      [b('2026-02-10', '10', { serviceName: 'Billing name' })],
      [usage('acc1', '2026-02-10', SPEECHSENSE, '1', '0', { serviceName: 'Export name' })],
      everything,
      zero,
    );
    expect(mismatches[0]?.serviceName).toBe('Billing name');
  });

  it('orders mismatches by day, then service, then currency, and totals by currency', () => {
    const { account, mismatches } = reconcileAccount(
      window,
      [
        b('2026-02-11', '1', { serviceId: 'svc-a', currency: 'USD' }),
        b('2026-02-11', '1', { serviceId: 'svc-b' }),
        b('2026-02-11', '1', { serviceId: 'svc-a', currency: 'KZT' }),
        b('2026-02-10', '1', { serviceId: 'svc-z' }),
        b('2026-02-11', '1', { serviceId: 'svc-a' }),
      ],
      [],
      everything,
      zero,
    );
    expect(mismatches.map((m) => `${m.day} ${m.serviceId} ${m.currency}`)).toEqual([
      '2026-02-10 svc-z RUB',
      '2026-02-11 svc-a KZT',
      '2026-02-11 svc-a RUB',
      '2026-02-11 svc-a USD',
      '2026-02-11 svc-b RUB',
    ]);
    expect(account.totals.map((t) => t.currency)).toEqual(['KZT', 'RUB', 'USD']);
  });
});

describe('billingMismatchWarning', () => {
  const mismatch = (n: number): Mismatch => ({
    subaccountId: 'acc1',
    partnerId: 'p1',
    serviceId: SPEECHSENSE,
    serviceName: n === 1 ? '' : 'SpeechSense',
    day: `2026-02-0${n}`,
    currency: 'RUB',
    billing: parseMoney('10'),
    ingested: parseMoney('7.5'),
    difference: parseMoney('-2.5'),
  });
  const tolerance = parseMoney('0.01');

  it('names up to three mismatches, by service id when the name is empty, and lists each in full', () => {
    const w = billingMismatchWarning('2026-Q1', [1, 2, 3].map(mismatch), tolerance);
    expect(w?.message).toBe(
      `3 (subaccount, service, day) total(s) of 2026-Q1 differ from Billing's usage report by more than 0.01: ` +
        `acc1 ${SPEECHSENSE} 2026-02-01: Billing 10.00, ingested 7.50 RUB; acc1 SpeechSense 2026-02-02: Billing 10.00, ingested 7.50 RUB; ` +
        'acc1 SpeechSense 2026-02-03: Billing 10.00, ingested 7.50 RUB — re-ingest those days before posting',
    );
    expect((w!['mismatches'] as unknown[])[0]).toEqual({
      subaccountId: 'acc1',
      partnerId: 'p1',
      serviceId: SPEECHSENSE,
      day: '2026-02-01',
      currency: 'RUB',
      billing: '10.00',
      ingested: '7.50',
      difference: '-2.50',
    });
  });

  it('says how many more there are past three; all of them stay in the list', () => {
    const w = billingMismatchWarning('2026-Q1', [1, 2, 3, 4, 5].map(mismatch), tolerance);
    expect(w?.message).toMatch(/ingested 7\.50 RUB and 2 more \(all in "mismatches"\) — re-ingest those days before posting$/);
    expect(w?.message).not.toContain('2026-02-04');
    expect(w?.mismatches).toHaveLength(5);
  });
});
