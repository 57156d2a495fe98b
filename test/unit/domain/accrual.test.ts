import { describe, expect, it } from 'vitest';
import { computeAccrual, type AccrualInput } from '../../../shared/domain/accrual';
import { formatMoney } from '../../../shared/domain/money';
import { CLICKHOUSE, COMPUTE, SPEECHSENSE, grant, link, rulesWith, usage } from '../../support/domain-builders';

const Q1 = '2026-Q1';

function amounts(input: AccrualInput, rows: Parameters<typeof computeAccrual>[1]) {
  return computeAccrual(input, rows).lines.map((l) => ({
    partnerId: l.partnerId,
    specialization: l.specialization,
    currency: l.currency,
    base: formatMoney(l.base),
    amount: formatMoney(l.amount),
  }));
}

const baseInput = (over: Partial<AccrualInput> = {}): AccrualInput => ({
  rules: rulesWith(),
  quarter: Q1,
  links: [link('p1', 'acc1', '2025-01-01')],
  specializations: [grant('p1', 'ml-ai', '2025-01-01'), grant('p1', 'infrastructure-devops', '2025-01-01')],
  ...over,
});

// Seven 9-decimal parts summing exactly to 123.45. Summed as floats they give 123.44999999999999,
// and 10% of that rounds to 12.34 — one kopeck short.
const PARTS = ['0.059559187', '1.495354192', '0.671064320', '1.894104320', '1.063758080', '1.252074752', '117.014085149'];

