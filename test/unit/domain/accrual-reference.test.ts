/**
 * Differential test of the accrual (R2–R6) against an independent reference written here with
 * decimal.js (a local clone at 60 significant digits) and the plainest possible eligibility logic:
 * seeded random programs, links, grants and usage; every amount must agree to the last digit.
 */
import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { computeAccrual } from '../../../shared/domain/accrual';
import { addDays, quarterRange } from '../../../shared/domain/calendar';
import type { SpecializationPeriod, SubaccountLink, UsageAggregate } from '../../../shared/domain/model';
import { formatMoney, formatScaled, PRODUCT_SCALE } from '../../../shared/domain/money';
import { parseRules } from '../../../shared/domain/rules';
import { grant, link, usage } from '../../support/domain-builders';
import { prng } from '../../../scripts/lib/prng';

const D = Decimal.clone({ precision: 60 });

const SERVICES = ['svc-a', 'svc-b', 'svc-c', 'svc-d', 'svc-unmapped'];
const SPECS = ['s1', 's2', 's3'];
const QUARTER = '2026-Q1';

interface Scenario {
  rulesJson: { versions: Record<string, unknown>[] };
  links: SubaccountLink[];
  specs: SpecializationPeriod[];
  rows: UsageAggregate[];
}

function scenario(seed: number): Scenario {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const day = (from: string, span: number) => addDays(from, Math.floor(rnd() * span));
  const rate = () => `0.${String(Math.floor(rnd() * 1000)).padStart(3, '0')}${rnd() < 0.3 ? '7' : ''}`;
  const money = (max: number) => {
    const units = Math.floor(rnd() * max);
    const nanos = String(Math.floor(rnd() * 1e9)).padStart(9, '0');
    return `${rnd() < 0.1 ? '-' : ''}${units}.${nanos}`;
  };
  const version = (effectiveFrom: string) => ({
    effectiveFrom,
    basis: pick(['paid', 'cost'] as const),
    activity: pick(['daily', 'quarter'] as const),
    rounding: { scale: pick([0, 2, 2, 4]), mode: pick(['half-up', 'half-even'] as const) },
    exclude: { services: rnd() < 0.3 ? ['svc-d'] : [], skus: rnd() < 0.3 ? ['sku-svc-a-1'] : [] },
    specializations: {
      s1: { rate: rate(), services: ['svc-a', 'svc-b'], skus: [] },
      s2: { rate: rate(), services: ['svc-c'], skus: ['sku-svc-a-2'] },
      s3: { rate: rate(), services: ['svc-d'], skus: [] },
    },
  });
  const rulesJson = { versions: [version('2025-01-01'), ...(rnd() < 0.7 ? [version(day('2026-01-15', 70))] : [])] };

  const accounts = ['acc1', 'acc2', 'acc3', 'acc4'];
  const partners = ['p1', 'p2', 'p3'];
  const links: SubaccountLink[] = [];
  for (const account of accounts) {
    // Up to two consecutive, non-overlapping links per account, possibly to different partners.
    const split = day('2025-12-01', 150);
    links.push(link(pick(partners), account, day('2025-11-01', 60), split));
    if (rnd() < 0.6)
      links.push(link(pick(partners), account, addDays(split, 1 + Math.floor(rnd() * 10)), rnd() < 0.5 ? null : day('2026-03-01', 60)));
  }
  const specs: SpecializationPeriod[] = [];
  for (const partner of partners) {
    for (const spec of SPECS) {
      if (rnd() < 0.75) {
        // A period always has a day: one that ends before it starts is a cancelled grant, never in force.
        const from = day('2025-12-01', 100);
        const to = rnd() < 0.5 ? null : day('2026-02-01', 80);
        specs.push(grant(partner, spec, from, to !== null && to < from ? from : to));
      }
    }
  }
  const rows: UsageAggregate[] = [];
  for (let i = 0; i < 400; i++) {
    const service = pick(SERVICES);
    rows.push(
      usage(pick(accounts), day('2025-12-20', 110), service, money(5000), money(100).replace(/^(?!-)/, '-'), {
        skuId: `sku-${service}-${1 + Math.floor(rnd() * 2)}`,
        currency: pick(['RUB', 'RUB', 'USD', 'KZT'] as const),
      }),
    );
  }
  return { rulesJson, links, specs, rows };
}

