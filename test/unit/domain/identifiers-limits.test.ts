/** The edges of every identifier and text rule: exact limits, positions in reasons, anchored patterns, the supported years. */
import { describe, expect, it } from 'vitest';
import {
  actorProblem,
  dayProblem,
  displayNameProblem,
  identifierProblem,
  MAX_DISPLAY_NAME,
  noteProblem,
  MAX_NOTE,
  quarterProblem,
  specializationIdProblem,
} from '../../../shared/domain/identifiers';

describe('lengths: the limit itself is accepted, one more is refused', () => {
  it('identifiers', () => {
    expect(identifierProblem('a'.repeat(8), 'id', 8)).toBeNull();
    expect(identifierProblem('a'.repeat(9), 'id', 8)).toBe('id is 9 characters long (at most 8)');
  });

  it('notes', () => {
    expect(noteProblem('n'.repeat(MAX_NOTE))).toBeNull();
    expect(noteProblem('n'.repeat(MAX_NOTE + 1))).toBe(`note is ${MAX_NOTE + 1} characters long (at most ${MAX_NOTE})`);
  });

  it('display names, which may hold line breaks and tabs but no other control character', () => {
    expect(displayNameProblem('x'.repeat(MAX_DISPLAY_NAME), 'sku name')).toBeNull();
    expect(displayNameProblem('x'.repeat(MAX_DISPLAY_NAME + 1), 'sku name')).toBe(
      `sku name is ${MAX_DISPLAY_NAME + 1} characters long (at most ${MAX_DISPLAY_NAME})`,
    );
    expect(displayNameProblem('line 1\r\nline 2\tend', 'sku name')).toBeNull();
    expect(displayNameProblem('red \u001b[31m', 'sku name')).toBe('sku name contains a control character (U+001B at position 5)');
  });
});

describe('reasons name the character and its 1-based position', () => {
  it('control characters and U+FFFD in identifiers', () => {
    expect(identifierProblem('ab\u0001c', 'id', 64)).toBe('id contains a control or invisible character (U+0001 at position 3)');
    expect(identifierProblem('ab\uFFFDc', 'id', 64)).toBe('id contains U+FFFD (a character that was not valid UTF-8)');
  });

  it('an invisible (format) character in an actor, which is not a control character', () => {
    expect(actorProblem('op\u200B1')).toBe('actor contains an invisible character (U+200B at position 3)');
    expect(actorProblem('op-1')).toBeNull();
  });
});

describe('days and quarters', () => {
  it('accepts the first and last supported day and refuses the days around them', () => {
    expect(dayProblem('2000-01-01')).toBeNull();
    expect(dayProblem('2999-12-31')).toBeNull();
    expect(dayProblem('1999-12-31')).toBe('day 1999-12-31 is outside the supported range 2000-01-01..2999-12-31');
    expect(dayProblem('3000-01-01', 'from')).toBe('from 3000-01-01 is outside the supported range 2000-01-01..2999-12-31');
  });

  it('accepts the first and last supported quarter and refuses the quarters around them', () => {
    expect(quarterProblem('2000-Q1')).toBeNull();
    expect(quarterProblem('2999-Q4')).toBeNull();
    expect(quarterProblem('1999-Q4')).toBe('quarter 1999-Q4 is outside the supported years 2000..2999');
    expect(quarterProblem('3000-Q1', '--quarter')).toBe('--quarter 3000-Q1 is outside the supported years 2000..2999');
  });

  it('refuses text around a quarter or a day, quoting at most 40 characters of it', () => {
    expect(quarterProblem('x2026-Q1')).toBe('quarter "x2026-Q1" is not a quarter (expected YYYY-Qn, e.g. 2026-Q1)');
    expect(quarterProblem('2026-Q1x')).toBe('quarter "2026-Q1x" is not a quarter (expected YYYY-Qn, e.g. 2026-Q1)');
    const long = `2026-Q1${'z'.repeat(50)}`;
    expect(quarterProblem(long)).toBe(`quarter "${long.slice(0, 40)}" is not a quarter (expected YYYY-Qn, e.g. 2026-Q1)`);
    const longDay = `2026-01-01${'z'.repeat(50)}`;
    expect(dayProblem(longDay)).toBe(`day "${longDay.slice(0, 40)}" is not a calendar day (YYYY-MM-DD)`);
  });
});

describe('specialization ids', () => {
  it('refuses an id with anything but kebab-case at either end, quoting at most 40 characters', () => {
    expect(specializationIdProblem('ml-ai')).toBeNull();
    expect(specializationIdProblem('ML-ai')).toBe('specialization "ML-ai" is not a specialization id (kebab-case, e.g. ml-ai)');
    expect(specializationIdProblem('ml-aI')).toBe('specialization "ml-aI" is not a specialization id (kebab-case, e.g. ml-ai)');
    const long = 'A'.repeat(70);
    expect(specializationIdProblem(long)).toBe(`specialization "${'A'.repeat(40)}" is not a specialization id (kebab-case, e.g. ml-ai)`);
  });
});
