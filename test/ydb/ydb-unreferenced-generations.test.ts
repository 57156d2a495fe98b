/**
 * Rows no pointer references do not accumulate (usage-apply.ts): after its switch, every apply
 * deletes the rows of its account-days whose generation is not the live one — also the orphans of
 * an earlier apply that crashed between its BulkUpsert and its switch. The cleanup never deletes
 * the live generation, and a switch whose new rows a concurrent cleanup removed writes them again
 * instead of pointing readers at nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batch, usageIn } from '../contract/fixtures';
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

const pointers = () =>
  new Map(h.fake.engine.dump('account_day_versions').map((v) => [`${String(v['day'])} ${String(v['account_id'])}`, v['generation']]));
/** Stored usage rows whose generation is not the one their account-day's pointer names. */
function unreferenced(): string[] {
  const live = pointers();
  return h.fake.engine
    .dump('usage_aggregates')
    .filter((u) => live.get(`${String(u['day'])} ${String(u['account_id'])}`) !== u['generation'])
    .map((u) => `${String(u['account_id'])} ${String(u['sku_id'])}`)
    .sort(); // the table's key order leads with the bucket
}

/** What a cleanup elsewhere does: deletes the account's rows of every generation but the live one. */
function removeUnreferenced(accountId: string): void {
  const live = pointers();
  const tx = h.fake.engine.begin('serializable');
  for (const row of tx.scan('usage_aggregates')) {
    if (row['account_id'] === accountId && live.get(`${String(row['day'])} ${accountId}`) !== row['generation'])
      tx.delete('usage_aggregates', row);
  }
  tx.commit();
}

/**
 * A crash between the BulkUpsert and the switch: the switch fails and so does the undo that would
 * delete the rows (its journal read fails, as if the process had died), so they stay as orphans.
 */
async function crashBeforeSwitch(): Promise<void> {
  h.fake.fail('ExecuteDataQuery', 'INTERNAL_ERROR', { target: 'upsert_account_day_versions' });
  h.fake.fail('ExecuteDataQuery', 'INTERNAL_ERROR', { target: 'select_apply_journal_page' });
  await expect(h.store.usage.applyAccountDays('v2.csv', v2())).rejects.toMatchObject({ code: 'YDB_INTERNAL_ERROR' });
  expect(unreferenced()).toEqual(['acc-1 b', 'acc-1 c', 'acc-2 a']);
}

describe('orphans of a crashed apply', () => {
  it('are not left by an apply that fails but can undo itself: its rows, registration and journal go', async () => {
    h.fake.fail('ExecuteDataQuery', 'INTERNAL_ERROR', { target: 'upsert_account_day_versions' });

    await expect(h.store.usage.applyAccountDays('v2.csv', v2())).rejects.toMatchObject({ code: 'YDB_INTERNAL_ERROR' });

    expect(unreferenced()).toEqual([]);
    expect(h.fake.engine.dump('applies_in_progress')).toEqual([]);
    expect(h.fake.engine.dump('apply_journal')).toEqual([]);
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(OLD);
  });

  it('are deleted when the same account-days are applied again, and only the live rows remain', async () => {
    await crashBeforeSwitch();

    await h.store.usage.applyAccountDays('v2.csv', v2());

    expect(unreferenced()).toEqual([]);
    expect(h.fake.engine.dump('usage_aggregates')).toHaveLength(3);
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(NEW);
  });

  it('are deleted also when the next copy of the account-days is stale and writes nothing of its own', async () => {
    await crashBeforeSwitch();

    const result = await h.store.usage.applyAccountDays('old.csv', [
      batch('acc-1', DAY, 50, [{ skuId: 'z' }]),
      batch('acc-2', DAY, 50, [{ skuId: 'z' }]),
    ]);

    expect(result.stale.map((s) => `${s.accountId} ${s.storedVersion}`)).toEqual(['acc-1 100', 'acc-2 100']);
    expect(h.fake.calls('BulkUpsert', 'usage_aggregates')).toHaveLength(2 + 2); // v1 and the crashed v2; nothing for the stale copy
    expect(unreferenced()).toEqual([]);
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(OLD);
  });
});

describe('a cleanup racing a switch', () => {
  it('never leaves readers with a removed generation: the switch finds its sentinel gone and writes its rows again', async () => {
    const other = await h.connect();
    const paused = h.fake.pause('ExecuteDataQuery', 'upsert_account_day_versions');

    const newest = h.store.usage.applyAccountDays('v2.csv', [
      batch('acc-1', DAY, 200, [
        { skuId: 'b', cost: '20' },
        { skuId: 'c', cost: '30' },
      ]),
    ]);
    await paused.reached;
    // An older copy switches first; its cleanup removes every generation but its own, including
    // the newest copy's rows, which are written but not switched yet.
    await other.store.usage.applyAccountDays('v150.csv', [batch('acc-1', DAY, 150, [{ skuId: 'm', cost: '150' }])]);
    expect(
      h.fake.engine
        .dump('usage_aggregates')
        .filter((u) => u['account_id'] === 'acc-1')
        .map((u) => u['sku_id']),
    ).toEqual(['m']);
    paused.release();

    expect((await newest).applied.map((v) => `${v.accountId} ${v.version}`)).toEqual(['acc-1 200']);
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(['acc-1 b 20', 'acc-1 c 30', 'acc-2 a 3']);
    expect(unreferenced()).toEqual([]);
    // v1 (2), the newest copy (2), the older copy (1), the newest copy written again (2).
    expect(h.fake.calls('BulkUpsert', 'usage_aggregates')).toHaveLength(7);
  });

  it('gives up with YDB_CONTENDED, switching nothing, when its new rows keep vanishing before the switch', async () => {
    const applying = h.store.usage.applyAccountDays('v2.csv', [batch('acc-1', DAY, 200, [{ skuId: 'b', cost: '20' }])]);
    for (let round = 1; round <= 3; round += 1) {
      const paused = h.fake.pause('ExecuteDataQuery', 'upsert_account_day_versions');
      await paused.reached;
      removeUnreferenced('acc-1');
      paused.release();
    }

    await expect(applying).rejects.toMatchObject({ code: 'YDB_CONTENDED', message: expect.stringContaining('acc-1/2026-01-05') });
    expect(shortly(await usageIn(h.store, DAY, DAY))).toEqual(OLD);
    expect((await h.store.usage.listAccountDayVersions({ from: DAY, to: DAY })).map((v) => `${v.accountId} ${v.version}`)).toEqual([
      'acc-1 100',
      'acc-2 100',
    ]);
  });
});
