import { describe, expect, it } from 'vitest';
import { formatMoney, formatScaled, parseMoney, parseRate, roundScaled, DecimalFormatError } from '../../../shared/domain/money';

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
