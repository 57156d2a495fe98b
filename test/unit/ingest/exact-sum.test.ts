import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { ExactSum } from '../../../shared/ingest/exact-sum';

const Exact = Decimal.clone({ precision: 50 });

/** Splits a decimal string into the (units, nanos) pair the parser produces. */
function cell(text: string): [number, number] {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const units = Number(whole);
  const nanos = Number(fraction.padEnd(9, '0'));
  return negative ? [-units, -nanos] : [units, nanos];
}

function sum(values: string[]): string {
  const s = new ExactSum();
  for (const v of values) s.add(...cell(v));
  return formatMoney(s.toNanos(), 0);
}

function decimalSum(values: string[]): string {
  return values.reduce((acc, v) => acc.plus(v), new Exact(0)).toFixed();
}

describe('ExactSum', () => {
  it('carries nano-units into units in both directions', () => {
    expect(sum(['0.999999999', '0.000000001'])).toBe('1');
    expect(sum(['-0.999999999', '-0.000000002'])).toBe('-1.000000001');
    expect(sum(['5', '-0.000000001'])).toBe('4.999999999');
    expect(sum(['-5', '0.000000001'])).toBe('-4.999999999');
  });

  it('sums 0.1 ten times to exactly 1, where floats drift', () => {
    const values = Array.from({ length: 10 }, () => '0.1');
    expect(sum(values)).toBe('1');
    expect(values.reduce((a, v) => a + Number(v), 0).toString()).not.toBe('1');
  });

  it('stays exact past 2^52 units, where the spill threshold lies', () => {
    const values = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? '-9999999999999.999999999' : '9999999999999.999999999'));
    expect(sum(values)).toBe(decimalSum(values));
    // 666 × 9999999999999.999999999: far beyond 2^53 nano-units and past 2^52 whole units.
    expect(sum(values)).toBe('6659999999999999.999999334');
  });

  it('stays exact past 2^53 units, where a float sum would lose whole units, in both directions', () => {
    const max = '9999999999999.999999999';
    // 1,000 largest cells: about 10^16 units, beyond 2^53 ≈ 9.007 × 10^15.
    const up = Array.from({ length: 1000 }, () => max);
    expect(sum(up)).toBe('9999999999999999.999999');
    expect(sum(up)).toBe(decimalSum(up));
    expect(BigInt(sum(up).split('.')[0]!)).toBeGreaterThan(2n ** 53n);
    const down = [...up.map((v) => `-${v}`), '-0.000000001'];
    expect(sum(down)).toBe('-9999999999999999.999999001');
    expect(sum(down)).toBe(decimalSum(down));
    // Odd unit steps above 2^53: a float would round every other one away.
    const odd = [...up, ...Array.from({ length: 7 }, () => '1')];
    expect(sum(odd)).toBe('10000000000000006.999999');
    expect(sum(odd)).toBe(decimalSum(odd));
  });

  it('stays exact when ten million fractions are added, where uncarried nano-units would pass 2^53', () => {
    const up = new ExactSum();
    const down = new ExactSum();
    for (let i = 0; i < 10_000_000; i++) {
      up.add(0, 999_999_999);
      down.add(0, -999_999_999);
    }
    expect(up.toNanos()).toBe(9_999_999_990_000_000n);
    expect(down.toNanos()).toBe(-9_999_999_990_000_000n);
  });

  it('matches decimal.js on long random sequences of mixed-sign 9-decimal amounts', () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const values = Array.from({ length: 5000 }, () => {
      const whole = Math.floor(random() * 10 ** Math.floor(random() * 8));
      const fraction = String(Math.floor(random() * 1e9))
        .padStart(9, '0')
        .slice(0, 1 + Math.floor(random() * 9));
      return `${random() < 0.3 ? '-' : ''}${whole}.${fraction}`;
    });
    expect(sum(values)).toBe(decimalSum(values));
  });
});
