/**
 * An exact running sum of money cells as two JS integers: whole units and nano-units, carried.
 *
 * Measured on this machine this is several times faster per row than bigint or decimal.js, and
 * unlike floats it is exact (R6, §4: Decimal(22,9)). A cell has at most 13 integer digits, so
 * units stay far inside 2^53 for millions of rows; a sum that gets near the limit spills into a
 * bigint, so no amount of rows can make it inexact.
 */

const NANOS = 1_000_000_000;
/** Spill threshold: adding one more 13-digit amount to it still stays below 2^53. */
const UNITS_LIMIT = 2 ** 52;

export class ExactSum {
  private units = 0;
  private nanos = 0;
  private spilled = 0n;

  /** Adds `units + nanos / 10^9`; both are integers with the sign of the amount, |nanos| < 10^9. */
  add(units: number, nanos: number): void {
    let n = this.nanos + nanos;
    let u = this.units + units;
    if (n >= NANOS) {
      n -= NANOS;
      u += 1;
    } else if (n <= -NANOS) {
      n += NANOS;
      u -= 1;
    }
    if (u >= UNITS_LIMIT || u <= -UNITS_LIMIT) {
      this.spilled += BigInt(u);
      u = 0;
    }
    this.units = u;
    this.nanos = n;
  }

  /** The exact sum in nano-units. */
  toNanos(): bigint {
    return (this.spilled + BigInt(this.units)) * BigInt(NANOS) + BigInt(this.nanos);
  }
}
