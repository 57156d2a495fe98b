/**
 * The guards' own reads of the store: the usage scan is retried when the store interrupts it (as
 * the accrual's is), and future-dated days are listed sorted and once each, whatever order the
 * store answers in.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { quarterWarnings } from '../../../shared/usecases/accrual-guards';
import { rulesWith, SPEECHSENSE, usage } from '../../support/domain-builders';
import { interruptScans } from '../../support/store-faults';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
beforeEach(async () => {
  env = createTestEnv(rulesWith());
  env.setNow('2026-05-15T09:00:00Z');
  await env.store.usage.applyAccountDays('a.csv', [
    { accountId: 'acc1', day: '2026-01-10', version: 1, rows: [usage('acc1', '2026-01-10', SPEECHSENSE, '10')] },
  ]);
});
afterEach(() => env.cleanup());

describe('the guards’ usage scan', () => {
  it('scans again when the store interrupts it, and reports what the complete scan found', async () => {
    const scans = interruptScans(env.store, 2, { code: 'YDB_SCAN_INTERRUPTED' });
    const warnings = await quarterWarnings(env.deps, '2026-Q1', []);
    expect(scans()).toBe(3);
    expect(warnings.find((w) => w.code === 'UNLINKED_USAGE')).toMatchObject({
      subaccounts: [{ subaccountId: 'acc1', from: '2026-01-10', to: '2026-01-10', base: '10.00' }],
    });
  });

  it('gives up after the third interrupted scan with the store’s error', async () => {
    const scans = interruptScans(env.store, 3, { code: 'YDB_SCAN_INTERRUPTED' });
    await expect(quarterWarnings(env.deps, '2026-Q1', [])).rejects.toMatchObject({ code: 'YDB_SCAN_INTERRUPTED' });
    expect(scans()).toBe(3);
  });

  it('does not scan again after another failure', async () => {
    const scans = interruptScans(env.store, 1, { code: 'YDB_UNAVAILABLE' });
    await expect(quarterWarnings(env.deps, '2026-Q1', [])).rejects.toMatchObject({ code: 'YDB_UNAVAILABLE' });
    expect(scans()).toBe(1);
  });
});

describe('future-dated usage', () => {
  it('lists each future day once, in day order, even when the store answers in another order', async () => {
    await env.store.usage.applyAccountDays('b.csv', [
      { accountId: 'acc1', day: '2026-05-20', version: 1, rows: [] },
      { accountId: 'acc2', day: '2026-05-20', version: 1, rows: [] },
      { accountId: 'acc1', day: '2026-06-02', version: 1, rows: [] },
      { accountId: 'acc1', day: '2026-05-17', version: 1, rows: [] },
    ]);
    const list = env.store.usage.listAccountDayVersions.bind(env.store.usage);
    env.store.usage.listAccountDayVersions = async (range) => (await list(range)).reverse();
    const warnings = await quarterWarnings(env.deps, '2026-Q1', []);
    expect(warnings.find((w) => w.code === 'FUTURE_OR_OPEN_DATA')?.['futureDays']).toEqual(['2026-05-17', '2026-05-20', '2026-06-02']);
  });
});
