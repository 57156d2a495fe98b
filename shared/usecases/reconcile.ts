/**
 * Use case: reconcile a quarter with Billing (issue 12). For each linked subaccount (of one
 * partner, or all), Billing's daily usage report for the services some specialization covers,
 * over the days it is linked in the quarter (through yesterday, UTC+3), next to the ingested
 * aggregates. Read-only. Billing allows one usage report per minute per IP: the adapter spaces
 * the calls, so N subaccounts take about N minutes.
 */
import { addDays, moscowDay, quarterRange, type Day, type Quarter } from '../domain/calendar';
import type { UsageAggregate } from '../domain/model';
import { DEFAULT_RECONCILE_TOLERANCE } from '../domain/rules';
import { parseMoney, type Nanos } from '../domain/money';
import { reconcileAccount, type AccountReconciliation, type Mismatch, type ReconcileWindow } from '../domain/reconciliation';
import type { BillingApi } from '../ports/billing';
import type { Deps } from './deps';

export interface ReconcileResult {
  quarter: Quarter;
  partnerId: string | null;
  tolerance: Nanos;
  accounts: AccountReconciliation[];
  mismatches: Mismatch[];
}

/** The services some specialization covers in the versions in force during [from, to]. */
function coveredServices(deps: Deps, from: Day, to: Day): { ids: string[]; covered: (serviceId: string, day: Day) => boolean } {
  const all = deps.rules.rules.versions;
  const inForce = all.filter((v, i) => v.effectiveFrom <= to && (all[i + 1] === undefined || all[i + 1]!.effectiveFrom > from));
  const ids = new Set<string>();
  for (const v of inForce) for (const id of v.coveredServices ?? []) ids.add(id);
  return { ids: [...ids].sort(), covered: (serviceId, day) => deps.rules.rules.versionOn(day)?.coveredServices?.has(serviceId) ?? false };
}

export async function reconcileQuarter(
  deps: Deps & { billing: BillingApi },
  input: { quarter: Quarter; partnerId?: string | undefined },
): Promise<ReconcileResult> {
  const range = quarterRange(input.quarter);
  const yesterday = addDays(moscowDay(deps.clock()), -1);
  const last = yesterday < range.to ? yesterday : range.to;
  const tolerance = deps.rules.rules.guards?.reconcileTolerance ?? parseMoney(DEFAULT_RECONCILE_TOLERANCE);
  const links = await deps.store.program.listLinks(input.partnerId ? { partnerId: input.partnerId } : undefined);
  const windows: ReconcileWindow[] = [];
  for (const l of links) {
    const from = l.from > range.from ? l.from : range.from;
    const to = l.to === null || l.to > last ? last : l.to;
    if (from <= to) windows.push({ subaccountId: l.subaccountId, partnerId: l.partnerId, from, to });
  }
  windows.sort((a, b) => a.subaccountId.localeCompare(b.subaccountId) || a.from.localeCompare(b.from));
  const { ids, covered } = coveredServices(deps, range.from, last);

  const accounts: AccountReconciliation[] = [];
  const mismatches: Mismatch[] = [];
  for (const window of windows) {
    const billing = await deps.billing.usageReport({
      billingAccountId: window.subaccountId,
      from: window.from,
      to: window.to,
      serviceIds: ids,
    });
    const ingested: UsageAggregate[] = [];
    for await (const row of deps.store.usage.scanUsage({ from: window.from, to: window.to }, { accountIds: [window.subaccountId] }))
      ingested.push(row);
    const r = reconcileAccount(window, billing, ingested, covered, tolerance);
    accounts.push(r.account);
    mismatches.push(...r.mismatches);
  }
  return { quarter: input.quarter, partnerId: input.partnerId ?? null, tolerance, accounts, mismatches };
}