/** The reference: plain loops, decimal.js, no code shared with the implementation under test. */
function reference(s: Scenario): Map<string, { base: string; exact: string; amount: string }> {
  const { from, to } = quarterRange(QUARTER);
  const versions = [...s.rulesJson.versions].sort((a, b) =>
    String(a['effectiveFrom']).localeCompare(String(b['effectiveFrom'])),
  ) as unknown as {
    effectiveFrom: string;
    basis: string;
    activity: string;
    rounding: { scale: number; mode: string };
    exclude: { services: string[]; skus: string[] };
    specializations: Record<string, { rate: string; services: string[]; skus: string[] }>;
  }[];
  const versionOn = (d: string) => versions.filter((v) => v.effectiveFrom <= d).at(-1);
  const sums = new Map<string, { base: Decimal; exact: Decimal }>();
  for (const row of s.rows) {
    const d = row.day;
    if (d < from || d > to) continue;
    const v = versionOn(d);
    if (!v) continue;
    if (v.exclude.skus.includes(row.skuId) || v.exclude.services.includes(row.serviceId)) continue;
    const entries = Object.entries(v.specializations);
    const spec = entries.find(([, x]) => x.skus.includes(row.skuId)) ?? entries.find(([, x]) => x.services.includes(row.serviceId));
    if (!spec) continue;
    const l = s.links.find((x) => x.subaccountId === row.accountId && x.from <= d && (x.to === null || d <= x.to));
    if (!l) continue;
    const active = s.specs.some(
      (p) =>
        p.partnerId === l.partnerId &&
        p.specialization === spec[0] &&
        (v.activity === 'daily' ? p.from <= d && (p.to === null || d <= p.to) : p.from <= to && (p.to === null || p.to >= from)),
    );
    if (!active) continue;
    const cost = new D(formatMoney(row.cost, 0));
    const basis = v.basis === 'paid' ? cost.plus(formatMoney(row.credit, 0)) : cost;
    const key = `${l.partnerId}/${spec[0]}/${row.currency}`;
    const acc = sums.get(key) ?? { base: new D(0), exact: new D(0) };
    acc.base = acc.base.plus(basis);
    acc.exact = acc.exact.plus(basis.times(spec[1].rate));
    sums.set(key, acc);
  }
  const closing = versionOn(to)!;
  const mode = closing.rounding.mode === 'half-up' ? D.ROUND_HALF_UP : D.ROUND_HALF_EVEN;
  const out = new Map<string, { base: string; exact: string; amount: string }>();
  for (const [key, { base, exact }] of sums) {
    const rounded = exact.toDecimalPlaces(closing.rounding.scale, mode);
    const amount = rounded.isNegative() ? new D(0) : rounded;
    out.set(key, { base: base.toFixed(9), exact: exact.toFixed(18), amount: amount.toFixed(closing.rounding.scale) });
  }
  return out;
}

describe('accrual against an independent decimal.js reference', () => {
  it.each(Array.from({ length: 60 }, (_, i) => i + 1))('agrees to the last digit on random scenario %i', (seed) => {
    const s = scenario(seed);
    const rules = parseRules(s.rulesJson);
    const result = computeAccrual({ rules, quarter: QUARTER, links: s.links, specializations: s.specs }, s.rows);
    const scale = rules.versionOn(quarterRange(QUARTER).to)!.rounding.scale;
    const actual = new Map(
      result.lines.map((l) => [
        `${l.partnerId}/${l.specialization}/${l.currency}`,
        {
          base: formatScaled(l.base, 9, 9),
          exact: formatScaled(l.exact, PRODUCT_SCALE, PRODUCT_SCALE),
          amount: formatScaled(l.amount / 10n ** BigInt(9 - scale), scale, scale),
        },
      ]),
    );
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(reference(s)));
    expect(actual.size).toBeGreaterThan(0);
  });
});

