/**
 * YDB's transaction limits (a transaction locking more than 50,000 keys escalates to a
 * whole-shard lock) against I3 (none or all of a file's account-days visible). The fake counts
 * the distinct keys each committed read-write transaction read or wrote; a scaled-down file
 * (600 account-days, a 90-key limit) goes through the same chunking as 600,000 with 50,000.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { switchChunkSize } from '../../shared/adapters/ydb/apply-chunks';
import { addDays } from '../../shared/domain/calendar';
import type { AccountDayBatch } from '../../shared/ports/store';
import { batch, collect } from '../contract/fixtures';
import { startFakeYdb, type FakeHarness } from './harness';

const LIMIT = 90;
const RANGE = { from: '2026-01-01', to: '2026-12-31' };
/** 600 account-days (60 accounts × 10 days), 2 rows each, at `version` with a recognisable cost. */
const file = (version: number, cost: string): AccountDayBatch[] =>
  Array.from({ length: 10 }, (_, d) => addDays('2026-01-01', d)).flatMap((day) =>
    Array.from({ length: 60 }, (_, a) =>
      batch(`acc-${String(a).padStart(2, '0')}`, day, version, [
        { skuId: 'sku-a', cost },
        { skuId: 'sku-b', cost },
      ]),
    ),
  );
const costs = async (h: FakeHarness) => new Set((await collect(h.store.usage.scanUsage(RANGE))).map((u) => u.cost));

let h: FakeHarness;
beforeEach(async () => {
  h = await startFakeYdb({ maxTxKeys: LIMIT, keyChunk: 25 });
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

describe('a large file within the transaction lock limit', () => {
  it('sizes the switch of a 600,000-account-day file at 50,000 keys as 37 transactions of at most 50,000 keys', () => {
    expect(switchChunkSize(50_000)).toBe(16_666);
    expect(Math.ceil(600_000 / switchChunkSize(50_000))).toBe(37);
    expect(switchChunkSize(50_000) * 3).toBeLessThanOrEqual(50_000);
  });

  it('applies 600 account-days in transactions that each lock at most the limit, and all of them land', async () => {
    const result = await h.store.usage.applyAccountDays('big.csv', file(1, '1'));

    expect(result.appliedCount).toBe(600);
    expect(h.fake.engine.txKeys.length).toBeGreaterThanOrEqual(600 / switchChunkSize(LIMIT));
    expect(Math.max(...h.fake.engine.txKeys)).toBeLessThanOrEqual(LIMIT);
    expect(await collect(h.store.usage.scanUsage(RANGE))).toHaveLength(1200);
  });

  it('keeps the whole file invisible while its chunks are switched, and shows all of it at the commit (I3)', async () => {
    await h.store.usage.applyAccountDays('v1.csv', file(1, '1'));
    const paused = h.fake.pause('ExecuteDataQuery', 'delete_apply_in_progress');

    const applying = h.store.usage.applyAccountDays('v2.csv', file(2, '2'));
    await paused.reached;
    // Every chunk of v2 is switched, its commit not yet run: readers see v1 only.
    expect(await costs(h)).toEqual(new Set([1_000_000_000n]));
    expect(new Set((await h.store.usage.listAccountDayVersions(RANGE)).map((v) => v.sourceKey))).toEqual(new Set(['v1.csv']));
    paused.release();
    await applying;

    expect(await costs(h)).toEqual(new Set([2_000_000_000n]));
    expect(new Set((await h.store.usage.listAccountDayVersions(RANGE)).map((v) => `${v.sourceKey} ${v.version}`))).toEqual(
      new Set(['v2.csv 2']),
    );
  });

  it('shows none of a file that failed after some of its chunks were switched (undone), and a re-run shows all of it', async () => {
    await h.store.usage.applyAccountDays('v1.csv', file(1, '1'));
    h.fake.fail('ExecuteDataQuery', 'SCHEME_ERROR', { target: 'upsert_account_day_versions', skip: 12 });

    await expect(h.store.usage.applyAccountDays('v2.csv', file(2, '2'))).rejects.toMatchObject({ code: 'YDB_SCHEME_ERROR' });
    expect(await costs(h)).toEqual(new Set([1_000_000_000n]));
    expect(h.fake.engine.dump('applies_in_progress')).toEqual([]);

    const rerun = await h.store.usage.applyAccountDays('v2.csv', file(2, '2'));
    expect(rerun.appliedCount).toBe(600);
    expect(await costs(h)).toEqual(new Set([2_000_000_000n]));
    expect(Math.max(...h.fake.engine.txKeys)).toBeLessThanOrEqual(LIMIT);
  });

  it('refuses to switch an account-day another unfinished ingest of another object holds (YDB_CONTENDED), changing nothing', async () => {
    await h.store.usage.applyAccountDays('v1.csv', file(1, '1'));
    const paused = h.fake.pause('ExecuteDataQuery', 'delete_apply_in_progress');
    const first = h.store.usage.applyAccountDays('other.csv', file(3, '3').slice(0, 5));
    await paused.reached;

    await expect(h.store.usage.applyAccountDays('v2.csv', file(2, '2'))).rejects.toMatchObject({ code: 'YDB_CONTENDED' });
    paused.release();
    await first;
    expect((await collect(h.store.usage.scanUsage(RANGE))).filter((u) => u.cost === 3_000_000_000n)).toHaveLength(10);
  });
});
