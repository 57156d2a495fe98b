/** compareRules (issue 12): a quarter under the rules in force and under proposed rules, beside the ledger. */
import { describe, expect, it } from 'vitest';
import type { AccrualTotal } from '../../../shared/domain/accrual';
import type { Currency, LedgerEntry, LedgerKind } from '../../../shared/domain/model';
import { formatMoney, parseMoney } from '../../../shared/domain/money';
import { compareRules } from '../../../shared/domain/rules-impact';

const total = (partnerId: string, specialization: string, currency: Currency, amount: string): AccrualTotal => ({
  partnerId,
  specialization,
  currency,
  base: parseMoney(amount) * 10n,
  exact: 0n,
  amount: parseMoney(amount),
});

let seq = 0;
const entry = (partnerId: string, specialization: string, currency: Currency, amount: string, kind: LedgerKind): LedgerEntry => ({
  id: `e${++seq}`,
  partnerId,
  quarter: '2026-Q1',
  specialization,
  currency,
  seq,
  amount: parseMoney(amount),
  kind,
  runId: 'run-1',
  createdAt: '2026-04-01T03:00:00.000Z',
  actor: 'timer',
  note: '',
});

const shown = (lines: ReturnType<typeof compareRules>) =>
  lines.map((l) =>
    [l.partnerId, l.specialization, l.currency, l.posted, l.current, l.proposed, l.change].map((v) =>
      typeof v === 'bigint' ? formatMoney(v) : v,
    ),
  );

describe('compareRules', () => {
  it('sums accruals and adjustments per key as posted, leaves withdrawals out, and computes proposed − current', () => {
    const posted = [
      entry('p1', 'ml-ai', 'RUB', '10', 'accrual'),
      entry('p1', 'ml-ai', 'RUB', '-2.5', 'adjustment'),
      entry('p1', 'ml-ai', 'RUB', '-7', 'withdrawal'),
    ];
    const lines = compareRules(posted, [total('p1', 'ml-ai', 'RUB', '7.5')], [total('p1', 'ml-ai', 'RUB', '9.25')]);
    expect(shown(lines)).toEqual([['p1', 'ml-ai', 'RUB', '7.50', '7.50', '9.25', '1.75']]);
  });

  it('keeps a key that only one side has, with zero on the others, including one only the ledger holds', () => {
    const lines = compareRules(
      [entry('p3', 'data-platform', 'RUB', '4', 'accrual')],
      [total('p1', 'ml-ai', 'RUB', '5')],
      [total('p2', 'business-tools', 'RUB', '3')],
    );
    expect(shown(lines)).toEqual([
      ['p1', 'ml-ai', 'RUB', '0.00', '5.00', '0.00', '-5.00'],
      ['p2', 'business-tools', 'RUB', '0.00', '0.00', '3.00', '3.00'],
      ['p3', 'data-platform', 'RUB', '4.00', '0.00', '0.00', '0.00'],
    ]);
  });

  it('sums several lines of one key on each side', () => {
    const lines = compareRules(
      [],
      [total('p1', 'ml-ai', 'RUB', '1'), total('p1', 'ml-ai', 'RUB', '2')],
      [total('p1', 'ml-ai', 'RUB', '0.5'), total('p1', 'ml-ai', 'RUB', '0.25')],
    );
    expect(shown(lines)).toEqual([['p1', 'ml-ai', 'RUB', '0.00', '3.00', '0.75', '-2.25']]);
  });

  it('orders lines by partner, then specialization, then currency, whatever order they came in', () => {
    const current = [
      total('p2', 'ml-ai', 'RUB', '1'),
      total('p1', 'ml-ai', 'USD', '1'),
      total('p1', 'ml-ai', 'RUB', '1'),
      total('p1', 'data-platform', 'USD', '1'),
    ];
    expect(compareRules([], current, []).map((l) => `${l.partnerId} ${l.specialization} ${l.currency}`)).toEqual([
      'p1 data-platform USD',
      'p1 ml-ai RUB',
      'p1 ml-ai USD',
      'p2 ml-ai RUB',
    ]);
  });
});
