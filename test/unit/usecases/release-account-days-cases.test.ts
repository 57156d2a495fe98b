/**
 * releaseAccountDays (I1, R12) on a SQLite store: the range it accepts and what its audit entry
 * and its refusals say.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDays } from '../../../shared/domain/calendar';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { releaseAccountDays } from '../../../shared/usecases/release-account-days';
import { rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, plausibleVersion, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(() => env.cleanup());

const who = { actor: 'op-anna', note: 'ticket 17' };
const VERSION = plausibleVersion(1000);

/** Stores acc1's usage on `count` consecutive days from 2026-01-01; returns the days. */
async function storeDays(count: number): Promise<string[]> {
  const days = Array.from({ length: count }, (_, i) => addDays('2026-01-01', i));
  const rows = days.map((day): [string, string, string, string, string, number] => ['acc1', SPEECHSENSE, day, '10', '0', 1000]);
  expect((await ingestExport(env.deps, csvObject('days.csv', csv(rows)))).status).toBe('applied');
  return days;
}

async function releaseReason(): Promise<string> {
  const entry = (await env.store.usage.listIngestLog()).find((e) => e.objectKey.startsWith('operator:release/'));
  if (!entry) throw new Error('no release entry in the ingest log');
  return entry.reason ?? '';
}

describe('releaseAccountDays: the range', () => {
  it('refuses a range that ends before it starts', async () => {
    await storeDays(3);
    expect(await releaseAccountDays(env.deps, { subaccountId: 'acc1', from: '2026-01-03', to: '2026-01-01', ...who })).toEqual({
      ok: false,
      code: 'INVALID_INPUT',
      message: '--to 2026-01-01 is before --day 2026-01-03',
    });
  });

  it('accepts a year of days (366) at once and refuses one day more', async () => {
    // 2025-01-01..2026-01-01 is 366 days; nothing is stored then, so the 366 are looked up and not found.
    expect(await releaseAccountDays(env.deps, { subaccountId: 'acc1', from: '2025-01-01', to: '2026-01-01', ...who })).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
    });
    expect(await releaseAccountDays(env.deps, { subaccountId: 'acc1', from: '2025-01-01', to: '2026-01-02', ...who })).toEqual({
      ok: false,
      code: 'INVALID_INPUT',
      message: 'at most 366 days can be released at once',
    });
  });

  it('names the one day, or the range, that holds no stored usage', async () => {
    const one = await releaseAccountDays(env.deps, { subaccountId: 'acc1', from: '2026-02-01', to: '2026-02-01', ...who });
    const range = await releaseAccountDays(env.deps, { subaccountId: 'acc1', from: '2026-02-01', to: '2026-02-03', ...who });
    expect([one, range]).toEqual([
      { ok: false, code: 'NOT_FOUND', message: 'subaccount acc1 has no stored usage on 2026-02-01' },
      { ok: false, code: 'NOT_FOUND', message: 'subaccount acc1 has no stored usage on 2026-02-01..2026-02-03' },
    ]);
  });
});

describe('releaseAccountDays: the audit entry', () => {
  it('lists all of ten released versions in the reason', async () => {
    const days = await storeDays(10);
    const r = await releaseAccountDays(env.deps, { subaccountId: 'acc1', from: '2026-01-01', to: '2026-01-10', ...who });
    expect(r.ok && r.released.length).toBe(10);
    const shown = days.map((d) => `${d} version ${VERSION} → 0`).join(', ');
    expect(await releaseReason()).toBe(`versions released by op-anna: ticket 17 — acc1 ${shown}; the next file of each replaces it`);
  });

  it('lists the first ten released versions and counts the rest', async () => {
    const days = await storeDays(12);
    const r = await releaseAccountDays(env.deps, { subaccountId: 'acc1', from: '2026-01-01', to: '2026-01-12', ...who });
    expect(r.ok && r.released.map((v) => v.day)).toEqual(days);
    const shown = days
      .slice(0, 10)
      .map((d) => `${d} version ${VERSION} → 0`)
      .join(', ');
    expect(await releaseReason()).toBe(
      `versions released by op-anna: ticket 17 — acc1 ${shown} and 2 more; the next file of each replaces it`,
    );
  });
});
