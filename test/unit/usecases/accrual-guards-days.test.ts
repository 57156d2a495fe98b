/**
 * MISSING_EXPORT_DAYS from the store (issue 11): the guards learn which days have data from their
 * scan of the usage and ask the store about the other days one at a time, never listing the
 * quarter's account-days at once. A day whose only account-day arrived with no rows still counts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/domain/calendar';
import type { Store } from '../../../shared/ports/store';
import { quarterWarnings } from '../../../shared/usecases/accrual-guards';
import { rulesWith, SPEECHSENSE, usage } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(() => env.cleanup());

/** Every day of 2026-Q1 but the given ones. */
function quarterDaysExcept(...days: string[]): string[] {
  const all: string[] = [];
  for (let d = '2026-01-01'; d <= '2026-03-31'; d = addDays(d, 1)) if (!days.includes(d)) all.push(d);
  return all;
}

/** Counts the ranges the guards ask account-day versions for. */
function countVersionLists(store: Store): { ranges: { from: string; to: string }[] } {
  const seen = { ranges: [] as { from: string; to: string }[] };
  const list = store.usage.listAccountDayVersions.bind(store.usage);
  store.usage.listAccountDayVersions = (range) => {
    seen.ranges.push({ ...range });
    return list(range);
  };
  return seen;
}

describe('days with export data for MISSING_EXPORT_DAYS', () => {
  it('counts the days with usage and a day whose account-day arrived empty, asking about each other day alone', async () => {
    await env.store.usage.applyAccountDays('a.csv', [
      { accountId: 'acc1', day: '2026-01-10', version: 1, rows: [usage('acc1', '2026-01-10', SPEECHSENSE, '10')] },
      { accountId: 'acc2', day: '2026-02-03', version: 1, rows: [] },
    ]);
    const asked = countVersionLists(env.store);
    env.setNow('2026-05-15T09:00:00Z');

    const warnings = await quarterWarnings(env.deps, '2026-Q1', []);

    const missing = warnings.find((w) => w.code === 'MISSING_EXPORT_DAYS');
    expect(missing?.['days']).toEqual(quarterDaysExcept('2026-01-10', '2026-02-03'));
    // The quarter's 90 days but the one the scan saw usage on, each asked alone; then the days after today.
    const quarterAsks = asked.ranges.filter((r) => r.from <= '2026-03-31');
    expect(quarterAsks).toHaveLength(89);
    expect(quarterAsks.every((r) => r.from === r.to)).toBe(true);
    expect(quarterAsks.map((r) => r.from)).not.toContain('2026-01-10');
  });

  it('asks the store nothing about the quarter when every day has usage', async () => {
    const batches = quarterDaysExcept().map((day) => ({
      accountId: 'acc1',
      day,
      version: 1,
      rows: [usage('acc1', day, SPEECHSENSE, '1')],
    }));
    await env.store.usage.applyAccountDays('q.csv', batches);
    const asked = countVersionLists(env.store);
    env.setNow('2026-05-15T09:00:00Z');

    const warnings = await quarterWarnings(env.deps, '2026-Q1', []);

    expect(warnings.map((w) => w.code)).not.toContain('MISSING_EXPORT_DAYS');
    expect(asked.ranges.filter((r) => r.from <= '2026-03-31')).toEqual([]);
  });
});
