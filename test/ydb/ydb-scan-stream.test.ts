/**
 * A usage scan streams (paged-reads.ts): one decoded page at a time from one snapshot, a bucket's
 * next page asked for only when the caller took its previous one (bucket-merge.ts). A retryable error after rows were
 * handed out replays them in a new snapshot and continues only if they are unchanged; otherwise
 * the scan fails with YDB_SCAN_INTERRUPTED instead of mixing two states or repeating rows (I3).
 */
import type { Ydb } from 'ydb-sdk-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUCKETS, BUCKET_VALUES, bucketOf } from '../../shared/adapters/ydb/account-day-key';
import { formatMoney } from '../../shared/domain/money';
import type { UsageAggregate } from '../../shared/domain/model';
import type { Store } from '../../shared/ports/store';
import { batch, collect } from '../contract/fixtures';
import type { RecordedRequest, StatusName } from './fake/fake-ydb';
import { startFakeYdb, type FakeHarness } from './harness';

const RANGE = { from: '2026-02-01', to: '2026-02-28' };
const PAGE = 250;
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const accounts = Array.from({ length: 25 }, (_, a) => `acc-${pad(a, 2)}`);
const skus = Array.from({ length: 100 }, (_, s) => `sku-${pad(s, 3)}`);
/** 25 accounts × 2 days × 100 SKUs = 5000 aggregates; pages of 250 cut account-days in half. */
const seed = () =>
  ['2026-02-01', '2026-02-02'].flatMap((day) =>
    accounts.map((accountId, a) =>
      batch(
        accountId,
        day,
        100,
        skus.map((skuId, s) => ({ skuId, cost: `${a}.${pad(s, 3)}` })),
      ),
    ),
  );
const line = (u: UsageAggregate) => `${u.day} ${u.accountId} ${u.skuId} ${formatMoney(u.cost, 2)}`;
const EXPECTED = seed().flatMap((b) => b.rows.map(line));
/** Pages a whole scan reads: per bucket, its rows in pages of 250 and the short (or empty) page that ends it. */
const FULL_SCAN_PAGES = BUCKET_VALUES.reduce(
  (n, bucket) => n + Math.floor((accounts.filter((a) => bucketOf(a) === bucket).length * 2 * 100) / PAGE) + 1,
  0,
);
const txOf = (r: RecordedRequest | undefined) => (r?.request['txControl'] ?? {}) as Ydb.Table.ITransactionControl;

