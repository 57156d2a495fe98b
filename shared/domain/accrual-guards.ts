/**
 * Guards before posting (issue 12): what looks wrong about a quarter's inputs, said before money
 * is posted. Pure: the use case gathers the days present, the quarter's usage rows, the plan and
 * "today" (UTC+3) and passes them in. Warnings are reports, not money: their amounts are decimal
 * strings with the currency beside them.
 */
import { addDays, dayInPeriod, quarterRange, type Day, type Quarter } from './calendar';
import type { PostingLine } from './ledger';
import type { Currency, SubaccountLink, UsageAggregate } from './model';
import { formatMoney, MONEY_SCALE, PRODUCT_SCALE, RATE_SCALE, roundScaled, type Nanos, type ScaledRate } from './money';
import { indexLinks } from './periods';
import type { Rules } from './rules';

export const GUARD_CODES = [
  'MISSING_EXPORT_DAYS',
  'UNLINKED_USAGE',
  'PENDING_SERVICE',
  'LARGE_ADJUSTMENT',
  'FUTURE_OR_OPEN_DATA',
  'BILLING_MISMATCH',
  'SPECIALIZATION_DROPPED',
] as const;
export type GuardCode = (typeof GUARD_CODES)[number];

export interface AccrualWarning {
  code: GuardCode;
  message: string;
  [detail: string]: unknown;
}

/** How many items a warning lists before it says "and N more". */
const LIST_LIMIT = 10;
const money = (v: Nanos) => formatMoney(v, 2);
/** A rebate share at PRODUCT_SCALE, rounded half-up to cents, for the message only. */
const rebateOf = (exact: bigint) => roundScaled(exact, PRODUCT_SCALE, 2, 'half-up') * 10n ** BigInt(MONEY_SCALE - 2);

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join(', ');
  return items.length > LIST_LIMIT ? `${shown} and ${items.length - LIST_LIMIT} more` : shown;
}

/** The last day whose export can be complete: yesterday (UTC+3), or the quarter's last day. */
export function lastExpectedDay(quarter: Quarter, today: Day): Day {
  const { to } = quarterRange(quarter);
  const yesterday = addDays(today, -1);
  return yesterday < to ? yesterday : to;
}

/** MISSING_EXPORT_DAYS: days of the quarter (through yesterday) for which no account-day arrived at all. */
export function missingExportDays(quarter: Quarter, today: Day, daysWithData: ReadonlySet<Day>): AccrualWarning | null {
  const { from } = quarterRange(quarter);
  const through = lastExpectedDay(quarter, today);
  const days: Day[] = [];
  for (let d = from; d <= through; d = addDays(d, 1)) if (!daysWithData.has(d)) days.push(d);
  if (days.length === 0) return null;
  return {
    code: 'MISSING_EXPORT_DAYS',
    message: `${days.length} day(s) of ${quarter} through ${through} have no export data at all: ${listed(days)} — ingest them before posting`,
    days,
  };
}

/**
 * The first day on which a quarter counts as closed for late data (R9: Billing may change a day's
 * file within a month): one calendar month after the day following the quarter's end.
 */
