/**
 * Checks a posting plan must pass before anything is appended — and that a dry run shows, so a
 * preview never announces an entry the real post would refuse (R10).
 */
import { quarterRange, type Quarter } from './calendar';
import type { PostingLine } from './ledger';
import { formatMoney, type Nanos } from './money';
import type { Rules } from './rules';

/** Decimal(22,9): every stored amount is below 10^13 units in magnitude. */
const MONEY_LIMIT = 10n ** 22n;

/** Why a plan holds an amount the ledger cannot store, or null. */
export function amountOutOfRange(lines: readonly PostingLine[]): string | null {
  for (const l of lines) {
    for (const [name, value] of [
      ['amount', l.amount],
      ['delta', l.delta],
      ['posted', l.posted],
    ] as const) {
      if (value >= MONEY_LIMIT || value <= -MONEY_LIMIT) {
        return `${l.partnerId} ${l.specialization} ${l.currency}: the ${name} ${formatMoney(value)} does not fit Decimal(22,9) (at most 13 integer digits); check the usage data of this partner — nothing was posted`;
      }
    }
  }
  return null;
}

/** A posted rebate the plan would reverse because the rules no longer define its specialization. */
export interface ReversalWarning {
  partnerId: string;
  specialization: string;
  currency: string;
  posted: Nanos;
  delta: Nanos;
  message: string;
}

/** Specialization ids of every rules version in force on some day of the quarter. */
function specializationsInForce(rules: Rules, quarter: Quarter): Set<string> {
  const { from, to } = quarterRange(quarter);
  const ids = new Set<string>();
  const versions = [rules.versionOn(from), ...rules.versions.filter((v) => v.effectiveFrom > from && v.effectiveFrom <= to)];
  for (const v of versions) if (v !== undefined) for (const id of v.specializations.keys()) ids.add(id);
  return ids;
}

/**
 * R7 brings a posted key with no eligible usage back to zero. When the reason is that the rules in
 * force for the quarter no longer define the specialization at all (a dropped or renamed entry in
 * a rules file), that reversal is almost always a mistake in the file: it is announced, and the
 * post needs the operator's confirmation.
 */
export function droppedSpecializationReversals(rules: Rules, quarter: Quarter, lines: readonly PostingLine[]): ReversalWarning[] {
  const defined = specializationsInForce(rules, quarter);
  return lines
    .filter((l) => l.delta < 0n && l.posted !== 0n && !defined.has(l.specialization))
    .map((l) => ({
      partnerId: l.partnerId,
      specialization: l.specialization,
      currency: l.currency,
      posted: l.posted,
      delta: l.delta,
      message: `${l.partnerId} ${l.specialization} ${l.currency}: the rules in force for ${quarter} no longer define ${l.specialization}; posting reverses the ${formatMoney(l.posted)} already posted (delta ${formatMoney(l.delta)})`,
    }));
}
