/**
 * Issue 11: a run keeps only the totals per (partner, specialization, currency), no per-subaccount
 * breakdown. These properties check that the totals are exactly what the breakdown gave before —
 * the detailed accumulator (the computation every run used to do) and a plain grouping of its
 * details with bigint sums — on random programs, periods and amounts, and that exact half-way
 * lines round by the rules' mode against a decimal.js reference fed decimal strings. No floats.
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createAccrualAccumulator,
  createDetailedAccrualAccumulator,
  type AccrualAccumulator,
  type AccrualInput,
  type AccrualTotal,
} from '../../shared/domain/accrual';
import { addDays } from '../../shared/domain/calendar';
import type { UsageAggregate } from '../../shared/domain/model';
import { formatMoney, formatScaled, parseRate, PRODUCT_SCALE, rescaleUp, roundScaled, MONEY_SCALE } from '../../shared/domain/money';
import { parseRules } from '../../shared/domain/rules';
import { grant, link } from '../support/domain-builders';

const D = Decimal.clone({ precision: 80 });
const QUARTER = '2026-Q1';
const ACCOUNTS = ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5'];
const PARTNERS = ['p1', 'p2', 'p3'];
const SERVICES = ['svc-a', 'svc-b', 'svc-c', 'svc-unmapped'];

/** Nano-units as bigint: from a cent-only amount (many rounding ties) to any nano value, either sign. */
const nanosArb = fc.oneof(
  fc.bigInt({ min: -(10n ** 12n), max: 10n ** 14n }).map((cents) => cents * 10n ** 7n),
  fc.bigInt({ min: -(10n ** 18n), max: 10n ** 22n - 1n }),
);
const dayArb = fc.integer({ min: -5, max: 95 }).map((d) => addDays('2026-01-01', d));
const rateArb = fc.constantFrom('0.5', '0.25', '0.03', '0.05', '0.1', '0.125', '0.333333333', '0.000000001', '1');

const rowArb = fc
  .record({
    account: fc.constantFrom(...ACCOUNTS),
    day: dayArb,
    service: fc.constantFrom(...SERVICES),
    currency: fc.constantFrom('RUB', 'USD'),
    cost: nanosArb,
    credit: nanosArb.map((v) => (v > 0n ? -v : v)),
    rows: fc.integer({ min: 1, max: 5 }),
  })
  .map(
    (r): UsageAggregate => ({
      accountId: r.account,
      day: r.day,
      serviceId: r.service,
      skuId: `sku-${r.service}`,
      currency: r.currency as UsageAggregate['currency'],
      cost: r.cost,
      credit: r.credit,
      serviceName: r.service,
      skuName: '',
      rows: r.rows,
    }),
  );

const versionArb = (effectiveFrom: string) =>
  fc.record({
    effectiveFrom: fc.constant(effectiveFrom),
    basis: fc.constantFrom('paid', 'cost'),
    activity: fc.constantFrom('daily', 'quarter'),
    rounding: fc.record({ scale: fc.constantFrom(0, 1, 2, 4), mode: fc.constantFrom('half-up', 'half-even') }),
    exclude: fc.record({ services: fc.constant([]), skus: fc.constant([]) }),
    specializations: fc.record({
      s1: fc.record({ rate: rateArb, services: fc.constant(['svc-a', 'svc-b']), skus: fc.constant([]) }),
      s2: fc.record({ rate: rateArb, services: fc.constant(['svc-c']), skus: fc.constant([]) }),
    }),
  });

/** An inclusive period that mostly covers much of the quarter, sometimes only part of it. */
const periodArb = fc
  .tuple(fc.integer({ min: -40, max: 60 }), fc.option(fc.integer({ min: 10, max: 120 }), { nil: null, freq: 2 }))
  .map(([start, length]) => {
    const from = addDays('2026-01-01', start);
    return { from, to: length === null ? null : addDays(from, length) };
  });

const GRANT_KEYS = PARTNERS.flatMap((p) => ['s1', 's2'].map((spec) => [p, spec] as const));

