/** `report.eligibility` (issue 12): the yearly eligibility report, money as decimal strings. */
import { formatMoney } from '../../domain/money';
import { eligibilityReport } from '../../usecases/eligibility-report';
import { succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';

const money = (v: bigint) => formatMoney(v, 2);

export async function eligibility(deps: ActionDeps, input: ActionOf<'report.eligibility'>): Promise<ActionResult> {
  const r = await eligibilityReport(deps, input.year);
  return succeeded({
    year: r.year,
    partners: r.partners.map((p) => ({
      partnerId: p.partnerId,
      specializations: p.specializations.map((s) => ({
        specialization: s.specialization,
        held: s.held,
        consumption: s.consumption.map((c) => ({
          currency: c.currency,
          quarters: { Q1: money(c.quarters[0]), Q2: money(c.quarters[1]), Q3: money(c.quarters[2]), Q4: money(c.quarters[3]) },
          year: money(c.year),
          threshold: c.threshold === null ? null : money(c.threshold),
          meets: c.meets,
        })),
      })),
    })),
  });
}