let h: FakeHarness;
let store: Store;
beforeEach(async () => {
  h = await startFakeYdb();
  await h.store.usage.applyAccountDays('seed.csv', seed());
  ({ store } = await h.connect({ pageSize: PAGE }));
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

const pagesAsked = () => h.fake.calls('ExecuteDataQuery', 'scan_usage_page');
/** Every snapshot a scan opened: its first query (the applies in progress, I3) begins it. */
const snapshotsBegun = () => h.fake.calls('ExecuteDataQuery').filter((p) => txOf(p).beginTx?.snapshotReadOnly);

async function take(iterator: AsyncIterator<UsageAggregate>, count = Number.POSITIVE_INFINITY): Promise<string[]> {
  const lines: string[] = [];
  while (lines.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    lines.push(line(next.value));
  }
  return lines;
}

/** Replaces one account-day with version 200 and a recognisable cost. */
const rewrite = (accountId: string, day: string) =>
  h.store.usage.applyAccountDays('newer.csv', [
    batch(
      accountId,
      day,
      200,
      skus.map((skuId) => ({ skuId, cost: '777' })),
    ),
  ]);

describe('streaming', () => {
  it('streams 5000 aggregates in key order, asking for the next page of a bucket only once the caller took its previous one, all from one snapshot', async () => {
    const iterator = store.usage.scanUsage(RANGE)[Symbol.asyncIterator]();
    const lines: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      lines.push(line(next.value));
      // Holding row k, the adapter has asked for one page per bucket and one more per 250 rows it
      // merged, which run at most one merged page (250 rows and an account-day) ahead of the
      // caller: it never holds more than one page per bucket.
      expect(pagesAsked().length).toBeLessThanOrEqual(BUCKETS + Math.ceil(lines.length / PAGE) + 2);
    }

    expect(lines).toEqual(EXPECTED);
    expect(pagesAsked()).toHaveLength(FULL_SCAN_PAGES);
    expect(snapshotsBegun()).toHaveLength(1);
    const snapshot = pagesAsked()[0]?.request['txControl'] as { txId: string };
    expect(new Set(pagesAsked().map((p) => txOf(p).txId))).toEqual(new Set([snapshot.txId]));
    expect(h.fake.calls('CommitTransaction').at(-1)?.request['txId']).toBe(snapshot.txId);
  });

  it('closes the snapshot and frees the session when the caller stops early', async () => {
    // More early stops than the SDK's session pool holds (20): a leaked session would hang here.
    for (let i = 0; i < 30; i += 1) {
      for await (const row of store.usage.scanUsage(RANGE)) {
        expect(line(row)).toBe(EXPECTED[0]);
        break;
      }
    }

    expect(h.fake.calls('CommitTransaction')).toHaveLength(30);
    expect([...h.fake.sessions.values()].every((s) => s.txs.size === 0)).toBe(true);
    expect(await collect(store.usage.scanUsage({ from: '2026-02-02', to: '2026-02-02' }))).toHaveLength(2500);
  });

  it('keeps reading its own snapshot when an apply lands mid-scan (I3)', async () => {
    const iterator = store.usage.scanUsage(RANGE)[Symbol.asyncIterator]();
    const first = await take(iterator, 300);

    await rewrite('acc-24', '2026-02-02');
    const rest = await take(iterator);

    expect([...first, ...rest]).toEqual(EXPECTED);
  });
});

describe('a retryable error in the middle of a scan', () => {
  it.each<StatusName>(['UNAVAILABLE', 'OVERLOADED', 'BAD_SESSION'])(
    'after %s, replays the rows already handed out in a new snapshot, finds them unchanged and hands out only the rest',
    async (status) => {
      const iterator = store.usage.scanUsage(RANGE)[Symbol.asyncIterator]();
      const first = await take(iterator, 1100);
      const asked = pagesAsked().length;

      h.fake.fail('ExecuteDataQuery', status, { target: 'scan_usage_page' });
      const rest = await take(iterator);

      expect([...first, ...rest]).toEqual(EXPECTED);
      expect(snapshotsBegun()).toHaveLength(2);
      // The pages before, the failed one, then a whole scan in the new snapshot (the rows handed
      // out are replayed, not handed out again).
      expect(pagesAsked()).toHaveLength(asked + 1 + FULL_SCAN_PAGES);
    },
  );

  it('retries a scan whose first page fails as a fresh read', async () => {
    h.fake.fail('ExecuteDataQuery', 'UNAVAILABLE', { target: 'scan_usage_page' });

    expect((await collect(store.usage.scanUsage(RANGE))).map(line)).toEqual(EXPECTED);
    expect(snapshotsBegun()).toHaveLength(2);
  });

  it('continues in the newer state when only account-days after the handed-out rows changed: the caller sees exactly that state', async () => {
    const iterator = store.usage.scanUsage(RANGE)[Symbol.asyncIterator]();
    const first = await take(iterator, 300);

    await rewrite('acc-24', '2026-02-02');
    h.fake.fail('ExecuteDataQuery', 'UNAVAILABLE', { target: 'scan_usage_page' });
    const rest = await take(iterator);

    const now = (await collect(h.store.usage.scanUsage(RANGE))).map(line);
    expect([...first, ...rest]).toEqual(now);
    expect(rest.at(-1)).toBe('2026-02-02 acc-24 sku-099 777.00');
  });

  /** Takes rows until the scan fails; the rows before the failure and the failure. */
  async function takeUntilFailure(iterator: AsyncIterator<UsageAggregate>): Promise<{ lines: string[]; failure: unknown }> {
    const lines: string[] = [];
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) lines.push(line(next.value));
    } catch (failure) {
      return { lines, failure };
    }
    return { lines, failure: undefined };
  }

  it('fails with YDB_SCAN_INTERRUPTED at its next page, having handed out only rows of its first snapshot, when an account-day already handed out changed', async () => {
    const iterator = store.usage.scanUsage(RANGE)[Symbol.asyncIterator]();
    const first = await take(iterator, 2 * PAGE);
    expect(first[0]).toBe('2026-02-01 acc-00 sku-000 0.00');

    await rewrite('acc-00', '2026-02-01');
    h.fake.fail('ExecuteDataQuery', 'UNAVAILABLE', { target: 'scan_usage_page' });
    const { lines, failure } = await takeUntilFailure(iterator);

    expect(failure).toMatchObject({
      code: 'YDB_SCAN_INTERRUPTED',
      message: expect.stringMatching(
        /scan_usage_page: the read broke after \d+ rows were handed out \(UNAVAILABLE\) and the rows handed out changed.*recompute from scratch/,
      ),
    });
    // Rows still buffered from the first snapshot may come before the failure, nothing of the new state.
    expect([...first, ...lines]).toEqual(EXPECTED.slice(0, first.length + lines.length));
    expect(lines.length).toBeLessThan(EXPECTED.length - first.length);
    expect(snapshotsBegun()).toHaveLength(2); // the replay; no third attempt
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('fails with YDB_SCAN_INTERRUPTED when the new snapshot holds fewer rows than were already handed out', async () => {
    const iterator = store.usage.scanUsage(RANGE)[Symbol.asyncIterator]();
    await take(iterator, 2 * PAGE);

    // Every account-day now has a single aggregate: 50 rows in all.
    await h.store.usage.applyAccountDays(
      'small.csv',
      seed().map((b) => batch(b.accountId, b.day, 300, [{ skuId: 'sku-000', cost: '1' }])),
    );
    h.fake.fail('ExecuteDataQuery', 'UNAVAILABLE', { target: 'scan_usage_page' });

    expect((await takeUntilFailure(iterator)).failure).toMatchObject({
      code: 'YDB_SCAN_INTERRUPTED',
      message: expect.stringContaining('the new snapshot holds fewer rows than were handed out'),
    });
  });
});