const scenarioArb = fc.record({
  versions: fc.tuple(
    versionArb('2025-01-01'),
    fc.option(
      dayArb.chain((d) => versionArb(d)),
      { nil: null },
    ),
  ),
  links: fc.tuple(...ACCOUNTS.map(() => fc.tuple(fc.constantFrom(...PARTNERS), periodArb))),
  // At most one grant per partner and specialization, so grants never overlap.
  grants: fc.tuple(...GRANT_KEYS.map(() => fc.option(periodArb, { nil: null, freq: 4 }))),
  rows: fc.array(rowArb, { minLength: 30, maxLength: 150 }),
  partnerOnly: fc.option(fc.constantFrom(...PARTNERS), { nil: undefined }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function inputOf(s: Scenario): AccrualInput {
  const versions = s.versions.filter((v) => v !== null);
  const grants = s.grants.flatMap((period, i) =>
    period === null ? [] : [grant(GRANT_KEYS[i]![0], GRANT_KEYS[i]![1], period.from, period.to)],
  );
  return {
    rules: parseRules({ versions }),
    quarter: QUARTER,
    links: s.links.map(([partner, period], i) => link(partner, ACCOUNTS[i]!, period.from, period.to)),
    specializations: grants,
    ...(s.partnerOnly === undefined ? {} : { partnerId: s.partnerOnly }),
  };
}

function run<Line extends AccrualTotal>(acc: AccrualAccumulator<Line>, rows: readonly UsageAggregate[]) {
  for (const row of rows) acc.add(row);
  return acc.finish();
}

describe('accrual totals without the per-subaccount breakdown (issue 11)', () => {
  it('are identical to the totals of the detailed computation, and to the plain sums of its details', () => {
    let linesSeen = 0;
    let detailsSeen = 0;
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const input = inputOf(s);
        const totals = run(createAccrualAccumulator(input), s.rows);
        const detailed = run(createDetailedAccrualAccumulator(input), s.rows);

        expect(totals.lines).toEqual(detailed.lines.map(({ details: _, ...total }) => total));
        expect(totals.rulesVersions).toEqual(detailed.rulesVersions);
        expect(totals.rounding).toEqual(detailed.rounding);
        for (const line of totals.lines)
          expect(Object.keys(line).sort()).toEqual(['amount', 'base', 'currency', 'exact', 'partnerId', 'specialization']);

        // The straightforward computation: group the details, sum with bigints, round once per line.
        const { scale, mode } = detailed.rounding;
        linesSeen += totals.lines.length;
        for (const [i, line] of detailed.lines.entries()) {
          const base = line.details.reduce((sum, d) => sum + d.base, 0n);
          const exact = line.details.reduce((sum, d) => sum + d.base * parseRate(d.rate), 0n);
          const rounded = roundScaled(exact, PRODUCT_SCALE, scale, mode);
          detailsSeen += line.details.length;
          const total = totals.lines[i]!;
          expect(formatMoney(total.base, 9)).toBe(formatMoney(base, 9));
          expect(formatScaled(total.exact, PRODUCT_SCALE)).toBe(formatScaled(exact, PRODUCT_SCALE));
          expect(formatMoney(total.amount, 9)).toBe(formatMoney(rounded > 0n ? rescaleUp(rounded, scale, MONEY_SCALE) : 0n, 9));
        }
      }),
      { numRuns: 300 },
    );
    // The generator must reach the interesting cases: lines with several details each.
    expect(linesSeen).toBeGreaterThan(400);
    expect(detailsSeen).toBeGreaterThan(linesSeen);
  });

  it('round every exact half-way line by the rules mode, as decimal.js does on the decimal strings', () => {
    const tieArb = fc.record({
      rate: fc.constantFrom('0.5', '0.25', '0.125', '0.05'),
      scale: fc.constantFrom(0, 1, 2, 4),
      mode: fc.constantFrom('half-up', 'half-even'),
      // Per line: a count of half units at the rounding scale (odd: a tie), split over a few rows.
      lines: fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('RUB', 'USD')), {
        minLength: 1,
        maxLength: 12,
      }),
    });
    fc.assert(
      fc.property(tieArb, ({ rate, scale, mode, lines }) => {
        const rules = parseRules({
          versions: [
            {
              effectiveFrom: '2025-01-01',
              basis: 'cost',
              activity: 'daily',
              rounding: { scale, mode },
              exclude: { services: [], skus: [] },
              specializations: { s1: { rate, services: ['svc-a'], skus: [] } },
            },
          ],
        });
        const rows: UsageAggregate[] = [];
        const expected = new Map<string, string>();
        const links = lines.map((_, i) => link(`p${i}`, `acc-${i}`, '2025-01-01'));
        const specializations = lines.map((_, i) => grant(`p${i}`, 's1', '2025-01-01'));
        for (const [i, [halves, parts, currency]] of lines.entries()) {
          // exact = (2·halves + 1) half units: basis = that ÷ rate, in nano-units (rates are 2^a·5^b).
          const exact = new D(2n * halves + 1n).times(new D(10).pow(-scale)).div(2);
          const basis = BigInt(exact.div(rate).times(1e9).toFixed(0));
          expect(new D(basis.toString()).div(1e9).times(rate).eq(exact)).toBe(true);
          let left = basis;
          for (let p = 1; p <= parts; p++) {
            const part = p === parts ? left : left / BigInt(parts + 1);
            left -= part;
            rows.push({
              accountId: `acc-${i}`,
              day: addDays('2026-01-01', p * 7),
              serviceId: 'svc-a',
              skuId: 'sku-a',
              currency: currency as UsageAggregate['currency'],
              cost: part,
              credit: 0n,
              serviceName: 'svc-a',
              skuName: '',
              rows: 1,
            });
          }
          const reference = exact.toDecimalPlaces(scale, mode === 'half-up' ? D.ROUND_HALF_UP : D.ROUND_HALF_EVEN);
          expected.set(`p${i}/${currency}`, reference.toFixed(9));
        }
        const totals = run(createAccrualAccumulator({ rules, quarter: QUARTER, links, specializations }), rows);
        expect(Object.fromEntries(totals.lines.map((l) => [`${l.partnerId}/${l.currency}`, formatMoney(l.amount, 9)]))).toEqual(
          Object.fromEntries(expected),
        );
      }),
      { numRuns: 200 },
    );
  });
});
