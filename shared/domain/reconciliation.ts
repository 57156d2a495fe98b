/**
 * Reconciliation with Billing (issue 12): Billing's own daily totals per service (its usage
 * report) next to the ingested aggregates, per (subaccount, service, day, currency), on the days
 * the subaccount is linked. Compared is the paid amount, cost + credit — the basis the rebate is
 * computed on (R2) and Billing's `expense`. A difference beyond the tolerance is a mismatch: a
 * missing or partial export caught before money is posted. Pure.
 */
import type { Day } from './calendar';
import type { UsageAggregate } from './model';
import { formatMoney, type Nanos } from './money';
import type { AccrualWarning } from './accrual-guards';

/** Billing's total for one service on one day (the port's ServiceUsageDay, reduced to what is compared). */
export interface BillingDay {
  serviceId: string;
  serviceName: string;
  day: Day;
  currency: string;
  cost: Nanos;
  credit: Nanos;
}

export interface ReconcileWindow {
  subaccountId: string;
  partnerId: string;
  from: Day;
  to: Day;
}

export interface Mismatch {
  subaccountId: string;
  partnerId: string;
  serviceId: string;
  serviceName: string;
  day: Day;
  currency: string;
  billing: Nanos;
  ingested: Nanos;
  /** ingested − billing. */
  difference: Nanos;
}

export interface AccountReconciliation extends ReconcileWindow {
  /** Per currency: Billing's paid total and the ingested one, over the window and the covered services. */
  totals: { currency: string; billing: Nanos; ingested: Nanos }[];
  mismatches: number;
}

/** How many mismatches the warning's message names; all of them are in its `mismatches`. */
const SHOWN = 3;
const abs = (v: bigint) => (v < 0n ? -v : v);

/** Compares one subaccount's window; `covered` keeps only services some specialization covers. */
export function reconcileAccount(
  window: ReconcileWindow,
  billing: readonly BillingDay[],
  ingested: readonly UsageAggregate[],
  covered: (serviceId: string, day: Day) => boolean,
  tolerance: Nanos,
): { account: AccountReconciliation; mismatches: Mismatch[] } {
  const cells = new Map<string, { serviceId: string; serviceName: string; day: Day; currency: string; billing: Nanos; ingested: Nanos }>();
  const inWindow = (day: Day) => day >= window.from && day <= window.to;
  const cellOf = (serviceId: string, serviceName: string, day: Day, currency: string) => {
    const key = `${serviceId}\u0000${day}\u0000${currency}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { serviceId, serviceName, day, currency, billing: 0n, ingested: 0n }));
    if (!cell.serviceName && serviceName) cell.serviceName = serviceName;
    return cell;
  };
  for (const b of billing)
    if (inWindow(b.day) && covered(b.serviceId, b.day)) cellOf(b.serviceId, b.serviceName, b.day, b.currency).billing += b.cost + b.credit;
  for (const r of ingested)
    if (r.accountId === window.subaccountId && inWindow(r.day) && covered(r.serviceId, r.day))
      cellOf(r.serviceId, r.serviceName, r.day, r.currency).ingested += r.cost + r.credit;

  const totals = new Map<string, { currency: string; billing: Nanos; ingested: Nanos }>();
  const mismatches: Mismatch[] = [];
  for (const c of cells.values()) {
    const t = totals.get(c.currency) ?? { currency: c.currency, billing: 0n, ingested: 0n };
    t.billing += c.billing;
    t.ingested += c.ingested;
    totals.set(c.currency, t);
    const difference = c.ingested - c.billing;
    if (abs(difference) > tolerance) mismatches.push({ subaccountId: window.subaccountId, partnerId: window.partnerId, ...c, difference });
  }
  mismatches.sort((a, b) => a.day.localeCompare(b.day) || a.serviceId.localeCompare(b.serviceId) || a.currency.localeCompare(b.currency));
  return {
    account: {
      ...window,
      totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      mismatches: mismatches.length,
    },
    mismatches,
  };
}

/** BILLING_MISMATCH from a reconciliation's mismatches, or null when Billing and the exports agree. */
export function billingMismatchWarning(quarter: string, mismatches: readonly Mismatch[], tolerance: Nanos): AccrualWarning | null {
  if (mismatches.length === 0) return null;
  const money = (v: Nanos) => formatMoney(v, 2);
  const shown = mismatches
    .slice(0, SHOWN)
    .map(
      (m) =>
        `${m.subaccountId} ${m.serviceName || m.serviceId} ${m.day}: Billing ${money(m.billing)}, ingested ${money(m.ingested)} ${m.currency}`,
    );
  return {
    code: 'BILLING_MISMATCH',
    message: `${mismatches.length} (subaccount, service, day) total(s) of ${quarter} differ from Billing's usage report by more than ${money(tolerance)}: ${shown.join('; ')}${mismatches.length > SHOWN ? ` and ${mismatches.length - SHOWN} more (all in "mismatches")` : ''} — re-ingest those days before posting`,
    mismatches: mismatches.map((m) => ({
      subaccountId: m.subaccountId,
      partnerId: m.partnerId,
      serviceId: m.serviceId,
      day: m.day,
      currency: m.currency,
      billing: money(m.billing),
      ingested: money(m.ingested),
      difference: money(m.difference),
    })),
  };
}
