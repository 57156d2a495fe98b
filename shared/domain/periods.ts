/**
 * Subaccount links (R3) and specialization periods (R5): validation of new periods and the
 * lookups the accrual needs. Pure: callers pass the current records in.
 */
import { addDays, dayInPeriod, periodsOverlap, quarterRange, type Day, type Quarter } from './calendar';
import type { SpecializationPeriod, SubaccountLink } from './model';

export interface Period {
  from: Day;
  to: Day | null;
}

export type PeriodProblem = { code: 'EMPTY_PERIOD'; message: string } | { code: 'OVERLAP'; message: string; conflictingId: string };

export function checkPeriodOrder(period: Period): PeriodProblem | null {
  if (period.to !== null && period.to < period.from) {
    return { code: 'EMPTY_PERIOD', message: `period ends (${period.to}) before it starts (${period.from})` };
  }
  return null;
}

/** R3: a subaccount is linked to at most one partner on any day. */
export function checkNewLink(existing: readonly SubaccountLink[], candidate: Period & { subaccountId: string }): PeriodProblem | null {
  const order = checkPeriodOrder(candidate);
  if (order) return order;
  const clash = existing.find((l) => l.subaccountId === candidate.subaccountId && periodsOverlap(l, candidate));
  if (!clash) return null;
  return {
    code: 'OVERLAP',
    conflictingId: clash.id,
    message: `subaccount ${candidate.subaccountId} is already linked to partner ${clash.partnerId} from ${clash.from} to ${clash.to ?? 'open end'}, which overlaps ${candidate.from}..${candidate.to ?? 'open end'}`,
  };
}

/** Periods of the same partner and specialization must not overlap either (one grant at a time). */
export function checkNewSpecialization(
  existing: readonly SpecializationPeriod[],
  candidate: Period & { partnerId: string; specialization: string },
): PeriodProblem | null {
  const order = checkPeriodOrder(candidate);
  if (order) return order;
  const clash = existing.find(
    (p) => p.partnerId === candidate.partnerId && p.specialization === candidate.specialization && periodsOverlap(p, candidate),
  );
  if (!clash) return null;
  return {
    code: 'OVERLAP',
    conflictingId: clash.id,
    message: `partner ${candidate.partnerId} already holds ${candidate.specialization} from ${clash.from} to ${clash.to ?? 'open end'}, which overlaps ${candidate.from}..${candidate.to ?? 'open end'}`,
  };
}

/** R5: revoking (or unlinking) with effective day D makes D−1 the last day. */
export function lastDayBefore(effective: Day): Day {
  return addDays(effective, -1);
}

/** Index of links by subaccount for per-row lookups. */
export function indexLinks(links: readonly SubaccountLink[]): (subaccountId: string, day: Day) => SubaccountLink | undefined {
  const bySubaccount = new Map<string, SubaccountLink[]>();
  for (const link of links) {
    const list = bySubaccount.get(link.subaccountId) ?? [];
    list.push(link);
    bySubaccount.set(link.subaccountId, list);
  }
  return (subaccountId, day) => bySubaccount.get(subaccountId)?.find((l) => dayInPeriod(day, l.from, l.to));
}

/**
 * R5 activity test for one (partner, specialization): `daily` — active on the row's day;
 * `quarter` — active on any day of the row's quarter.
 */
export function indexActivity(
  periods: readonly SpecializationPeriod[],
): (partnerId: string, specialization: string, day: Day, activity: 'daily' | 'quarter', quarter: Quarter) => boolean {
  const byKey = new Map<string, SpecializationPeriod[]>();
  for (const p of periods) {
    const key = `${p.partnerId}\u0000${p.specialization}`;
    const list = byKey.get(key) ?? [];
    list.push(p);
    byKey.set(key, list);
  }
  return (partnerId, specialization, day, activity, quarter) => {
    const list = byKey.get(`${partnerId}\u0000${specialization}`);
    if (!list) return false;
    if (activity === 'daily') return list.some((p) => dayInPeriod(day, p.from, p.to));
    const range = quarterRange(quarter);
    return list.some((p) => periodsOverlap(p, { from: range.from, to: range.to }));
  };
}
