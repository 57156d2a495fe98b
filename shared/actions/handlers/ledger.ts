/** `accrue`, `balance`, `statement` (R6–R11): the documented JSON shapes (§8), money as decimal strings. */
import { formatMoney, formatScaled, PRODUCT_SCALE, type Nanos } from '../../domain/money';
import type { PostingLine } from '../../domain/ledger';
import { partnerBalance, partnerStatement } from '../../usecases/statement';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';

/** Money for people and JSON alike: at least two decimals, every exact digit kept. */
export const money = (v: Nanos) => formatMoney(v, 2);

export function accrualJson(a: PostingLine) {
  return {
    partnerId: a.partnerId,
    specialization: a.specialization,
    currency: a.currency,
    base: money(a.base),
    amount: money(a.amount),
    posted: money(a.posted),
    delta: money(a.delta),
  };
}

export async function balance(deps: ActionDeps, input: ActionOf<'balance'>): Promise<ActionResult> {
  const r = await partnerBalance(deps, input.partnerId);
  return succeeded({ partnerId: r.partnerId, balances: r.balances.map((b) => ({ currency: b.currency, amount: money(b.amount) })) });
}

export async function statement(deps: ActionDeps, input: ActionOf<'statement'>): Promise<ActionResult> {
  const r = await partnerStatement(deps, { partnerId: input.partnerId, quarter: input.quarter });
  if (!r.ok) return failed(r);
  const lines = r.lines.map((l) => ({
    specialization: l.specialization,
    currency: l.currency,
    base: money(l.base),
    exact: formatScaled(l.exact, PRODUCT_SCALE, 2),
    amount: money(l.amount),
    posted: money(l.posted),
    pending: money(l.pending),
    details: l.details.map((d) => ({
      subaccountId: d.subaccountId,
      serviceId: d.serviceId,
      serviceName: d.serviceName,
      rulesVersion: d.rulesVersion,
      rate: d.rate,
      base: money(d.base),
      rows: d.rows,
    })),
  }));
  const entries = r.entries.map((e) => ({
    id: e.id,
    specialization: e.specialization,
    currency: e.currency,
    kind: e.kind,
    amount: money(e.amount),
    seq: e.seq,
    runId: e.runId,
    createdAt: e.createdAt,
    actor: e.actor,
    note: e.note,
  }));
  return succeeded({ partnerId: r.partnerId, quarter: r.quarter, rounding: r.rounding, rulesVersions: r.rulesVersions, lines, entries });
}