describe('accrual (R2–R6)', () => {
  it('accrues 12.35 on an exact base of 123.45 at 10% where float summation gives 12.34', () => {
    let float = 0;
    for (const p of PARTS) float += parseFloat(p);
    expect((float * 0.1).toFixed(2)).toBe('12.34'); // the trap this test guards against

    const rows = PARTS.map((p, i) => usage('acc1', `2026-01-${String(i + 1).padStart(2, '0')}`, SPEECHSENSE, p));
    expect(amounts(baseInput(), rows)).toEqual([
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', base: '123.45', amount: '12.35' },
    ]);
  });

  it('rounds once at the end with the mode of the version in force on the quarter’s last day', () => {
    const rows = PARTS.map((p, i) => usage('acc1', `2026-01-${String(i + 1).padStart(2, '0')}`, SPEECHSENSE, p));
    const rules = rulesWith({ effectiveFrom: '2023-01-01' }, { effectiveFrom: '2026-03-31', rounding: { scale: 2, mode: 'half-even' } });
    expect(amounts(baseInput({ rules }), rows)[0]!.amount).toBe('12.34'); // 12.345 → even neighbour
    // Three rows of 0.05 at 3%: each product is 0.0015 — rounding per row would give 0.00.
    const small = ['2026-01-01', '2026-01-02', '2026-01-03'].map((d) => usage('acc1', d, COMPUTE, '0.05'));
    expect(amounts(baseInput(), small)[0]!.amount).toBe('0.00');
    const many = Array.from({ length: 10 }, (_, i) => usage('acc1', `2026-02-${String(i + 1).padStart(2, '0')}`, COMPUTE, '0.05'));
    expect(amounts(baseInput(), many)[0]!.amount).toBe('0.02'); // 0.015 → 0.02, not 10 × 0.00
  });

  it('uses cost + credit as the paid basis by default and cost alone when the version says so', () => {
    const rows = [usage('acc1', '2026-01-10', SPEECHSENSE, '100.00', '-30.00')];
    expect(amounts(baseInput(), rows)[0]).toMatchObject({ base: '70.00', amount: '7.00' });
    const rules = rulesWith({ basis: 'cost' });
    expect(amounts(baseInput({ rules }), rows)[0]).toMatchObject({ base: '100.00', amount: '10.00' });
  });

  it('counts only days inside the quarter', () => {
    const rows = [
      usage('acc1', '2025-12-31', SPEECHSENSE, '1000'),
      usage('acc1', '2026-04-01', SPEECHSENSE, '1000'),
      usage('acc1', '2026-03-31', SPEECHSENSE, '10'),
    ];
    expect(amounts(baseInput(), rows)).toEqual([expect.objectContaining({ base: '10.00', amount: '1.00' })]);
  });

  it('counts only days on which the subaccount is linked to the partner (R3)', () => {
    const links = [link('p1', 'acc1', '2026-02-01', '2026-02-28'), link('p2', 'acc1', '2026-03-01')];
    const specs = [grant('p1', 'ml-ai', '2025-01-01'), grant('p2', 'ml-ai', '2025-01-01')];
    const rows = [
      usage('acc1', '2026-01-31', SPEECHSENSE, '1000'),
      usage('acc1', '2026-02-01', SPEECHSENSE, '10'),
      usage('acc1', '2026-02-28', SPEECHSENSE, '20'),
      usage('acc1', '2026-03-01', SPEECHSENSE, '40'),
      usage('acc-unlinked', '2026-02-10', SPEECHSENSE, '5000'),
    ];
    expect(amounts(baseInput({ links, specializations: specs }), rows)).toEqual([
      expect.objectContaining({ partnerId: 'p1', base: '30.00', amount: '3.00' }),
      expect.objectContaining({ partnerId: 'p2', base: '40.00', amount: '4.00' }),
    ]);
  });

  it('counts only days on which the specialization is active with daily activity (R5)', () => {
    const specs = [grant('p1', 'ml-ai', '2026-02-15', '2026-03-09')];
    const rows = [
      usage('acc1', '2026-02-14', SPEECHSENSE, '1000'),
      usage('acc1', '2026-02-15', SPEECHSENSE, '10'),
      usage('acc1', '2026-03-09', SPEECHSENSE, '20'),
      usage('acc1', '2026-03-10', SPEECHSENSE, '1000'),
    ];
    expect(amounts(baseInput({ specializations: specs }), rows)).toEqual([expect.objectContaining({ base: '30.00', amount: '3.00' })]);
  });

  it('counts the whole quarter when the specialization was active on any of its days with quarter activity', () => {
    const rules = rulesWith({ activity: 'quarter' });
    const specs = [grant('p1', 'ml-ai', '2026-03-31', '2026-03-31')];
    const rows = [usage('acc1', '2026-01-01', SPEECHSENSE, '100'), usage('acc1', '2026-03-31', SPEECHSENSE, '100')];
    expect(amounts(baseInput({ rules, specializations: specs }), rows)).toEqual([
      expect.objectContaining({ base: '200.00', amount: '20.00' }),
    ]);
    const outside = [grant('p1', 'ml-ai', '2026-04-01')];
    expect(amounts(baseInput({ rules, specializations: outside }), rows)).toEqual([]);
  });

  it('takes each row’s rate from the version in force on its day and names it in the breakdown', () => {
    const rules = rulesWith(
      { effectiveFrom: '2023-01-01' },
      { effectiveFrom: '2026-02-01', specializations: { 'ml-ai': { rate: '0.20', services: [SPEECHSENSE] } } },
    );
    const rows = [usage('acc1', '2026-01-31', SPEECHSENSE, '100'), usage('acc1', '2026-02-01', SPEECHSENSE, '100')];
    const result = computeAccrual(baseInput({ rules }), rows);
    expect(formatMoney(result.lines[0]!.amount)).toBe('30.00');
    expect(result.rulesVersions).toEqual(['2023-01-01', '2026-02-01']);
    expect(result.lines[0]!.details.map((d) => [d.rulesVersion, d.rate, formatMoney(d.base)])).toEqual([
      ['2023-01-01', '0.10', '100.00'],
      ['2026-02-01', '0.20', '100.00'],
    ]);
  });

  it('keeps currencies apart, never converting', () => {
    const rows = [
      usage('acc1', '2026-01-10', SPEECHSENSE, '100', '0', { currency: 'RUB' }),
      usage('acc1', '2026-01-10', SPEECHSENSE, '7', '0', { currency: 'USD', skuId: 'x' }),
    ];
    expect(amounts(baseInput(), rows).map((l) => [l.currency, l.amount])).toEqual([
      ['RUB', '10.00'],
      ['USD', '0.70'],
    ]);
  });

  it('never accrues a negative amount when credits exceed cost', () => {
    const rows = [usage('acc1', '2026-01-10', SPEECHSENSE, '10', '-25')];
    expect(amounts(baseInput(), rows)).toEqual([expect.objectContaining({ base: '-15.00', amount: '0.00' })]);
  });

  it('ignores services that map to no specialization and specializations the partner does not hold', () => {
    const rows = [usage('acc1', '2026-01-10', 'unknown-service', '1000'), usage('acc1', '2026-01-10', CLICKHOUSE, '1000')];
    expect(amounts(baseInput(), rows)).toEqual([]);
  });
});

