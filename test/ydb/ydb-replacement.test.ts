/**
 * Account-day replacement is atomic for readers (I1, I3): new rows are written under a new
 * generation, then one transaction switches the pointers. A reader between the steps, or after a
 * failure between them, sees the old account-days only; after the switch, all new ones; a re-run
 * finishes the job. Replaced generations are deleted afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyResult, batch, usageIn } from '../contract/fixtures';
import { startFakeYdb, type FakeHarness } from './harness';
import { DAY, NEW, OLD, shortly, v1, v2 } from './replacement-fixtures';

let h: FakeHarness;
beforeEach(async () => {
  h = await startFakeYdb();
  await h.store.usage.applyAccountDays('v1.csv', v1());
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

const generationsOf = (accountId: string) =>
  new Set(
    h.fake.engine
      .dump('usage_aggregates')
      .filter((r) => r['account_id'] === accountId)
      .map((r) => r['generation']),
  );

describe('atomic replacement', () => {
  it('shows readers the old account-days while the new rows are written, then all of the new ones at once', async () => {
    const reader = await h.connect();
    const paused = h.fake.pause('ExecuteDataQuery', 'upsert_account_day_versions');

    const applying = h.store.usage.applyAccountDays('v2.csv', v2());
    await paused.reached;
    // The new generation is physically there (BulkUpsert is done) but no pointer names it yet.
    expect(h.fake.engine.dump('usage_aggregates')).toHaveLength(6);
    expect(shortly(await usageIn(reader.store, DAY, DAY))).toEqual(OLD);
    paused.release();
    await applying;

    expect(shortly(await usageIn(reader.store, DAY, DAY))).toEqual(NEW);
  });

  it('leaves the old account-days in place when the switch fails after the rows were written, undoes the rows, and a re-run finishes', async () => {
    h.fake.fail('ExecuteDataQuery', 'INTERNAL_ERROR', { target: 'upsert_account_day_versions' });

    await expect(h.store.usage.applyAccountDays('v2.csv', v2())).rejects.toMatchObject({ code: 'YDB_INTERNAL_ERROR' });

    // v1 and v2 each: one request of sentinel rows, one of the rest; the undo deleted v2's rows.
    expect(h.fake.calls('BulkUpsert', 'usage_aggregates')).toHaveLength(4);
    expect(h.fake.engine.dump('usage_aggregates')).toHaveLength(3);
    expect(h.fake.engine.dump('applies_in_progress')).toEqual([]);
    expect(h.fake.engine.dump('apply_journal')).toEqual([]);
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(OLD);
    expect(
      (await h.store.usage.listAccountDayVersions({ from: DAY, to: DAY })).map((v) => `${v.accountId} ${v.version} ${v.sourceKey}`),
    ).toEqual(['acc-1 100 v1.csv', 'acc-2 100 v1.csv']);

    const rerun = await h.store.usage.applyAccountDays('v2.csv', v2());

    expect(rerun.applied.map((v) => `${v.accountId} ${v.version}`)).toEqual(['acc-1 200', 'acc-2 200']);
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(NEW);
  });

  it('deletes the replaced generation after the switch and keeps only the live one', async () => {
    const before = generationsOf('acc-1');

    await h.store.usage.applyAccountDays('v2.csv', v2());

    const after = generationsOf('acc-1');
    expect(after.size).toBe(1);
    expect([...after].some((g) => before.has(g))).toBe(false);
    // Only the replacement cleans up: the first copy had nothing to replace.
    expect(h.fake.calls('ExecuteDataQuery', 'delete_unreferenced_usage')).toHaveLength(1);
  });

  it('keeps the new data when the cleanup of the replaced generation fails (best effort)', async () => {
    h.fake.fail('ExecuteDataQuery', 'SCHEME_ERROR', { target: 'delete_unreferenced_usage' });

    await h.store.usage.applyAccountDays('v2.csv', v2());

    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(NEW);
    expect(generationsOf('acc-1').size).toBe(2);
  });

  it('reports an account-day stale when a newer copy wins the switch meanwhile, and removes the rows it wrote', async () => {
    const other = await h.connect();
    const paused = h.fake.pause('ExecuteDataQuery', 'upsert_account_day_versions');

    const older = h.store.usage.applyAccountDays('v150.csv', [batch('acc-1', DAY, 150, [{ skuId: 'z', cost: '150' }])]);
    await paused.reached;
    await other.store.usage.applyAccountDays('v2.csv', v2());
    paused.release();

    expect(await older).toEqual(
      applyResult({ applied: [], stale: [{ accountId: 'acc-1', day: DAY, version: 150, storedVersion: 200 }], conflicts: [] }),
    );
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(NEW);
    expect(generationsOf('acc-1').size).toBe(1);
  });

  it('skips writing the rows of an account-day that is already stale before the switch', async () => {
    const result = await h.store.usage.applyAccountDays('old.csv', [batch('acc-1', DAY, 99, [{ skuId: 'q' }])]);

    expect(result.stale).toEqual([{ accountId: 'acc-1', day: DAY, version: 99, storedVersion: 100 }]);
    expect(h.fake.calls('BulkUpsert', 'usage_aggregates')).toHaveLength(2); // v1's two requests only
    expect(h.fake.calls('ExecuteDataQuery', 'upsert_account_day_versions')).toHaveLength(1);
  });
});
