/**
 * Byte-level parsers for the cells of a billing export (§4), used on the hot path of the
 * streaming parser: no strings, no regexes, no floats. Each returns null when the cell is valid
 * (writing the value into an out-parameter) or the reason it is not.
 */
import type { Currency } from '../domain/model';

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

/** Decimal(22,9): at most 13 integer digits; the fraction is nano-units. */
const MAX_UNITS = 1e13;
const FRACTION_DIGITS = 9;
const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/**
 * A money cell as two exact JS integers with the same sign: whole units (< 10^13, so well inside
 * 2^53) and nano-units (< 10^9). Together they are the exact value; no float is ever formed.
 */
export interface MoneyCell {
  units: number;
  nanos: number;
}

/** Parses `-?digits(.digits{1,9})?` from bytes [s, e). */
export function parseMoneyCell(buf: Buffer, s: number, e: number, out: MoneyCell): string | null {
  if (s === e) return 'is empty';
  let p = s;
  const negative = buf[p] === MINUS;
  if (negative) p++;
  const intStart = p;
  let units = 0;
  while (p < e) {
    const d = buf[p]! - ZERO;
    if (d < 0 || d > 9) break;
    units = units * 10 + d;
    p++;
  }
  if (p === intStart) return 'must start with a digit (after an optional minus)';
  if (units >= MAX_UNITS) return 'has more than 13 integer digits (Decimal(22,9))';
  let nanos = 0;
  if (p < e) {
    if (buf[p] !== DOT) return 'must be a decimal with a dot separator (no comma, exponent or spaces)';
    p++;
    const fracStart = p;
    while (p < e) {
      const d = buf[p]! - ZERO;
      if (d < 0 || d > 9) return 'must have only digits after the decimal point';
      if (p - fracStart >= FRACTION_DIGITS) return 'has more than 9 fractional digits';
      nanos = nanos * 10 + d;
      p++;
    }
    const digits = p - fracStart;
    if (digits === 0) return 'must have digits after the decimal point';
    nanos *= POW10[FRACTION_DIGITS - digits]!;
  }
  out.units = negative ? -units : units;
  out.nanos = negative ? -nanos : nanos;
  return null;
}

/** Index into CURRENCY_CODES of a currency cell, or -1. */
export function parseCurrencyCell(buf: Buffer, s: number, e: number): number {
  if (e - s !== 3) return -1;
  const a = buf[s];
  const b = buf[s + 1];
  const c = buf[s + 2];
  if (a === 0x52 && b === 0x55 && c === 0x42) return 0; // RUB
  if (a === 0x55 && b === 0x53 && c === 0x44) return 1; // USD
  if (a === 0x4b && b === 0x5a && c === 0x54) return 2; // KZT
  return -1;
}

export const CURRENCY_CODES: readonly Currency[] = ['RUB', 'USD', 'KZT'];

/** A non-negative integer (Unix seconds) that a JS number holds exactly, or -1. */
export function parseUnsignedCell(buf: Buffer, s: number, e: number): number {
  if (s === e || e - s > 15) return -1;
  let value = 0;
  for (let p = s; p < e; p++) {
    const d = buf[p]! - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether bytes [s, e) are a real calendar day `YYYY-MM-DD` (R1). Agrees with the domain's
 * `isDay` (years 0100..9999; a test compares the two), without making a string per row.
 */
export function isCalendarDayCell(buf: Buffer, s: number, e: number): boolean {
  if (e - s !== 10 || buf[s + 4] !== MINUS || buf[s + 7] !== MINUS) return false;
  const year = digits(buf, s, 4);
  const month = digits(buf, s + 5, 2);
  const day = digits(buf, s + 8, 2);
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!);
}

/** The value of `count` ASCII digits at `s`, or -1 if any is not a digit. */
function digits(buf: Buffer, s: number, count: number): number {
  let value = 0;
  for (let p = s; p < s + count; p++) {
    const d = buf[p]! - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Compares a validated day cell at `s` with a `YYYY-MM-DD` in ASCII bytes: <0, 0 or >0. */
export function compareDayCell(buf: Buffer, s: number, day: Buffer): number {
  for (let i = 0; i < 10; i++) {
    const d = buf[s + i]! - day[i]!;
    if (d !== 0) return d;
  }
  return 0;
}
