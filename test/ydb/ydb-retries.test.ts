/**
 * Retries: OVERLOADED, UNAVAILABLE, ABORTED and BAD_SESSION are retried (the budget-aware loop
 * around withSessionRetry) with repeat-safe callbacks; SCHEME_ERROR is not; attempts are bounded. A
 * concurrent ledger append that loses the race gets LedgerConflictError and writes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerConflictError, StoreError } from '../../shared/ports/store';
import { batch, collect, entry, ingest, run } from '../contract/fixtures';
import type { StatusName } from './fake/fake-ydb';
import { FAST, startFakeYdb, type FakeHarness } from './harness';

const RETRYABLE: StatusName[] = ['OVERLOADED', 'UNAVAILABLE', 'ABORTED', 'BAD_SESSION'];

let h: FakeHarness;
beforeEach(async () => {
  h = await startFakeYdb();
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

describe('retryable statuses', () => {
  it.each(RETRYABLE)('retries a data query answered with %s and then succeeds', async (status) => {
    h.fake.fail('ExecuteDataQuery', status, { target: 'insert_ingest_log', times: 2 });
    const logged = ingest('i-1', 'k.csv', '2026-01-05T10:00:00.000Z');

    await h.store.usage.recordIngest(logged);

    const attempts = h.fake.calls('ExecuteDataQuery', 'insert_ingest_log');
    expect(attempts).toHaveLength(3);
    expect(await h.store.usage.listIngestLog()).toEqual([logged]);
    if (status === 'BAD_SESSION') {
      // withSessionRetry drops the broken session and repeats the work in a fresh one.
      expect(new Set(attempts.map((a) => a.request['sessionId'])).size).toBe(3);
    }
  });

  it.each(RETRYABLE)('retries a BulkUpsert answered with %s without losing or doubling rows', async (status) => {
    h.fake.fail('BulkUpsert', status, { target: 'usage_aggregates' });

    await h.store.usage.applyAccountDays('r.csv', [
      batch('acc-1', '2026-01-05', 1, [
        { skuId: 'a', cost: '1.5' },
        { skuId: 'b', cost: '2' },
      ]),
    ]);

    // The sentinel request, answered with the status and repeated, then the other row.
    expect(h.fake.calls('BulkUpsert', 'usage_aggregates')).toHaveLength(3);
    expect((await collect(h.store.usage.scanUsage({ from: '2026-01-05', to: '2026-01-05' }))).map((a) => a.cost)).toEqual([
      1_500_000_000n,
      2_000_000_000n,
    ]);
  });

  it('retries the pointer switch when its commit is ABORTED and applies every account-day once', async () => {
    h.fake.fail('ExecuteDataQuery', 'ABORTED', { target: 'upsert_account_day_versions' });

    const result = await h.store.usage.applyAccountDays('a.csv', [
      batch('acc-1', '2026-01-05', 5, [{}]),
      batch('acc-2', '2026-01-05', 5, [{}]),
    ]);

    expect(result.applied.map((v) => v.accountId)).toEqual(['acc-1', 'acc-2']);
    expect(h.fake.calls('ExecuteDataQuery', 'upsert_account_day_versions')).toHaveLength(2);
    expect(await collect(h.store.usage.scanUsage({ from: '2026-01-05', to: '2026-01-05' }))).toHaveLength(2);
  });
});

describe('statuses that are not retried', () => {
  it('fails at once on SCHEME_ERROR with a StoreError naming the operation and the status', async () => {
    h.fake.fail('ExecuteDataQuery', 'SCHEME_ERROR', { target: 'insert_ingest_log' });

    const attempt = h.store.usage.recordIngest(ingest('i-1', 'k.csv', '2026-01-05T10:00:00.000Z'));

    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ code: 'YDB_SCHEME_ERROR', message: expect.stringContaining('record ingest of k.csv') });
    expect(h.fake.calls('ExecuteDataQuery', 'insert_ingest_log')).toHaveLength(1);
  });

  it('gives up after the configured number of attempts when YDB stays overloaded', async () => {
    h.fake.fail('ExecuteDataQuery', 'OVERLOADED', { target: 'insert_ingest_log', times: 100 });

    await expect(h.store.usage.recordIngest(ingest('i-1', 'k.csv', '2026-01-05T10:00:00.000Z'))).rejects.toMatchObject({
      code: 'YDB_OVERLOADED',
    });
    expect(h.fake.calls('ExecuteDataQuery', 'insert_ingest_log')).toHaveLength(FAST.maxRetries);
  });
});

describe('concurrent ledger appends', () => {
  it('lets one of two runs posting the same entries win; the other gets LedgerConflictError and writes nothing', async () => {
    const other = await h.connect();
    const entries = (runId: string) => [
      entry(runId, { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '10' }),
      entry(runId, { partnerId: 'p-2', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '20' }),
    ];
    const paused = h.fake.pause('ExecuteDataQuery', 'insert_ledger_append');

    const slow = h.store.ledger.appendRun(run('run-slow', '2026-Q1', '2026-04-01T03:00:00.000Z', 2), entries('run-slow'));
    await paused.reached;
    await other.store.ledger.appendRun(run('run-fast', '2026-Q1', '2026-04-01T03:00:01.000Z', 2), entries('run-fast'));
    paused.release();

    await expect(slow).rejects.toBeInstanceOf(LedgerConflictError);
    expect((await h.store.ledger.listEntries()).map((e) => `${e.partnerId} ${e.runId}`)).toEqual(['p-1 run-fast', 'p-2 run-fast']);
    expect((await h.store.ledger.listRuns()).map((r) => r.runId)).toEqual(['run-fast']);
    // The slow run's commit was aborted by the optimistic lock; its retry saw the winner's rows.
    expect(h.fake.calls('ExecuteDataQuery', 'check_ledger_append').length).toBeGreaterThanOrEqual(3);
  });

  it('treats a retried append whose first commit went through (answer lost) as done, not as a conflict', async () => {
    h.fake.failAfter('ExecuteDataQuery', 'UNAVAILABLE', { target: 'insert_ledger_append' });
    const entries = [entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '10' })];

    await h.store.ledger.appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 1), entries);

    expect((await h.store.ledger.listEntries()).map((e) => e.id)).toEqual([entries[0]?.id]);
    expect(h.fake.calls('ExecuteDataQuery', 'check_ledger_append')).toHaveLength(2);
  });
});
