/**
 * Quarterly accrual (R2, R4, R5, R6, R11). Rows are fed one by one (the store streams them);
 * sums are exact bigint nano-units, products amount × rate are kept at PRODUCT_SCALE, and the
 * only rounding is the final one per (partner, quarter, specialization, currency).
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

export interface AccrualLine {
  partnerId: string;
  specialization: string;
  currency: Currency;
  /** Exact basis sum (R2). */
  base: Nanos;
  /** Exact Σ basis × rate at PRODUCT_SCALE, before rounding. */
  exact: bigint;
  /** R6: max(0, round(exact)) at the rounding scale, expressed in nano-units. */
  amount: Nanos;
  details: AccrualDetail[];
}

export interface QuarterAccrual {
  quarter: Quarter;
  rounding: { scale: number; mode: RoundingMode; version: Day | null };
  /** Every rules version that contributed at least one row. */
  rulesVersions: Day[];
  lines: AccrualLine[];
}

export interface AccrualInput {
  rules: Rules;
  quarter: Quarter;
  links: readonly SubaccountLink[];
  specializations: readonly SpecializationPeriod[];
  /** Only accrue for this partner (statements); all partners when absent. */
  partnerId?: string;
}

export interface AccrualAccumulator {
  add(row: UsageAggregate): void;
  finish(): QuarterAccrual;
}

const DEFAULT_ROUNDING = { scale: 2, mode: 'half-up' as RoundingMode };

export function createAccrualAccumulator(input: AccrualInput): AccrualAccumulator {
  const range = quarterRange(input.quarter);
  const linkOn = indexLinks(input.links);
  const isActive = indexActivity(input.specializations);
  const lines = new Map<string, AccrualLine & { detailIndex: Map<string, AccrualDetail> }>();
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
          details: [],
          detailIndex: new Map(),
        };
        lines.set(key, line);
      }
      line.base += basis;
      line.exact += basis * spec.rate; // scale 9 × scale 9 = PRODUCT_SCALE, exact
      versionsUsed.add(version.effectiveFrom);

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
      const result: AccrualLine[] = [];
      for (const { detailIndex, ...line } of lines.values()) {
        const rounded = roundScaled(line.exact, PRODUCT_SCALE, rounding.scale, rounding.mode);
        const amount = rounded > 0n ? rescaleUp(rounded, rounding.scale, MONEY_SCALE) : 0n;
        const details = [...detailIndex.values()].sort(compareDetails);
        result.push({ ...line, amount, details });
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

function compareLines(a: AccrualLine, b: AccrualLine): number {
  return a.partnerId.localeCompare(b.partnerId) || a.specialization.localeCompare(b.specialization) || a.currency.localeCompare(b.currency);
}

function compareDetails(a: AccrualDetail, b: AccrualDetail): number {
  return (
    a.subaccountId.localeCompare(b.subaccountId) || a.serviceId.localeCompare(b.serviceId) || a.rulesVersion.localeCompare(b.rulesVersion)
  );
}

/** Convenience for literals in tests and small callers. */
export function computeAccrual(input: AccrualInput, rows: Iterable<UsageAggregate>): QuarterAccrual {
  const acc = createAccrualAccumulator(input);
  for (const row of rows) acc.add(row);
  return acc.finish();
}