export function settledFrom(quarter: Quarter): Day {
  const next = addDays(quarterRange(quarter).to, 1); // always the 1st of a month
  const [y, m] = [Number(next.slice(0, 4)), Number(next.slice(5, 7))];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** FUTURE_OR_OPEN_DATA: usage dated after today, or a quarter whose late files may still come (R9). */
export function futureOrOpenData(quarter: Quarter, today: Day, futureDays: readonly Day[]): AccrualWarning | null {
  const settled = settledFrom(quarter);
  const open = today < settled;
  if (!open && futureDays.length === 0) return null;
  const parts: string[] = [];
  if (futureDays.length > 0)
    parts.push(`usage is dated after today (${today}, UTC+3) on ${futureDays.length} day(s): ${listed(futureDays)}`);
  if (open)
    parts.push(
      `${quarter} ${quarterRange(quarter).to < today ? 'closed less than a month ago' : 'has not ended'}: Billing may still change its files until ${addDays(settled, -1)} (R9); re-post after that`,
    );
  return { code: 'FUTURE_OR_OPEN_DATA', message: parts.join('; '), futureDays: [...futureDays], settledFrom: settled };
}

/** LARGE_ADJUSTMENT: a re-post that moves a posted amount by more than `share` of it. */
export function largeAdjustments(lines: readonly PostingLine[], share: ScaledRate, shareText: string): AccrualWarning | null {
  const scale = 10n ** BigInt(RATE_SCALE);
  const abs = (v: bigint) => (v < 0n ? -v : v);
  const large = lines.filter((l) => l.posted !== 0n && l.delta !== 0n && abs(l.delta) * scale > share * abs(l.posted));
  if (large.length === 0) return null;
  const items = large.map((l) => ({
    partnerId: l.partnerId,
    specialization: l.specialization,
    currency: l.currency,
    posted: money(l.posted),
    amount: money(l.amount),
    delta: money(l.delta),
  }));
  return {
    code: 'LARGE_ADJUSTMENT',
    message: `${large.length} posted amount(s) would move by more than ${shareText} of what is posted: ${listed(items.map((i) => `${i.partnerId} ${i.specialization} ${i.currency} ${i.posted} → ${i.amount} (${i.delta})`))}`,
    share: shareText,
    lines: items,
  };
}

interface Sum {
  base: Nanos;
  exact: bigint;
}

/**
 * The per-row guards (UNLINKED_USAGE, PENDING_SERVICE), fed the quarter's usage rows one by one
 * like the accrual itself.
 */
export function createUsageGuardScan(input: { rules: Rules; quarter: Quarter; links: readonly SubaccountLink[] }) {
  const range = quarterRange(input.quarter);
  const linkOn = indexLinks(input.links);
  const pending = new Map((input.rules.pendingServices ?? []).map((p) => [p.service.toLocaleLowerCase('en'), p]));
  const unlinked = new Map<Currency, Sum>();
  const unlinkedAccounts = new Map<string, Sum & { subaccountId: string; currency: Currency; from: Day; to: Day }>();
  const pendingUsage = new Map<
    string,
    { service: string; specialization: string; currency: Currency; base: Nanos; serviceIds: Set<string> }
  >();

  return {
    add(row: UsageAggregate): void {
      if (!dayInPeriod(row.day, range.from, range.to)) return;
      const version = input.rules.versionOn(row.day);
      if (!version) return;
      const basis = version.basis === 'paid' ? row.cost + row.credit : row.cost;
      const spec = version.classify(row.serviceId, row.skuId);
      if (!spec) {
        const p = pending.get(row.serviceName.trim().toLocaleLowerCase('en'));
        if (!p) return;
        const key = `${p.service}\u0000${row.currency}`;
        const sum = pendingUsage.get(key) ?? {
          service: p.service,
          specialization: p.specialization,
          currency: row.currency,
          base: 0n,
          serviceIds: new Set<string>(),
        };
        sum.base += basis;
        sum.serviceIds.add(row.serviceId);
        pendingUsage.set(key, sum);
        return;
      }
      if (linkOn(row.accountId, row.day)) return;
      const total = unlinked.get(row.currency) ?? { base: 0n, exact: 0n };
      total.base += basis;
      total.exact += basis * spec.rate;
      unlinked.set(row.currency, total);
      const key = `${row.accountId}\u0000${row.currency}`;
      const acc = unlinkedAccounts.get(key) ?? {
        subaccountId: row.accountId,
        currency: row.currency,
        base: 0n,
        exact: 0n,
        from: row.day,
        to: row.day,
      };
      acc.base += basis;
      acc.exact += basis * spec.rate;
      if (row.day < acc.from) acc.from = row.day;
      if (row.day > acc.to) acc.to = row.day;
      unlinkedAccounts.set(key, acc);
    },

    finish(): AccrualWarning[] {
      const warnings: AccrualWarning[] = [];
      if (unlinked.size > 0) {
        const amounts = [...unlinked]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, s]) => ({ currency, base: money(s.base), rebate: money(rebateOf(s.exact)) }));
        const subaccounts = [...unlinkedAccounts.values()]
          .sort((a, b) => (b.exact > a.exact ? 1 : b.exact < a.exact ? -1 : a.subaccountId.localeCompare(b.subaccountId)))
          .map((a) => ({
            subaccountId: a.subaccountId,
            currency: a.currency,
            from: a.from,
            to: a.to,
            base: money(a.base),
            rebate: money(rebateOf(a.exact)),
          }));
        warnings.push({
          code: 'UNLINKED_USAGE',
          message: `usage of covered services by subaccounts linked to no partner on those days would earn ${amounts.map((a) => `${a.rebate} ${a.currency}`).join(', ')} if a link is missing: ${listed(subaccounts.map((s) => `${s.subaccountId} ${s.from}..${s.to} (${s.rebate} ${s.currency})`))}`,
          amounts,
          subaccounts,
        });
      }
      if (pendingUsage.size > 0) {
        const services = [...pendingUsage.values()]
          .sort((a, b) => a.service.localeCompare(b.service) || a.currency.localeCompare(b.currency))
          .map((p) => ({
            service: p.service,
            specialization: p.specialization,
            currency: p.currency,
            base: money(p.base),
            serviceIds: [...p.serviceIds].sort(),
          }));
        warnings.push({
          code: 'PENDING_SERVICE',
          message: `usage of service(s) listed in pendingServices earns nothing until their ids are in the rules (sync-catalog): ${listed(services.map((s) => `${s.service} → ${s.specialization} ${s.base} ${s.currency} (id ${s.serviceIds.join(', ')})`))}`,
          services,
        });
      }
      return warnings;
    },
  };
}

/** Warnings in a fixed order (the order of GUARD_CODES), whatever order they were found in. */
export function orderWarnings(warnings: readonly (AccrualWarning | null)[]): AccrualWarning[] {
  return warnings.filter((w): w is AccrualWarning => w !== null).sort((a, b) => GUARD_CODES.indexOf(a.code) - GUARD_CODES.indexOf(b.code));
}