describe('accrual breakdown (R11) and its order', () => {
  it('lists lines by partner, specialization and currency, and details by subaccount, service and rules version, whatever the row order', () => {
    const rules = rulesWith({ effectiveFrom: '2023-01-01' }, { effectiveFrom: '2026-02-01' });
    const input = baseInput({
      rules,
      links: [link('p2', 'acc-b', '2025-01-01'), link('p2', 'acc-a', '2025-01-01'), link('p1', 'acc1', '2025-01-01')],
      specializations: [
        grant('p2', 'ml-ai', '2025-01-01'),
        grant('p2', 'infrastructure-devops', '2025-01-01'),
        grant('p1', 'ml-ai', '2025-01-01'),
      ],
    });
    const rows = [
      usage('acc-b', '2026-02-10', SPEECHSENSE, '1', '0', { currency: 'USD' }),
      usage('acc-b', '2026-02-10', SPEECHSENSE, '1'),
      usage('acc-b', '2026-01-10', SPEECHSENSE, '1'),
      usage('acc-a', '2026-01-10', SPEECHSENSE, '1'),
      usage('acc-b', '2026-01-10', COMPUTE, '1'),
      usage('acc1', '2026-01-10', SPEECHSENSE, '1'),
    ];
    const result = computeAccrual(input, rows);
    expect(result.lines.map((l) => [l.partnerId, l.specialization, l.currency])).toEqual([
      ['p1', 'ml-ai', 'RUB'],
      ['p2', 'infrastructure-devops', 'RUB'],
      ['p2', 'ml-ai', 'RUB'],
      ['p2', 'ml-ai', 'USD'],
    ]);
    expect(result.lines[2]!.details.map((d) => [d.subaccountId, d.rulesVersion])).toEqual([
      ['acc-a', '2023-01-01'],
      ['acc-b', '2023-01-01'],
      ['acc-b', '2026-02-01'],
    ]);
    expect(result.rulesVersions).toEqual(['2023-01-01', '2026-02-01']);
  });

  it('orders details of one subaccount by service', () => {
    const rules = rulesWith({ specializations: { 'ml-ai': { rate: '0.10', services: [SPEECHSENSE, CLICKHOUSE] } } });
    const rows = [usage('acc1', '2026-01-10', SPEECHSENSE, '1'), usage('acc1', '2026-01-10', CLICKHOUSE, '1')];
    expect(computeAccrual(baseInput({ rules }), rows).lines[0]!.details.map((d) => d.serviceId)).toEqual([CLICKHOUSE, SPEECHSENSE].sort());
  });

  it('adds rows of the same subaccount, service and version into one detail, keeping a known service name', () => {
    const rows = [
      usage('acc1', '2026-01-10', SPEECHSENSE, '10', '0', { serviceName: 'SpeechSense' }),
      { ...usage('acc1', '2026-01-11', SPEECHSENSE, '5', '0', { serviceName: '' }), rows: 3 },
    ];
    const [line] = computeAccrual(baseInput(), rows).lines;
    expect(line!.details.map((d) => [d.serviceName, formatMoney(d.base), d.rows])).toEqual([['SpeechSense', '15.00', 4]]);
  });
});
