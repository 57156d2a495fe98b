/**
 * Quarterly accrual (R2, R4, R5, R6, R11). Rows are fed one by one (the store streams them);
 * sums are exact bigint nano-units, products amount × rate are kept at PRODUCT_SCALE, and the
 * only rounding is the final one per (partner, quarter, specialization, currency).
 *
 * Memory: a run keeps one total per (partner, specialization, currency) and nothing per row or per
 * subaccount, so it stays flat whatever the quarter's size (issue 11). The R11 breakdown per
 * subaccount, service and rules version is kept only when asked for (statements, one partner):
 * a sum per detail that changes every day is long-lived garbage for the collector, and at 10M
 * aggregates it alone had pushed a run past 300 MB.
 */
import { dayInPeriod, quarterRange, type Day, type Quarter } from './calendar';
import type { Currency, SpecializationPeriod, SubaccountLink, UsageAggregate } from './model';
import { MONEY_SCALE, PRODUCT_SCALE, rescaleUp, roundScaled, type Nanos, type RoundingMode } from './money';
import { indexActivity, indexLinks } from './periods';
import type { Rules } from './rules';

/** R11: one contribution to an accrual line — a subaccount's service under one rules version. */
export interface AccrualDetail {
  subaccountId: string;
  serviceId: string;
  serviceName: string;
  rulesVersion: Day;
  rate: string;
  base: Nanos;
  rows: number;
}

/** What the ledger needs of one (partner, specialization, currency): the exact sums and the amount. */
export interface AccrualTotal {
  partnerId: string;
  specialization: string;
  currency: Currency;
  /** Exact basis sum (R2). */
  base: Nanos;
  /** Exact Σ basis × rate at PRODUCT_SCALE, before rounding. */
  exact: bigint;
  /** R6: max(0, round(exact)) at the rounding scale, expressed in nano-units. */
  amount: Nanos;
}

/** A total with its R11 breakdown. */
export interface AccrualLine extends AccrualTotal {
  details: AccrualDetail[];
}

export interface QuarterAccrual<Line extends AccrualTotal = AccrualLine> {
  quarter: Quarter;
  rounding: { scale: number; mode: RoundingMode; version: Day | null };
  /** Every rules version that contributed at least one row. */
  rulesVersions: Day[];
  lines: Line[];
}

/** A run's result: totals only (what posting, previews and impact reports need). */
export type QuarterTotals = QuarterAccrual<AccrualTotal>;

export interface AccrualInput {
  rules: Rules;
  quarter: Quarter;
  links: readonly SubaccountLink[];
  specializations: readonly SpecializationPeriod[];
  /** Only accrue for this partner (statements); all partners when absent. */
  partnerId?: string;
}

export interface AccrualAccumulator<Line extends AccrualTotal> {
  add(row: UsageAggregate): void;
  finish(): QuarterAccrual<Line>;
}

const DEFAULT_ROUNDING = { scale: 2, mode: 'half-up' as RoundingMode };

/** Totals only: memory bounded by the number of (partner, specialization, currency) keys. */
export function createAccrualAccumulator(input: AccrualInput): AccrualAccumulator<AccrualTotal> {
  return accumulate(input, false, (total) => total);
}

/**
 * Totals with the R11 breakdown: memory grows with the subaccounts × services seen, so callers
 * narrow it to one partner (a statement); the totals are the very same as without it.
 */
export function createDetailedAccrualAccumulator(input: AccrualInput): AccrualAccumulator<AccrualLine> {
  return accumulate(input, true, (total, details) => ({ ...total, details: [...(details?.values() ?? [])].sort(compareDetails) }));
}

type DetailIndex = Map<string, AccrualDetail>;

