/** `reconcile` (issue 12): Billing's usage report next to the ingested aggregates, money as decimal strings. */
import { formatMoney } from '../../domain/money';
import { billingMismatchWarning } from '../../domain/reconciliation';
import type { AccrualWarning } from '../../domain/accrual-guards';
import type { ExtraGuards } from '../../usecases/accrual-guards';
import { reconcileQuarter } from '../../usecases/reconcile';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';

export const NO_BILLING_FOR_RECONCILE = {
  code: 'NOT_AVAILABLE',
  message: 'reconciliation needs the Billing API (set YC_IAM_TOKEN locally; a function uses its service account token)',
} as const;

const money = (v: bigint) => formatMoney(v, 2);

export async function reconcile(deps: ActionDeps, input: ActionOf<'reconcile'>): Promise<ActionResult> {
  if (!deps.billing) return failed(NO_BILLING_FOR_RECONCILE);
  const r = await reconcileQuarter({ ...deps, billing: deps.billing() }, { quarter: input.quarter, partnerId: input.partnerId });
  const warning = billingMismatchWarning(r.quarter, r.mismatches, r.tolerance);
  return succeeded({
    quarter: r.quarter,
    partnerId: r.partnerId,
    tolerance: money(r.tolerance),
    accounts: r.accounts.map((a) => ({
      subaccountId: a.subaccountId,
      partnerId: a.partnerId,
      from: a.from,
      to: a.to,
      totals: a.totals.map((t) => ({ currency: t.currency, billing: money(t.billing), ingested: money(t.ingested) })),
      mismatches: a.mismatches,
    })),
    mismatches: r.mismatches.map((m) => ({
      subaccountId: m.subaccountId,
      partnerId: m.partnerId,
      serviceId: m.serviceId,
      serviceName: m.serviceName,
      day: m.day,
      currency: m.currency,
      billing: money(m.billing),
      ingested: money(m.ingested),
      difference: money(m.difference),
    })),
    warnings: warning ? [warning] : [],
  });
}

/** BILLING_MISMATCH for `accrue --reconcile`: the quarter reconciled inline, before the warnings are reported. */
export function reconcileGuard(deps: ActionDeps): ExtraGuards | undefined {
  if (!deps.billing) return undefined;
  const billing = deps.billing;
  return async (quarter): Promise<AccrualWarning[]> => {
    const r = await reconcileQuarter({ ...deps, billing: billing() }, { quarter });
    const w = billingMismatchWarning(quarter, r.mismatches, r.tolerance);
    return w ? [w] : [];
  };
}
