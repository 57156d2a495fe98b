/**
 * Throttling and sessions, on the protocol fake with injected OVERLOADED: retries back off for as
 * long as the caller's remaining time allows (a virtual clock stands in for a function's
 * `getRemainingTimeInMillis`, so minutes of backoff take milliseconds), log every wait, and fail
 * naming the throughput limit to raise; a session that cannot be had fails after a bounded wait;
 * a scan the caller abandons frees its session once idle, and resumes if the caller comes back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RetryWait } from '../../shared/adapters/ydb/retry-budget';
import type { Store } from '../../shared/ports/store';
import { batch, collect, ingest } from '../contract/fixtures';
import { startFakeYdb, type FakeHarness } from './harness';

/** A clock that advances only when the adapter sleeps. */
function virtualClock(budgetMs: number) {
  let now = 0;
  const waits: RetryWait[] = [];
  return {
    waits,
    slept: () => now,
    options: {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
      remainingMs: () => budgetMs - now,
      onRetryWait: (wait: RetryWait) => waits.push(wait),
      backoffSlotMs: 500,
    },
  };
}

let h: FakeHarness;
beforeEach(async () => {
  h = await startFakeYdb();
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

describe('throttling (OVERLOADED) within the caller’s time budget', () => {
  it('keeps backing off through a long throttle, far past the old 8 attempts, logging each wait, and then succeeds', async () => {
    const clock = virtualClock(600_000);
    const { store } = await h.connect({ ...clock.options, maxRetries: undefined });
    h.fake.fail('ExecuteDataQuery', 'OVERLOADED', { target: 'insert_ingest_log', times: 12 });

    await store.usage.recordIngest(ingest('i-1', 'k.csv', '2026-01-05T10:00:00.000Z'));

    expect(h.fake.calls('ExecuteDataQuery', 'insert_ingest_log')).toHaveLength(13);
    expect(clock.waits).toHaveLength(12);
    expect(clock.waits.every((w) => w.msg === 'ydb retry wait' && w.status === 'OVERLOADED' && w.waitMs > 0 && w.waitMs <= 30_000)).toBe(
      true,
    );
    expect(clock.waits.map((w) => w.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // Waits grow (with jitter) up to the 30 s cap; the throttle lasted minutes, not 47 s.
    expect(clock.slept()).toBeGreaterThan(120_000);
    expect((await store.usage.listIngestLog()).map((e) => e.id)).toEqual(['i-1']);
  });

  it('gives up when the next wait no longer fits the remaining time, naming throttling_rcu_limit to raise', async () => {
    const clock = virtualClock(120_000);
    const { store } = await h.connect({ ...clock.options, maxRetries: undefined });
    h.fake.fail('ExecuteDataQuery', 'OVERLOADED', { target: 'insert_ingest_log', times: 1000 });

    const attempt = store.usage.recordIngest(ingest('i-1', 'k.csv', '2026-01-05T10:00:00.000Z'));

    await expect(attempt).rejects.toMatchObject({
      code: 'YDB_OVERLOADED',
      message: expect.stringMatching(/throughput limit.*throttling_rcu_limit/),
    });
    // It used the budget (less the 2 s it keeps to report), never more.
    expect(clock.slept()).toBeLessThanOrEqual(118_000);
    expect(clock.slept()).toBeGreaterThan(50_000);
    expect(clock.waits.at(-1)?.remainingMs).toBeGreaterThan(0);
  });

  it('retries a BulkUpsert of an ingest through OVERLOADED and writes every row once', async () => {
    const clock = virtualClock(600_000);
    const { store } = await h.connect({ ...clock.options, maxRetries: undefined });
    h.fake.fail('BulkUpsert', 'OVERLOADED', { target: 'usage_aggregates', times: 9 });

    await store.usage.applyAccountDays('r.csv', [batch('acc-1', '2026-01-05', 1, [{ skuId: 'a' }, { skuId: 'b' }])]);

    expect(clock.waits).toHaveLength(9);
    expect(await collect(store.usage.scanUsage({ from: '2026-01-05', to: '2026-01-05' }))).toHaveLength(2);
  });
});

describe('sessions', () => {
  const seed = () =>
    h.store.usage.applyAccountDays(
      's.csv',
      Array.from({ length: 3 }, (_, a) =>
        batch(
          `acc-${a}`,
          '2026-02-01',
          1,
          Array.from({ length: 10 }, (_, s) => ({ skuId: `sku-${s}` })),
        ),
      ),
    );

  /** Takes one page of a scan and leaves the iterator open (a leaked scan in a warm container). */
  async function leak(store: Store): Promise<AsyncIterator<unknown>> {
    const iterator = store.usage.scanUsage({ from: '2026-02-01', to: '2026-02-01' })[Symbol.asyncIterator]();
    await iterator.next();
    return iterator;
  }

  it('fails after a bounded wait with YDB_SESSION_POOL_EMPTY when every session is held, instead of hanging', async () => {
    await seed();
    // ydb-sdk lets a pool of maxLimit 1 hold 2 sessions (it compares with <=).
    const { store } = await h.connect({ maxSessions: 1, pageSize: 5, sessionWaitMs: 200, scanIdleMs: 60_000 });
    const leaked = [await leak(store), await leak(store)];

    const started = Date.now();
    await expect(store.usage.listIngestLog()).rejects.toMatchObject({
      code: 'YDB_SESSION_POOL_EMPTY',
      message: expect.stringMatching(/within 200 ms/),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const iterator of leaked) await iterator.return?.();
  });

  it('frees the session of a scan left unfinished once it is idle, so a warm container keeps working; the scan resumes if its caller returns', async () => {
    await seed();
    const { store } = await h.connect({ maxSessions: 1, pageSize: 5, sessionWaitMs: 3_000, scanIdleMs: 100 });
    const first = await leak(store);
    const second = await leak(store);

    // Both scans hold the pool's sessions; after 100 ms idle they let go and this call gets one.
    await store.usage.recordIngest(ingest('i-1', 'k.csv', '2026-01-05T10:00:00.000Z'));
    expect((await store.usage.listIngestLog()).map((e) => e.id)).toEqual(['i-1']);

    // The abandoned scan, resumed, replays what it handed out and continues: 30 rows in all.
    let rest = 0;
    for (let next = await first.next(); !next.done; next = await first.next()) rest += 1;
    expect(rest).toBe(29);
    await second.return?.();
  });
});
