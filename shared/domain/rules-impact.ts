/**
 * Rules-change impact (issue 12): a quarter computed under the rules in force and under proposed
 * rules, beside what the ledger holds, per (partner, specialization, currency). Pure.
 */
import type { AccrualTotal } from './accrual';
import type { Currency, LedgerEntry } from './model';
import type { Nanos } from './money';

export interface ImpactLine {
  partnerId: string;
  specialization: string;
  currency: Currency;
  /** What the ledger holds for the key now (accruals and adjustments; withdrawals are not rebates). */
  posted: Nanos;
  /** The amount under the rules in force (R6). */
  current: Nanos;
  /** The amount under the proposed rules. */
  proposed: Nanos;
  /** proposed − current: what the change of rules alone would move. */
  change: Nanos;
}

const keyOf = (k: { partnerId: string; specialization: string; currency: string }) =>
  `${k.partnerId}\u0000${k.specialization}\u0000${k.currency}`;

export function compareRules(
  posted: readonly LedgerEntry[],
  current: readonly AccrualTotal[],
  proposed: readonly AccrualTotal[],
): ImpactLine[] {
  const lines = new Map<string, ImpactLine>();
  const lineOf = (k: { partnerId: string; specialization: string; currency: Currency }) => {
    let line = lines.get(keyOf(k));
    if (!line) {
      line = {
        partnerId: k.partnerId,
        specialization: k.specialization,
        currency: k.currency,
        posted: 0n,
        current: 0n,
        proposed: 0n,
        change: 0n,
      };
      lines.set(keyOf(k), line);
    }
    return line;
  };
  for (const e of posted) if (e.kind !== 'withdrawal') lineOf(e).posted += e.amount;
  for (const l of current) lineOf(l).current += l.amount;
  for (const l of proposed) lineOf(l).proposed += l.amount;
  return [...lines.values()]
    .map((l) => ({ ...l, change: l.proposed - l.current }))
    .sort(
      (a, b) =>
        a.partnerId.localeCompare(b.partnerId) || a.specialization.localeCompare(b.specialization) || a.currency.localeCompare(b.currency),
    );
}
