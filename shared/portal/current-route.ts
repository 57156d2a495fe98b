/**
 * GET /v1/current — the running quarter so far: what it would accrue if it closed today, from the
 * usage of its days up to yesterday (UTC+3, R1). A preview: never posted, never part of the
 * balance, and marked so in the body.
 */
import { addDays, moscowDay, quarterOf, quarterRange } from '../domain/calendar';
import type { Currency } from '../domain/model';
import { computeQuarter } from '../usecases/accrue';
import type { Deps } from '../usecases/deps';
import { moneyText } from './money-json';
import { parseQuery, partnerParam } from './query-params';

export async function currentRoute(deps: Deps, partnerId: string, query: Record<string, string>) {
  parseQuery(partnerParam, query, partnerId);
  const today = moscowDay(deps.clock());
  const quarter = quarterOf(today);
  const through = addDays(today, -1);
  const accrual = await computeQuarter(deps, quarter, partnerId, { through });
  const lines = accrual.lines.filter((l) => l.partnerId === partnerId);
  const totals = new Map<Currency, bigint>();
  for (const l of lines) totals.set(l.currency, (totals.get(l.currency) ?? 0n) + l.amount);
  const range = quarterRange(quarter);
  return {
    partnerId,
    preview: true,
    includedInBalance: false,
    quarter,
    from: range.from,
    through: through < range.from ? null : through,
    lines: lines.map((l) => ({
      specialization: l.specialization,
      currency: l.currency,
      base: moneyText(l.base),
      amount: moneyText(l.amount),
    })),
    totals: [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, amount]) => ({ currency, amount: moneyText(amount) })),
  };
}
