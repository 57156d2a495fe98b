/**
 * The apply consumes a lazy stream of account-days (a large file's merged aggregates) one chunk at
 * a time (issue 11): it never holds more than a chunk, keeps I3 across its chunks, and a stream
 * that fails mid-way leaves the store as it was and holds nothing against other objects.
 * Scaled down: a 90-key transaction limit makes chunks of 30 account-days.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { switchChunkSize } from '../../shared/adapters/ydb/apply-chunks';
import { addDays } from '../../shared/domain/calendar';
import type { AccountDayBatch } from '../../shared/ports/store';
import { batch, collect } from '../contract/fixtures';
import { startFakeYdb, type FakeHarness } from './harness';

const LIMIT = 90;
const CHUNK = switchChunkSize(LIMIT);
const RANGE = { from: '2026-01-01', to: '2026-12-31' };
const account = (a: number) => `acc-${String(a).padStart(3, '0')}`;

/** `accounts` × `days` account-days in (day, account) order, one row each, lazily. */
function* stream(accounts: number, days: number, version: number, cost: string, onYield?: (i: number) => void): Generator<AccountDayBatch> {
  let i = 0;
  for (let d = 0; d < days; d += 1)
    for (let a = 0; a < accounts; a += 1) {
      onYield?.(i++);
      yield batch(account(a), addDays('2026-01-01', d), version, [{ skuId: 'sku', cost }]);
    }
}

/** What readers and the I1 compare can see, and every stored usage row. */
async function storeState(h: FakeHarness) {
  return {
    usage: (await collect(h.store.usage.scanUsage(RANGE))).map((u) => `${u.accountId} ${u.day} ${u.cost}`),
    versions: (await h.store.usage.listAccountDayVersions(RANGE)).map((v) => `${v.accountId} ${v.day} ${v.version} ${v.sourceKey}`),
    pointers: h.fake.engine
      .dump('account_day_versions')
      .map(
        (p) => `${String(p['account_id'])} ${String(p['day'])} ${String(p['generation'])} ${String(p['version'])} ${String(p['digest'])}`,
      ),
    rows: h.fake.engine.dump('usage_aggregates'),
    applies: h.fake.engine.dump('applies_in_progress'),
    journal: h.fake.engine.dump('apply_journal'),
  };
}