/**
 * Rounding ties on purpose: every line's exact rebate lies exactly half-way between two amounts at
 * the rounding scale (random rate of the form 2^a·5^b, random scale, basis = tie ÷ rate split
 * over random rows and days), so half-up and half-even must part on every even quotient.
 */
const TIE_RATES = ['0.5', '0.25', '0.125', '0.05', '0.1', '0.2', '0.4', '0.04'];

function tieScenario(seed: number, mode: 'half-up' | 'half-even'): { s: Scenario; expected: Map<string, string> } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const scale = pick([0, 1, 2, 2, 4]);
  const rate = pick(TIE_RATES);
  const version = {
    effectiveFrom: '2025-01-01',
    basis: pick(['paid', 'cost'] as const),
    activity: 'daily',
    rounding: { scale, mode },
    exclude: { services: [], skus: [] },
    specializations: { s1: { rate, services: ['svc-a'], skus: [] } },
  };
  const links: SubaccountLink[] = [];
  const specs: SpecializationPeriod[] = [];
  const rows: UsageAggregate[] = [];
  const expected = new Map<string, string>();
  const unit = new D(10).pow(-scale);
  for (let p = 1; p <= 12; p++) {
    links.push(link(`p${p}`, `acc${p}`, '2025-01-01'));
    specs.push(grant(`p${p}`, 's1', '2025-01-01'));
    for (const currency of ['RUB', 'USD'] as const) {
      // The quotient's parity decides half-even; alternate it so both directions occur in every scenario.
      const quotient = 2 * Math.floor(rnd() * 50_000) + (p % 2);
      const tie = unit.times(quotient).plus(unit.div(2));
      const basis = tie.div(rate);
      expect(basis.decimalPlaces()).toBeLessThanOrEqual(9);
      // Split the basis over 1–4 rows on random days of the quarter.
      let left = BigInt(basis.times(1e9).toFixed(0));
      const parts = 1 + Math.floor(rnd() * 4);
      for (let i = 1; i <= parts; i++) {
        const part = i === parts ? left : (left * BigInt(1 + Math.floor(rnd() * 60))) / 100n;
        left -= part;
        const text = new D(part.toString()).div(1e9).toFixed(9);
        rows.push(usage(`acc${p}`, addDays('2026-01-01', Math.floor(rnd() * 90)), 'svc-a', text, '0', { skuId: 'sku-a', currency }));
      }
      const roundedUp = mode === 'half-up' || quotient % 2 === 1;
      expected.set(`p${p}/s1/${currency}`, unit.times(quotient + (roundedUp ? 1 : 0)).toFixed(scale));
    }
  }
  return { s: { rulesJson: { versions: [version] }, links, specs, rows }, expected };
}

describe('rounding ties against the reference and the rounding rule', () => {
  it.each(Array.from({ length: 20 }, (_, i) => [i + 1, i % 2 === 0 ? 'half-up' : 'half-even'] as const))(
    'rounds every exact half-way line of tie scenario %i by %s',
    (seed, mode) => {
      const { s, expected } = tieScenario(seed, mode);
      const rules = parseRules(s.rulesJson);
      const result = computeAccrual({ rules, quarter: QUARTER, links: s.links, specializations: s.specs }, s.rows);
      const scale = rules.versionOn(quarterRange(QUARTER).to)!.rounding.scale;
      const amounts = new Map(
        result.lines.map((l) => [
          `${l.partnerId}/${l.specialization}/${l.currency}`,
          formatScaled(l.amount / 10n ** BigInt(9 - scale), scale, scale),
        ]),
      );
      const ref = reference(s);
      // Every line is a tie: its exact value has exactly one more digit than the scale, a 5.
      for (const { exact } of ref.values()) expect(new D(exact).times(new D(10).pow(scale)).mod(1).toString()).toBe('0.5');
      expect(Object.fromEntries(amounts)).toEqual(Object.fromEntries([...ref].map(([k, v]) => [k, v.amount])));
      expect(Object.fromEntries(amounts)).toEqual(Object.fromEntries(expected));
      expect(amounts.size).toBe(24);
    },
  );
});
