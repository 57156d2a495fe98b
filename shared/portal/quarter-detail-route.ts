/**
 * GET /v1/quarters/{quarter} — the R11 breakdown of one closed quarter for the token's partner:
 * per specialization and currency, per subaccount and service, the basis, rate, rules version
 * and that row's exact share of the amount; with the ledger entries posted for it. Only the
 * partner's own days count (the statement filters by the link in force on each day), so a
 * subaccount that moved between partners shows each side only its own days.
 */
import { addDays, isQuarter, moscowDay, quarterRange } from '../domain/calendar';
import { formatScaled, parseRate, PRODUCT_SCALE } from '../domain/money';
import type { Deps } from '../usecases/deps';
import { partnerStatement } from '../usecases/statement';
import { PortalError } from './http';
import { moneyText } from './money-json';
import { parseQuery, partnerParam } from './query-params';

export async function quarterDetailRoute(deps: Deps, partnerId: string, quarter: string, query: Record<string, string>) {
  parseQuery(partnerParam, query, partnerId);
  if (!isQuarter(quarter)) throw new PortalError('bad_request', 'the quarter must look like 2026-Q1');
  const today = moscowDay(deps.clock());
  if (quarterRange(quarter).to >= today) {
    throw new PortalError(
      'not_found',
      `${quarter} has not closed yet (it can be posted from ${addDays(quarterRange(quarter).to, 1)}); the running quarter's preview is at /v1/current`,
    );
  }
  const statement = await partnerStatement(deps, { partnerId, quarter });
  if (!statement.ok) throw new PortalError('bad_request', 'the quarter must look like 2026-Q1');
  if (statement.lines.length === 0 && statement.entries.length === 0)
    throw new PortalError('not_found', `nothing accrued or posted for ${quarter}`);
  return {
    partnerId,
    quarter,
    rounding: { scale: statement.rounding.scale, mode: statement.rounding.mode },
    rulesVersions: statement.rulesVersions,
    lines: statement.lines.map((l) => ({
      specialization: l.specialization,
      currency: l.currency,
      base: moneyText(l.base),
      amount: moneyText(l.amount),
      posted: moneyText(l.posted),
      pending: moneyText(l.pending),
      details: l.details.map((d) => ({
        subaccountId: d.subaccountId,
        serviceId: d.serviceId,
        serviceName: d.serviceName,
        rulesVersion: d.rulesVersion,
        rate: d.rate,
        base: moneyText(d.base),
        // Exact basis × rate before the single rounding of the line (R6); the line's amount is round(Σ share).
        share: formatScaled(d.base * parseRate(d.rate), PRODUCT_SCALE, 2),
        currency: l.currency,
      })),
    })),
    entries: statement.entries.map((e) => ({
      specialization: e.specialization,
      kind: e.kind,
      amount: moneyText(e.amount),
      currency: e.currency,
      seq: e.seq,
      postedAt: e.createdAt,
    })),
  };
}