/** The one accrual loop; `toLine` turns a finished total and its breakdown (null unless `detailed`) into a line. */
function accumulate<Line extends AccrualTotal>(
  input: AccrualInput,
  detailed: boolean,
  toLine: (total: AccrualTotal, details: DetailIndex | null) => Line,
): AccrualAccumulator<Line> {
  const range = quarterRange(input.quarter);
  const linkOn = indexLinks(input.links);
  const isActive = indexActivity(input.specializations);
  const lines = new Map<string, AccrualTotal & { detailIndex: DetailIndex | null }>();
  const versionsUsed = new Set<Day>();

  return {
    add(row) {
      // R1: only days of the quarter count, whatever the store returned.
      if (!dayInPeriod(row.day, range.from, range.to)) return;
      const version = input.rules.versionOn(row.day);
      if (!version) return;
      const spec = version.classify(row.serviceId, row.skuId); // R4
      if (!spec) return;
      const link = linkOn(row.accountId, row.day); // R3
      if (!link) return;
      if (input.partnerId !== undefined && link.partnerId !== input.partnerId) return;
      if (!isActive(link.partnerId, spec.id, row.day, version.activity, input.quarter)) return; // R5

      const basis = version.basis === 'paid' ? row.cost + row.credit : row.cost; // R2
      const key = `${link.partnerId}\u0000${spec.id}\u0000${row.currency}`;
      let line = lines.get(key);
      if (!line) {
        line = {
          partnerId: link.partnerId,
          specialization: spec.id,
          currency: row.currency,
          base: 0n,
          exact: 0n,
          amount: 0n,
          detailIndex: detailed ? new Map() : null,
        };
        lines.set(key, line);
      }
      line.base += basis;
      line.exact += basis * spec.rate; // scale 9 × scale 9 = PRODUCT_SCALE, exact
      versionsUsed.add(version.effectiveFrom);
      if (line.detailIndex === null) return;

      const detailKey = `${row.accountId}\u0000${row.serviceId}\u0000${version.effectiveFrom}`;
      let detail = line.detailIndex.get(detailKey);
      if (!detail) {
        detail = {
          subaccountId: row.accountId,
          serviceId: row.serviceId,
          serviceName: row.serviceName,
          rulesVersion: version.effectiveFrom,
          rate: spec.rateText,
          base: 0n,
          rows: 0,
        };
        line.detailIndex.set(detailKey, detail);
      }
      detail.base += basis;
      detail.rows += row.rows;
      if (row.serviceName) detail.serviceName = row.serviceName;
    },

    finish() {
      // R6: rounding of the version in force on the quarter's last day.
      const closing = input.rules.versionOn(range.to);
      const rounding = closing ? closing.rounding : DEFAULT_ROUNDING;
      const result: Line[] = [];
      for (const { detailIndex, ...line } of lines.values()) {
        const rounded = roundScaled(line.exact, PRODUCT_SCALE, rounding.scale, rounding.mode);
        result.push(toLine({ ...line, amount: rounded > 0n ? rescaleUp(rounded, rounding.scale, MONEY_SCALE) : 0n }, detailIndex));
      }
      result.sort(compareLines);
      return {
        quarter: input.quarter,
        rounding: { ...rounding, version: closing?.effectiveFrom ?? null },
        rulesVersions: [...versionsUsed].sort(),
        lines: result,
      };
    },
  };
}

function compareLines(a: AccrualTotal, b: AccrualTotal): number {
  return a.partnerId.localeCompare(b.partnerId) || a.specialization.localeCompare(b.specialization) || a.currency.localeCompare(b.currency);
}

function compareDetails(a: AccrualDetail, b: AccrualDetail): number {
  return (
    a.subaccountId.localeCompare(b.subaccountId) || a.serviceId.localeCompare(b.serviceId) || a.rulesVersion.localeCompare(b.rulesVersion)
  );
}

/** Convenience for literals in tests and small callers: totals with their breakdown. */
export function computeAccrual(input: AccrualInput, rows: Iterable<UsageAggregate>): QuarterAccrual {
  const acc = createDetailedAccrualAccumulator(input);
  for (const row of rows) acc.add(row);
  return acc.finish();
}