let h: FakeHarness;
beforeEach(async () => {
  // keyChunk = CHUNK: one pointer upsert statement per switch transaction.
  h = await startFakeYdb({ maxTxKeys: LIMIT, keyChunk: CHUNK });
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

const switches = () => h.fake.calls('ExecuteDataQuery', 'upsert_account_day_versions').length;

describe('a streamed apply', () => {
  it('runs the after-chunk hook (a full garbage collection by default) once per chunk, each after that chunk was switched', async () => {
    const seen: number[] = [];
    const { store } = await h.connect({ chunkRows: 10, afterChunk: () => seen.push(switches()) });

    const result = await store.usage.applyAccountDays('gc.csv', stream(5, 9, 1, '1'));

    expect(result.appliedCount).toBe(45);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('applies 3,000 account-days from a generator chunk by chunk, never reading ahead of one chunk, and all of them land', async () => {
    // How far the generator ran ahead of the switched chunks, at each account-day it yields.
    let ahead = 0;
    const batches = stream(100, 30, 1, '1', (i) => {
      ahead = Math.max(ahead, i - switches() * CHUNK);
    });

    const result = await h.store.usage.applyAccountDays('big.csv', batches);

    expect(result.appliedCount).toBe(3000);
    expect(result.applied).toHaveLength(100);
    expect(result.applied[0]).toMatchObject({ accountId: 'acc-000', day: '2026-01-01' });
    expect(switches()).toBe(3000 / CHUNK); // 100 switch transactions of 30 account-days each
    expect(ahead).toBeLessThanOrEqual(CHUNK); // the next chunk is read only after the last one switched
    expect(Math.max(...h.fake.engine.txKeys)).toBeLessThanOrEqual(LIMIT);
    expect(await collect(h.store.usage.scanUsage(RANGE))).toHaveLength(3000);
    expect(await h.store.usage.listAccountDayVersions(RANGE)).toHaveLength(3000);
    expect(h.fake.engine.dump('applies_in_progress')).toEqual([]);
    expect(h.fake.engine.dump('apply_journal')).toEqual([]);
  });

  it('replaces a streamed file in place: the replaced generations are deleted after the commit, from the journal', async () => {
    await h.store.usage.applyAccountDays('v1.csv', stream(10, 30, 1, '1'));

    const result = await h.store.usage.applyAccountDays('v2.csv', stream(10, 30, 2, '2'));

    expect(result.appliedCount).toBe(300);
    expect(new Set((await collect(h.store.usage.scanUsage(RANGE))).map((u) => u.cost))).toEqual(new Set([2_000_000_000n]));
    expect(h.fake.engine.dump('usage_aggregates')).toHaveLength(300);
    expect(h.fake.engine.dump('apply_journal')).toEqual([]);
  });
});

describe('a stream that fails mid-way', () => {
  /** v1 holds the first 50 accounts × 3 days; the failing file covers 100 accounts × 3 days. */
  async function failingStream(failure: Error | 'out of order') {
    await h.store.usage.applyAccountDays('v1.csv', stream(50, 3, 1, '1'));
    const before = await storeState(h);
    function* broken(): Generator<AccountDayBatch> {
      let i = 0;
      for (const b of stream(100, 3, 2, '2')) {
        if (i++ === 2 * CHUNK + 5) {
          if (failure === 'out of order') yield batch(account(0), '2026-01-01', 2, [{ skuId: 'sku', cost: '2' }]);
          else throw failure;
        }
        yield b;
      }
    }
    const attempt = h.store.usage.applyAccountDays('bad.csv', broken());
    return { before, attempt };
  }

  it('leaves the store exactly as before when the stream throws after 2 chunks, holding nothing', async () => {
    const overflow = new Error('merge: aggregate overflow in spill run 3');
    const { before, attempt } = await failingStream(overflow);

    await expect(attempt).rejects.toBe(overflow); // the stream's own error, not dressed up as a YDB failure
    expect(switches()).toBeGreaterThanOrEqual(1 + 2); // v1's, then two chunks of bad.csv were switched before the throw
    expect(await storeState(h)).toEqual(before);
  });

  it('leaves the store exactly as before when the stream turns out of order (INVALID_BATCH) after 2 chunks', async () => {
    const { before, attempt } = await failingStream('out of order');

    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_BATCH' });
    expect(await storeState(h)).toEqual(before);
  });

  it('lets a later apply of another object replace the same account-days (none stays held)', async () => {
    const { attempt } = await failingStream(new Error('merge failed'));
    await expect(attempt).rejects.toThrow('merge failed');

    const other = await h.store.usage.applyAccountDays('other.csv', stream(100, 3, 3, '3'));

    expect(other.appliedCount).toBe(300);
    expect(new Set((await collect(h.store.usage.scanUsage(RANGE))).map((u) => u.cost))).toEqual(new Set([3_000_000_000n]));
    expect(h.fake.engine.dump('usage_aggregates')).toHaveLength(300);
  });

  it('shows none of a file whose process died between chunks (no undo ran), and a re-run of it shows all', async () => {
    await h.store.usage.applyAccountDays('v1.csv', stream(50, 3, 1, '1'));
    const before = (await storeState(h)).usage;
    // The third switch fails and so does every undo step (as if the process had died there).
    h.fake.fail('ExecuteDataQuery', 'SCHEME_ERROR', { target: 'upsert_account_day_versions', skip: 2 });
    h.fake.fail('ExecuteDataQuery', 'SCHEME_ERROR', { target: 'select_apply_journal_page' });

    await expect(h.store.usage.applyAccountDays('v2.csv', stream(100, 3, 2, '2'))).rejects.toMatchObject({ code: 'YDB_SCHEME_ERROR' });
    expect((await storeState(h)).usage).toEqual(before);
    expect(h.fake.engine.dump('applies_in_progress')).toHaveLength(1);

    const rerun = await h.store.usage.applyAccountDays('v2.csv', stream(100, 3, 2, '2'));

    expect(rerun.appliedCount).toBe(300);
    const after = await collect(h.store.usage.scanUsage(RANGE));
    expect(after).toHaveLength(300);
    expect(new Set(after.map((u) => u.cost))).toEqual(new Set([2_000_000_000n]));
  });
});
