/**
 * Days and quarters (R1). A day is an ISO calendar date string `YYYY-MM-DD` in Moscow time
 * (UTC+3); a quarter is `YYYY-Qn`. Lexicographic order of day strings is chronological order,
 * so comparisons are plain string comparisons. No other time zone enters the computation.
 */

export type Day = string;
export type Quarter = string;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const QUARTER_RE = /^(\d{4})-Q([1-4])$/;
const MS_PER_DAY = 86_400_000;
const MOSCOW_OFFSET_MS = 3 * 3_600_000;

export function isDay(value: string): boolean {
  const match = DAY_RE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.toISOString().slice(0, 10) === value;
}

/**
 * A quarter whose days are all calendar days here: years 0100..9999 (JS dates map years below 100
 * to 19xx) and not 9999-Q4, whose successor day does not exist. Anything else is input to refuse,
 * never a RangeError later.
 */
export function isQuarter(value: string): boolean {
  const match = QUARTER_RE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  return year >= 100 && !(year === 9999 && match[2] === '4');
}

function dayToEpochDays(day: Day): number {
  if (!isDay(day)) throw new RangeError(`"${day}" is not a calendar day (YYYY-MM-DD)`);
  return Date.parse(`${day}T00:00:00Z`) / MS_PER_DAY;
}

function epochDaysToDay(epochDays: number): Day {
  return new Date(epochDays * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(day: Day, count: number): Day {
  return epochDaysToDay(dayToEpochDays(day) + count);
}

/** Days from 1970-01-01 — YDB's `Date` wire value. */
export function toEpochDays(day: Day): number {
  return dayToEpochDays(day);
}

export function fromEpochDays(epochDays: number): Day {
  return epochDaysToDay(epochDays);
}

export function quarterOf(day: Day): Quarter {
  if (!isDay(day)) throw new RangeError(`"${day}" is not a calendar day (YYYY-MM-DD)`);
  const month = Number(day.slice(5, 7));
  return `${day.slice(0, 4)}-Q${Math.floor((month - 1) / 3) + 1}`;
}

export interface DayRange {
  from: Day;
  to: Day;
}

export function quarterRange(quarter: Quarter): DayRange {
  const match = QUARTER_RE.exec(quarter);
  if (!match || !isQuarter(quarter)) throw new RangeError(`"${quarter}" is not a quarter (YYYY-Qn)`);
  const year = Number(match[1]);
  const q = Number(match[2]);
  const firstMonth = (q - 1) * 3 + 1;
  const from = `${match[1]}-${String(firstMonth).padStart(2, '0')}-01`;
  const nextStart = q === 4 ? `${year + 1}-01-01` : `${match[1]}-${String(firstMonth + 3).padStart(2, '0')}-01`;
  return { from, to: addDays(nextStart, -1) };
}

export function previousQuarter(quarter: Quarter): Quarter {
  const match = QUARTER_RE.exec(quarter);
  if (!match) throw new RangeError(`"${quarter}" is not a quarter (YYYY-Qn)`);
  const year = Number(match[1]);
  const q = Number(match[2]);
  return q === 1 ? `${year - 1}-Q4` : `${year}-Q${q - 1}`;
}

/** "Today" for the business: the calendar day in UTC+3 at the given instant (R1). */
export function moscowDay(instant: Date): Day {
  return new Date(instant.getTime() + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
}

/** The last quarter that has fully ended before `today`. */
export function lastClosedQuarter(today: Day): Quarter {
  return previousQuarter(quarterOf(today));
}

/** Inclusive day range test; `to === null` means open-ended. */
export function dayInPeriod(day: Day, from: Day, to: Day | null): boolean {
  return day >= from && (to === null || day <= to);
}

/** Whether an inclusive period has no day at all (a cancelled link or grant ends the day before it starts). */
export function isEmptyPeriod(p: { from: Day; to: Day | null }): boolean {
  return p.to !== null && p.to < p.from;
}

/** Whether two inclusive periods (open end = null) share at least one day; an empty period shares none. */
export function periodsOverlap(a: { from: Day; to: Day | null }, b: { from: Day; to: Day | null }): boolean {
  if (isEmptyPeriod(a) || isEmptyPeriod(b)) return false;
  const aEndsBeforeB = a.to !== null && a.to < b.from;
  const bEndsBeforeA = b.to !== null && b.to < a.from;
  return !aEndsBeforeB && !bEndsBeforeA;
}
