/**
 * Eligibility report (issue 12): per partner and specialization, the paid consumption
 * (cost + credit, R2's `paid`) of that specialization's services (R4, the version in force on the
 * day) by the partner's subaccounts on their linked days (R3), per quarter and for the year —
 * whether or not the partner holds the specialization — beside the yearly thresholds from the
 * rules and the periods the partner held it. Pure: rows are fed one by one.
 */
import { periodsOverlap, quarterOf, type Day } from './calendar';
import type { Currency, SpecializationPeriod, SubaccountLink, UsageAggregate } from './model';
import type { Nanos } from './money';
import { indexLinks } from './periods';
import type { Rules } from './rules';

export interface EligibilityConsumption {
  currency: Currency;
  /** Q1..Q4 of the year. */
  quarters: [Nanos, Nanos, Nanos, Nanos];
  year: Nanos;
  /** The rules' yearly threshold for this specialization and currency, if set. */
  threshold: Nanos | null;
  meets: boolean | null;
}

export interface EligibilityLine {
  specialization: string;
  /** The partner's periods of this specialization that touch the year. */
  held: { from: Day; to: Day | null }[];
  consumption: EligibilityConsumption[];
}

export interface EligibilityReport {
  year: number;
  partners: { partnerId: string; specializations: EligibilityLine[] }[];
}

export function yearRange(year: number): { from: Day; to: Day } {
  return { from: `${year}-01-01`, to: `${year}-12-31` };
}

export function createEligibilityReport(input: {
  rules: Rules;
  year: number;
  links: readonly SubaccountLink[];
  specializations: readonly SpecializationPeriod[];
}) {
  const range = yearRange(input.year);
  const linkOn = indexLinks(input.links);
  const sums = new Map<string, Map<string, Map<Currency, [Nanos, Nanos, Nanos, Nanos]>>>();
  const partnerOf = (id: string) => {
    let p = sums.get(id);
    if (!p) sums.set(id, (p = new Map()));
    return p;
  };
  for (const l of input.links) if (periodsOverlap(l, range)) partnerOf(l.partnerId);

  return {
    add(row: UsageAggregate): void {
      if (row.day < range.from || row.day > range.to) return;
      const spec = input.rules.versionOn(row.day)?.classify(row.serviceId, row.skuId);
      if (!spec) return;
      const link = linkOn(row.accountId, row.day);
      if (!link) return;
      const bySpec = partnerOf(link.partnerId);
      let byCurrency = bySpec.get(spec.id);
      if (!byCurrency) bySpec.set(spec.id, (byCurrency = new Map()));
      const quarters = byCurrency.get(row.currency) ?? [0n, 0n, 0n, 0n];
      quarters[Number(quarterOf(row.day).slice(-1)) - 1]! += row.cost + row.credit;
      byCurrency.set(row.currency, quarters);
    },

    finish(): EligibilityReport {
      const held = input.specializations.filter((p) => periodsOverlap(p, range));
      for (const p of held) {
        const bySpec = partnerOf(p.partnerId);
        if (!bySpec.has(p.specialization)) bySpec.set(p.specialization, new Map());
      }
      const partners = [...sums.keys()].sort().map((partnerId) => {
        const bySpec = sums.get(partnerId)!;
        const specializations = [...bySpec.keys()].sort().map((specialization): EligibilityLine => {
          const thresholds = input.rules.eligibility?.thresholds.get(specialization);
          const consumption = [...bySpec.get(specialization)!]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([currency, quarters]): EligibilityConsumption => {
              const year = quarters.reduce((a, b) => a + b, 0n);
              const threshold = thresholds?.get(currency) ?? null;
              return { currency, quarters, year, threshold, meets: threshold === null ? null : year >= threshold };
            });
          // A threshold in a currency with no consumption is still shown: zero, not met.
          for (const [currency, threshold] of thresholds ?? []) {
            if (!consumption.some((c) => c.currency === currency))
              consumption.push({ currency, quarters: [0n, 0n, 0n, 0n], year: 0n, threshold, meets: threshold <= 0n });
          }
          consumption.sort((a, b) => a.currency.localeCompare(b.currency));
          const periods = held
            .filter((p) => p.partnerId === partnerId && p.specialization === specialization)
            .map((p) => ({ from: p.from, to: p.to }));
          return { specialization, held: periods, consumption };
        });
        return { partnerId, specializations };
      });
      return { year: input.year, partners };
    },
  };
}
