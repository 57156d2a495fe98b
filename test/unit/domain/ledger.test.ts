import { describe, expect, it } from 'vitest';
import type { AccrualLine } from '../../../shared/domain/accrual';
import { balances, planPosting } from '../../../shared/domain/ledger';
import type { LedgerEntry } from '../../../shared/domain/model';
import { formatMoney, parseMoney } from '../../../shared/domain/money';

const meta = (runId: string) => ({ quarter: '2026-Q1', runId, createdAt: '2026-04-01T03:00:00.000Z', actor: 'timer', note: '' });
const line = (amount: string, partnerId = 'p1', currency: 'RUB' | 'USD' = 'RUB'): AccrualLine => ({
  partnerId,
  specialization: 'ml-ai',
  currency,
  base: parseMoney(amount) * 10n,
  exact: 0n,
  amount: parseMoney(amount),
  details: [],
});

function post(lines: AccrualLine[], ledger: LedgerEntry[], runId: string) {
  const plan = planPosting(lines, ledger, meta(runId));
  ledger.push(...plan.entries);
  return plan;
}

describe('ledger postings (R7) and balances (R8)', () => {
  it('posts an accrual first, then nothing when re-posted with unchanged inputs', () => {
    const ledger: LedgerEntry[] = [];
    const first = post([line('12.35')], ledger, 'run-1');
    expect(first.entries.map((e) => [e.kind, formatMoney(e.amount), e.seq, e.id])).toEqual([
      ['accrual', '12.35', 1, 'p1/2026-Q1/ml-ai/RUB/1'],
    ]);
    const again = post([line('12.35')], ledger, 'run-2');
    expect(again.entries).toEqual([]);
    expect(again.lines.map((l) => [formatMoney(l.posted), formatMoney(l.delta)])).toEqual([['12.35', '0.00']]);
    expect(ledger).toHaveLength(1);
  });

  it('appends the difference as an adjustment, negative when the amount went down', () => {
    const ledger: LedgerEntry[] = [];
    post([line('12.35')], ledger, 'run-1');
    post([line('15.00')], ledger, 'run-2');
    post([line('14.00')], ledger, 'run-3');
    expect(ledger.map((e) => [e.kind, formatMoney(e.amount), e.seq])).toEqual([
      ['accrual', '12.35', 1],
      ['adjustment', '2.65', 2],
      ['adjustment', '-1.00', 3],
    ]);
    expect(formatMoney(balances(ledger)[0]!.amount)).toBe('14.00');
  });

  it('brings a key that lost all eligible usage back to zero', () => {
    const ledger: LedgerEntry[] = [];
    post([line('12.35')], ledger, 'run-1');
    const plan = post([], ledger, 'run-2');
    expect(plan.entries.map((e) => [e.kind, formatMoney(e.amount)])).toEqual([['adjustment', '-12.35']]);
    expect(plan.lines.map((l) => [formatMoney(l.amount), formatMoney(l.posted), formatMoney(l.delta)])).toEqual([
      ['0.00', '12.35', '-12.35'],
    ]);
  });

  it('does not post zero amounts for a new key', () => {
    expect(planPosting([line('0')], [], meta('r')).entries).toEqual([]);
  });

  it('only looks at the quarter being posted', () => {
    const ledger: LedgerEntry[] = [];
    post([line('5')], ledger, 'run-1');
    const other = planPosting(
      [line('5')],
      ledger.map((e) => ({ ...e, quarter: '2025-Q4' })),
      meta('run-2'),
    );
    expect(other.entries.map((e) => e.kind)).toEqual(['accrual']);
  });

  it('leaves withdrawals out of what a quarter already holds, so re-posting it appends nothing', () => {
    const ledger: LedgerEntry[] = [];
    post([line('5')], ledger, 'run-1');
    ledger.push({ ...ledger[0]!, id: 'w1', kind: 'withdrawal', amount: parseMoney('-4'), seq: 7 });
    const again = planPosting([line('5')], ledger, meta('run-2'));
    expect(again.entries).toEqual([]);
    expect(again.lines.map((l) => [formatMoney(l.posted), formatMoney(l.delta)])).toEqual([['5.00', '0.00']]);
    // The next adjustment continues the key's own sequence, not the withdrawal's.
    expect(planPosting([line('6')], ledger, meta('run-3')).entries.map((e) => [e.kind, formatMoney(e.amount), e.seq])).toEqual([
      ['adjustment', '1.00', 2],
    ]);
  });

  it('sums balances per currency, withdrawals included', () => {
    const ledger: LedgerEntry[] = [];
    post([line('10', 'p1', 'RUB'), line('3', 'p1', 'USD')], ledger, 'run-1');
    ledger.push({ ...ledger[0]!, id: 'w1', kind: 'withdrawal', amount: parseMoney('-4'), seq: 0 });
    expect(balances(ledger).map((b) => [b.currency, formatMoney(b.amount)])).toEqual([
      ['RUB', '6.00'],
      ['USD', '3.00'],
    ]);
  });
});

describe('ledger order', () => {
  it('plans lines by partner, specialization and currency, and lists balances by currency, whatever the input order', () => {
    const lines: AccrualLine[] = [
      line('1', 'p2', 'USD'),
      line('1', 'p2', 'RUB'),
      { ...line('1', 'p1', 'RUB'), specialization: 'zz' },
      line('1', 'p1', 'RUB'),
    ];
    const plan = planPosting(lines, [], meta('run-1'));
    expect(plan.lines.map((l) => [l.partnerId, l.specialization, l.currency])).toEqual([
      ['p1', 'ml-ai', 'RUB'],
      ['p1', 'zz', 'RUB'],
      ['p2', 'ml-ai', 'RUB'],
      ['p2', 'ml-ai', 'USD'],
    ]);
    expect(plan.entries[0]!.currency).toBe('USD');
    expect(balances(plan.entries).map((b) => b.currency)).toEqual(['RUB', 'USD']);
  });
});
