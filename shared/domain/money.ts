/**
 * Exact money arithmetic on scaled integers.
 *
 * Every amount inside the system is a `bigint` count of nano-units (10^-9 of a currency unit),
 * which is exactly the `Decimal(22,9)` of the storage schema. Decimal strings are the only form
 * money takes at the edges (CSV, JSON, storage). JS `number` never carries money.
 *
 * Rates are decimal strings too; a product amount × rate is kept at scale 18 until the single
 * final rounding (R6), done by `roundScaled` — the one rounding function of the codebase.
 */
import { RebatesError } from '../errors';

export const MONEY_SCALE = 9;
export const NANOS_PER_UNIT = 10n ** 9n;

export type Nanos = bigint;
export type RoundingMode = 'half-up' | 'half-even';

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

export class DecimalFormatError extends RebatesError {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super('DECIMAL_FORMAT', `"${input}" is not a valid decimal: ${reason}`);
  }
}

/** Parses a plain decimal string ("-12.5", "0.000000001") into an integer at `scale`. */
export function parseScaled(input: string, scale: number): bigint {
  const match = DECIMAL_RE.exec(input);
  if (!match) throw new DecimalFormatError(input, 'expected digits with an optional dot and fraction');
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > scale) {
    throw new DecimalFormatError(input, `more than ${scale} fractional digits`);
  }
  const digits = BigInt(whole + fraction.padEnd(scale, '0'));
  return sign === '-' ? -digits : digits;
}

/** Formats an integer at `scale` as a decimal string with exactly `minFraction`..`scale` digits. */
export function formatScaled(value: bigint, scale: number, minFraction = 0): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  // Trailing zeros beyond minFraction go; the fraction is cut once (hot: every stored amount).
  let end = digits.length;
  const keep = digits.length - scale + minFraction;
  while (end > keep && digits.charCodeAt(end - 1) === 48) end--;
  const fraction = scale > 0 ? digits.slice(digits.length - scale, end) : '';
  const body = fraction.length > 0 ? `${whole}.${fraction}` : whole;
  return negative ? `-${body}` : body;
}

/** Parses a money string with up to 9 fractional digits into nano-units. */
export function parseMoney(input: string): Nanos {
  return parseScaled(input, MONEY_SCALE);
}

/** Formats nano-units as a decimal string, trimming trailing zeros beyond `minFraction`. */
export function formatMoney(value: Nanos, minFraction = 2): string {
  return formatScaled(value, MONEY_SCALE, Math.min(minFraction, MONEY_SCALE));
}

/**
 * Rounds an integer at `fromScale` to `toScale` fractional digits (toScale ≤ fromScale).
 * `half-up` rounds ties away from zero (the accounting convention); `half-even` to the even
 * neighbour. The result is still expressed at `toScale`.
 */
export function roundScaled(value: bigint, fromScale: number, toScale: number, mode: RoundingMode): bigint {
  if (toScale > fromScale) return value * 10n ** BigInt(toScale - fromScale);
  const divisor = 10n ** BigInt(fromScale - toScale);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  let quotient = magnitude / divisor;
  const remainder = magnitude % divisor;
  const twice = remainder * 2n;
  if (twice > divisor || (twice === divisor && (mode === 'half-up' || quotient % 2n === 1n))) {
    quotient += 1n;
  }
  return negative ? -quotient : quotient;
}

/** Rescales an exact integer from one scale to a larger one (no rounding involved). */
export function rescaleUp(value: bigint, fromScale: number, toScale: number): bigint {
  if (toScale < fromScale) throw new RangeError(`rescaleUp: ${toScale} < ${fromScale}`);
  return value * 10n ** BigInt(toScale - fromScale);
}

export function sumNanos(values: Iterable<Nanos>): Nanos {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

/** A rate such as "0.10", kept as an integer at RATE_SCALE. */
export const RATE_SCALE = 9;
export type ScaledRate = bigint;

export function parseRate(input: string): ScaledRate {
  return parseScaled(input, RATE_SCALE);
}

export function formatRate(rate: ScaledRate): string {
  return formatScaled(rate, RATE_SCALE, 2);
}

/** Scale of an amount × rate product: nanos (9) + rate digits (9). */
export const PRODUCT_SCALE = MONEY_SCALE + RATE_SCALE;

/** Money strings at the edges: optional sign, digits, up to 9 fractional digits. */
export const MONEY_STRING_RE = /^-?\d{1,13}(?:\.\d{1,9})?$/;
