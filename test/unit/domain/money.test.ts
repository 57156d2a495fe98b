import { describe, expect, it } from 'vitest';
import {
  formatMoney,
  formatScaled,
  parseMoney,
  parseRate,
  rescaleUp,
  roundScaled,
  sumNanos,
  DecimalFormatError,
} from '../../../shared/domain/money';

describe('money', () => {
  it('parses and formats nano-units exactly, including the extremes of Decimal(22,9)', () => {
    for (const s of ['0', '1', '-0.000000001', '12345678901.123456789', '9999999999999.999999999', '-42.5']) {
      expect(formatScaled(parseMoney(s), 9)).toBe(s);
    }
    expect(parseMoney('0.1') + parseMoney('0.2')).toBe(parseMoney('0.3'));
    expect(formatMoney(parseMoney('12.3'))).toBe('12.30');
    expect(formatMoney(parseMoney('-0.5'), 2)).toBe('-0.50');
    expect(formatMoney(parseMoney('1.000000001'))).toBe('1.000000001');
  });

  it('rejects malformed money with the reason', () => {
    for (const bad of ['', '1,5', '1e3', ' 1', '1.', '.5', '1.0000000001', 'abc', '--1']) {
      expect(() => parseMoney(bad)).toThrow(DecimalFormatError);
    }
    expect(() => parseMoney('1.0000000001')).toThrow(/more than 9 fractional digits/);
  });

  it('rounds half-up away from zero and half-even to the even neighbour', () => {
    const r = (v: string, mode: 'half-up' | 'half-even') => formatScaled(roundScaled(parseMoney(v), 9, 2, mode), 2, 2);
    expect(r('12.345', 'half-up')).toBe('12.35');
    expect(r('12.345', 'half-even')).toBe('12.34');
    expect(r('12.355', 'half-even')).toBe('12.36');
    expect(r('12.344999999', 'half-up')).toBe('12.34');
    expect(r('12.345000001', 'half-even')).toBe('12.35');
    expect(r('-12.345', 'half-up')).toBe('-12.35');
    expect(r('-12.345', 'half-even')).toBe('-12.34');
    expect(r('0.004999999', 'half-up')).toBe('0.00');
    expect(r('0.005', 'half-up')).toBe('0.01');
  });

  it('keeps rates as exact scaled integers', () => {
    expect(parseRate('0.10')).toBe(100_000_000n);
    expect(parseRate('0.03') * 3n).toBe(parseRate('0.09'));
  });
});

describe('money scales', () => {
  it('scales a value up exactly when the target scale is larger, and refuses to scale down without rounding', () => {
    expect(roundScaled(123n, 2, 4, 'half-up')).toBe(12300n);
    expect(roundScaled(123n, 2, 2, 'half-even')).toBe(123n);
    expect(rescaleUp(5n, 2, 9)).toBe(50_000_000n);
    expect(rescaleUp(5n, 9, 9)).toBe(5n);
    expect(() => rescaleUp(5n, 9, 2)).toThrow(RangeError);
  });

  it('rounds negative half-way values away from zero (half-up) or to even (half-even)', () => {
    expect(roundScaled(-125n, 2, 1, 'half-up')).toBe(-13n);
    expect(roundScaled(-125n, 2, 1, 'half-even')).toBe(-12n);
    expect(roundScaled(-135n, 2, 1, 'half-even')).toBe(-14n);
  });

  it('sums nano-units exactly, negatives included', () => {
    expect(sumNanos([parseMoney('0.1'), parseMoney('0.2'), parseMoney('-0.05')])).toBe(parseMoney('0.25'));
    expect(sumNanos([])).toBe(0n);
  });

  it('formats whole numbers at scale 0 without a point', () => {
    expect(formatScaled(1234n, 0)).toBe('1234');
    expect(formatScaled(-7n, 0, 0)).toBe('-7');
  });
});
