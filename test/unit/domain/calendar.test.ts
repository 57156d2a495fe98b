import { describe, expect, it } from 'vitest';
import {
  addDays,
  fromEpochDays,
  isDay,
  lastClosedQuarter,
  moscowDay,
  periodsOverlap,
  previousQuarter,
  quarterOf,
  quarterRange,
  toEpochDays,
} from '../../../shared/domain/calendar';

describe('calendar (R1)', () => {
  it('knows real calendar days only', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2026-13-01')).toBe(false);
    expect(isDay('2026-1-01')).toBe(false);
  });

  it('maps days to quarters and quarters to inclusive day ranges', () => {
    expect(quarterOf('2026-03-31')).toBe('2026-Q1');
    expect(quarterOf('2026-04-01')).toBe('2026-Q2');
    expect(quarterRange('2026-Q1')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(quarterRange('2024-Q1')).toEqual({ from: '2024-01-01', to: '2024-03-31' });
    expect(quarterRange('2026-Q4')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(previousQuarter('2026-Q1')).toBe('2025-Q4');
  });

  it('takes today in UTC+3: 21:30 UTC on March 31 is already April 1 in Moscow', () => {
    expect(moscowDay(new Date('2026-03-31T21:30:00Z'))).toBe('2026-04-01');
    expect(moscowDay(new Date('2026-03-31T20:59:59Z'))).toBe('2026-03-31');
    expect(lastClosedQuarter(moscowDay(new Date('2026-03-31T21:30:00Z')))).toBe('2026-Q1');
  });

  it('does day arithmetic across months and years, and YDB day counts round-trip', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(toEpochDays('1970-01-02')).toBe(1);
    expect(fromEpochDays(toEpochDays('2026-11-26'))).toBe('2026-11-26');
  });

  it('treats periods as inclusive with open ends', () => {
    expect(periodsOverlap({ from: '2026-01-01', to: '2026-01-31' }, { from: '2026-01-31', to: null })).toBe(true);
    expect(periodsOverlap({ from: '2026-01-01', to: '2026-01-30' }, { from: '2026-01-31', to: null })).toBe(false);
    expect(periodsOverlap({ from: '2026-01-01', to: null }, { from: '2025-01-01', to: '2025-12-31' })).toBe(false);
  });
});

describe('calendar input checks', () => {
  it('refuses to count from or name the quarter of a day that does not exist', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(/"2026-02-30" is not a calendar day/);
    expect(() => toEpochDays('2026-13-01')).toThrow(RangeError);
    expect(() => quarterOf('2026-13-01')).toThrow(/"2026-13-01" is not a calendar day/);
  });
});
