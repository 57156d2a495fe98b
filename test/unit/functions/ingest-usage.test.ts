import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIngestUsageHandler, IngestRetryError } from '../../../functions/ingest-usage/handler';
import { createSqliteStore } from '../../../shared/adapters/sqlite/sqlite-store';
import { formatMoney } from '../../../shared/domain/money';
import type { Store } from '../../../shared/ports/store';
import { EventValidationError } from '../../../shared/runtime/events';
import { createMemoryExportSource, type MemoryExportSource } from '../../support/memory-export-source';
import { usageCsv } from '../../support/usage-export-csv';

const BUCKET = 'billing-exports';
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/events/${name}`, import.meta.url), 'utf8'));
const context = (requestId = 'req-1', remainingMs?: () => number) => ({
  requestId,
  ...(remainingMs ? { getRemainingTimeInMillis: remainingMs } : {}),
});

const day31 = usageCsv([
  { account: 'acc-1', day: '2026-03-31', cost: '100.123456789', credit: '-10.5', updatedAt: 1775000000 },
  { account: 'acc-1', day: '2026-03-31', cost: '0.000000001', credit: '0', updatedAt: 1775000100 },
  { account: 'acc-2', day: '2026-03-31', sku: 'dn2sku-ram', cost: '7.25', credit: '-0.25', updatedAt: 1775000000 },
]);
const day30 = usageCsv([{ account: 'acc-1', day: '2026-03-30', cost: '50', credit: '0', updatedAt: 1774900000 }]);
const day29 = usageCsv([{ account: 'acc-3', day: '2026-03-29', cost: '1.5', credit: '-0.5', updatedAt: 1774800000 }]);
// Line 3 has a bad cost and line 4 an unknown currency: the whole file is rejected (I2).
const malformed = usageCsv([
  { account: 'acc-1', day: '2026-03-30', cost: '1', credit: '0' },
  { account: 'acc-1', day: '2026-03-30', cost: '1,5', credit: '0' },
  { account: 'acc-1', day: '2026-03-30', cost: '1', credit: '0', currency: 'EUR' },
]);

async function usageOf(store: Store): Promise<string[]> {
  const out: string[] = [];
  for await (const a of store.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' })) {
    out.push(`${a.accountId} ${a.day} ${a.skuId} ${a.currency} cost=${formatMoney(a.cost)} credit=${formatMoney(a.credit)} rows=${a.rows}`);
  }
  return out;
}

const DAY31_USAGE = [
  'acc-1 2026-03-31 dn2sku-cpu-standard RUB cost=100.12345679 credit=-10.50 rows=2',
  'acc-2 2026-03-31 dn2sku-ram RUB cost=7.25 credit=-0.25 rows=1',
];

describe('ingest-usage handler', () => {
  let dir: string;
  let store: Store;
  let source: MemoryExportSource;
  let lines: Record<string, unknown>[];
  let handler: ReturnType<typeof createIngestUsageHandler>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-usage-'));
    store = createSqliteStore(join(dir, 'rebates.db'));
    source = createMemoryExportSource();
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    });
    handler = createIngestUsageHandler(async () => ({ store, source, logLevel: 'info' }));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the object named by an ObjectCreate trigger message and records it in the ingest log', async () => {
    source.put(BUCKET, 'partner/20260331.csv', day31);
    const result = await handler(fixture('storage-object-create.json'), context());

    expect(result.items).toEqual([
      {
        bucket: BUCKET,
        key: 'partner/20260331.csv',
        status: 'applied',
        rows: 3,
        accountDaysApplied: 2,
        accountDaysStale: 0,
        conflicts: 0,
        reason: null,
      },
    ]);
    expect(result.ok).toBe(true);
    // cost 100.123456789 + 0.000000001 is exact: 100.12345679 (trailing zero trimmed).
    expect(await usageOf(store)).toEqual(DAY31_USAGE);
    const [log] = await store.usage.listIngestLog({ objectKey: `s3://${BUCKET}/partner/20260331.csv` });
    expect(log).toMatchObject({ status: 'applied', rows: 3, accountDaysApplied: 2, version: 1775000100, etag: 'etag-1' });
  });

  it('changes nothing when the same trigger event is delivered twice', async () => {
    source.put(BUCKET, 'partner/20260331.csv', day31);
    await handler(fixture('storage-object-create.json'), context('req-1'));
    const again = await handler(fixture('storage-object-create.json'), context('req-2'));

    expect(again.items[0]).toMatchObject({ status: 'applied', accountDaysApplied: 2 });
    expect(await usageOf(store)).toEqual(DAY31_USAGE);
    expect(await store.usage.listIngestLog()).toHaveLength(2);
  });

  it('re-ingests on ObjectUpdate, which cannot change stored data when the content is unchanged', async () => {
    source.put(BUCKET, 'partner/20260331.csv', day31);
    const result = await handler(fixture('storage-object-update.json'), context());
    expect(result.items[0]).toMatchObject({ key: 'partner/20260331.csv', status: 'applied' });
    expect(await usageOf(store)).toEqual(DAY31_USAGE);
  });

  it('logs and ignores an ObjectDelete without reading the object or touching stored usage', async () => {
    source.put(BUCKET, 'partner/20260331.csv', day31);
    await handler(fixture('manual-object.json'), context());
    source.calls.length = 0;

    const result = await handler(fixture('storage-object-delete.json'), context('req-del'));

    expect(result.items).toEqual([
      {
        bucket: BUCKET,
        key: 'partner/20260330.csv',
        status: 'ignored',
        rows: 0,
        accountDaysApplied: 0,
        accountDaysStale: 0,
        conflicts: 0,
        reason: 'object deleted: stored usage is kept',
      },
    ]);
    expect(source.calls).toEqual([]);
    expect(await usageOf(store)).toEqual(DAY31_USAGE);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'INFO', msg: 'object ignored', request_id: 'req-del', key: 'partner/20260330.csv' }),
    );
  });

  it('handles each message of a mixed batch on its own: a rejected file neither blocks the others nor makes the trigger retry', async () => {
    source.put(BUCKET, 'partner/20260329.csv', day29);
    source.put(BUCKET, 'partner/20260330.csv', malformed);
    source.put(BUCKET, 'partner/20260331.csv', day31);

    const result = await handler(fixture('storage-mixed-batch.json'), context('req-mix'));

    expect(result.items.map((i) => [i.key, i.status])).toEqual([
      ['partner/20260329.csv', 'applied'],
      ['partner/20260330.csv', 'rejected'],
      ['partner/20260301.csv', 'ignored'],
      ['partner/20260331.csv', 'applied'],
    ]);
    expect(result.counts).toEqual({ applied: 2, stale: 0, rejected: 1, failed: 0, ignored: 1 });
    expect(result.ok).toBe(false);
    const rejected = result.items[1]!;
    expect(rejected.reason).toContain(`s3://${BUCKET}/partner/20260330.csv rejected`);
    expect(rejected.reason).toMatch(/line 3, column cost/);
    expect(rejected.reason).toMatch(/line 4, column currency/);
    expect(await usageOf(store)).toEqual(['acc-3 2026-03-29 dn2sku-cpu-standard RUB cost=1.50 credit=-0.50 rows=1', ...DAY31_USAGE]);
    const [log] = await store.usage.listIngestLog({ objectKey: `s3://${BUCKET}/partner/20260330.csv` });
    expect(log).toMatchObject({ status: 'rejected', accountDaysApplied: 0 });
    expect(log!.reason).toContain('line 3');
    // One structured line per object, each carrying the request id.
    const rejectedLines = lines.filter((l) => l.msg === 'export rejected');
    expect(rejectedLines).toEqual([
      expect.objectContaining({ level: 'ERROR', request_id: 'req-mix', bucket: BUCKET, key: 'partner/20260330.csv', problem_count: 2 }),
    ]);
    expect(lines.filter((l) => l.msg === 'export applied')).toHaveLength(2);
  });

  it('keeps earlier data of an account-day when a malformed rewrite of its file arrives', async () => {
    source.put(BUCKET, 'partner/20260330.csv', day30);
    await handler({ bucket: BUCKET, key: 'partner/20260330.csv' }, context());
    source.put(BUCKET, 'partner/20260330.csv', malformed);

    const result = await handler({ bucket: BUCKET, key: 'partner/20260330.csv' }, context());

    expect(result.items[0]!.status).toBe('rejected');
    expect(await usageOf(store)).toEqual(['acc-1 2026-03-30 dn2sku-cpu-standard RUB cost=50.00 credit=0.00 rows=1']);
  });

  it('reports an older copy of a day as stale and keeps the newer data', async () => {
    source.put(BUCKET, 'partner/20260331.csv', day31);
    await handler({ bucket: BUCKET, key: 'partner/20260331.csv' }, context());
    const olderCopy = usageCsv([
      { account: 'acc-1', day: '2026-03-31', cost: '1', credit: '0', updatedAt: 1774000000 },
      { account: 'acc-2', day: '2026-03-31', sku: 'dn2sku-ram', cost: '1', credit: '0', updatedAt: 1774000000 },
    ]);
    source.put(BUCKET, 'archive/20260331-copy.csv', olderCopy);

    const result = await handler({ bucket: BUCKET, key: 'archive/20260331-copy.csv' }, context());

    expect(result.items[0]).toMatchObject({ status: 'stale', accountDaysApplied: 0, accountDaysStale: 2 });
    expect(result.ok).toBe(true);
    expect(await usageOf(store)).toEqual(DAY31_USAGE);
  });

  it('uses the object last-modified time as the version of a file without updated_at', async () => {
    source.put(
      BUCKET,
      'partner/20260330.csv',
      usageCsv([{ account: 'acc-1', day: '2026-03-30', cost: '2', credit: '0' }], { withUpdatedAt: false }),
      1774950000,
    );
    await handler({ bucket: BUCKET, key: 'partner/20260330.csv' }, context());
    expect(await store.usage.listAccountDayVersions({ from: '2026-03-30', to: '2026-03-30' })).toEqual([
      { accountId: 'acc-1', day: '2026-03-30', version: 1774950000, sourceKey: `s3://${BUCKET}/partner/20260330.csv` },
    ]);
  });

  it('ingests the other messages when one object cannot be read, then throws so the trigger retries the batch', async () => {
    source.put(BUCKET, 'partner/20260329.csv', day29);
    source.put(BUCKET, 'partner/20260330.csv', day30);
    source.put(BUCKET, 'partner/20260331.csv', day31);
    source.failNextRead(BUCKET, 'partner/20260330.csv', 'mid-stream');

    const error = await handler(fixture('storage-mixed-batch.json'), context('req-retry')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IngestRetryError);
    const result = (error as IngestRetryError).result;
    expect(result.items.map((i) => [i.key, i.status])).toEqual([
      ['partner/20260329.csv', 'applied'],
      ['partner/20260330.csv', 'failed'],
      ['partner/20260301.csv', 'ignored'],
      ['partner/20260331.csv', 'applied'],
    ]);
    expect(result.items[1]!.reason).toContain('connection reset');
    expect((error as Error).message).toContain('s3://billing-exports/partner/20260330.csv');
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', msg: 'export ingest failed', key: 'partner/20260330.csv', request_id: 'req-retry' }),
    );
    expect(await usageOf(store)).not.toContain('acc-1 2026-03-30 dn2sku-cpu-standard RUB cost=50.00 credit=0.00 rows=1');

    // The redelivered batch finishes the job; re-applying the two done files changes nothing (I1).
    const redelivered = await handler(fixture('storage-mixed-batch.json'), context('req-retry-2'));
    expect(redelivered.counts).toEqual({ applied: 3, stale: 0, rejected: 0, failed: 0, ignored: 1 });
    expect(await usageOf(store)).toEqual([
      'acc-3 2026-03-29 dn2sku-cpu-standard RUB cost=1.50 credit=-0.50 rows=1',
      'acc-1 2026-03-30 dn2sku-cpu-standard RUB cost=50.00 credit=0.00 rows=1',
      ...DAY31_USAGE,
    ]);
  });

  it('ignores a trigger message whose object was deleted before it was handled, without asking for a retry', async () => {
    const result = await handler(fixture('storage-object-create.json'), context('req-gone'));
    expect(result.items).toEqual([
      {
        bucket: BUCKET,
        key: 'partner/20260331.csv',
        status: 'ignored',
        rows: 0,
        accountDaysApplied: 0,
        accountDaysStale: 0,
        conflicts: 0,
        reason: 'object no longer exists: deleted after the event was sent',
      },
    ]);
    expect(result.ok).toBe(true);
  });

  it('reports a manual invoke naming a missing object as failed', async () => {
    const result = await handler(fixture('manual-object.json'), context());
    expect(result.items[0]).toMatchObject({ status: 'failed', reason: 's3://billing-exports/partner/20260331.csv does not exist' });
    expect(result.ok).toBe(false);
  });

  it('returns a failed item (no throw) for a manual invoke whose object cannot be read', async () => {
    source.put(BUCKET, 'partner/20260331.csv', day31);
    source.failNextRead(BUCKET, 'partner/20260331.csv', 'head');
    const result = await handler(fixture('manual-object.json'), context());
    expect(result.items).toEqual([
      {
        bucket: BUCKET,
        key: 'partner/20260331.csv',
        status: 'failed',
        rows: 0,
        accountDaysApplied: 0,
        accountDaysStale: 0,
        conflicts: 0,
        reason: 'injected: HeadObject s3://billing-exports/partner/20260331.csv timed out',
      },
    ]);
    expect(result.ok).toBe(false);
    expect(await usageOf(store)).toEqual([]);
  });

  it('backfills every export under a prefix on a manual {bucket, prefix} invoke', async () => {
    source.put(BUCKET, 'partner/20260329.csv', day29);
    source.put(BUCKET, 'partner/20260330.csv', malformed);
    source.put(BUCKET, 'partner/20260331.csv', day31);
    source.put(BUCKET, 'other/20260330.csv', day30);

    const result = await handler(fixture('manual-prefix.json'), context());

    expect(result.items.map((i) => [i.key, i.status])).toEqual([
      ['partner/20260329.csv', 'applied'],
      ['partner/20260330.csv', 'rejected'],
      ['partner/20260331.csv', 'applied'],
    ]);
    expect(result.resumeAfter).toBeNull();
    expect(await usageOf(store)).toEqual(['acc-3 2026-03-29 dn2sku-cpu-standard RUB cost=1.50 credit=-0.50 rows=1', ...DAY31_USAGE]);
  });

  it('stops a backfill before the function times out and resumes after the last ingested key', async () => {
    source.put(BUCKET, 'partner/20260329.csv', day29);
    source.put(BUCKET, 'partner/20260330.csv', day30);
    source.put(BUCKET, 'partner/20260331.csv', day31);
    // Asked before the second object: under the stop margin (the first object always runs).
    const remaining = [30_000];
    const first = await handler(
      fixture('manual-prefix.json'),
      context('req-a', () => remaining.shift() ?? 0),
    );

    expect(first.items.map((i) => i.key)).toEqual(['partner/20260329.csv']);
    expect(first.resumeAfter).toBe('partner/20260329.csv');

    const rest = await handler(
      { bucket: BUCKET, prefix: 'partner/', startAfter: first.resumeAfter },
      context('req-b', () => 300_000),
    );
    expect(rest.items.map((i) => [i.key, i.status])).toEqual([
      ['partner/20260330.csv', 'applied'],
      ['partner/20260331.csv', 'applied'],
    ]);
    expect(rest.resumeAfter).toBeNull();
  });

  it('writes JSON log lines with level, msg and request_id', async () => {
    source.put(BUCKET, 'partner/20260331.csv', day31);
    await handler(fixture('storage-object-create.json'), context('req-log'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines)
      expect(line).toMatchObject({ level: expect.stringMatching(/^(INFO|WARN|ERROR)$/), msg: expect.any(String), request_id: 'req-log' });
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'export applied', rows: 3, account_days_applied: 2, key: 'partner/20260331.csv' }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'ingest finished', applied: 1, objects: 1 }));
  });

  describe('rejects events of an unknown shape with a clear error', () => {
    it.each([
      [
        'a timer message',
        fixture('timer-message.json'),
        /messages\[0\]\.event_metadata\.event_type: not an Object Storage event type: "yandex\.cloud\.events\.serverless\.triggers\.TimerMessage"/,
      ],
      ['a storage message without object_id', fixture('invalid-storage-message.json'), /messages\[0\]\.details\.object_id/],
      ['an empty trigger batch', { messages: [] }, /messages: a trigger batch holds at least one message/],
      ['an invoke without data', '', /an empty string \(an invoke without data\)/],
      ['a bucket without key or prefix', { bucket: BUCKET }, /expected an Object Storage trigger batch.*got keys \["bucket"\]/],
      ['both key and prefix', { bucket: BUCKET, prefix: 'p/', key: 'p/x.csv' }, /Unrecognized key.*"key"/],
      ['an empty bucket name', { bucket: '', key: 'p/x.csv' }, /bucket:/],
    ])('%s', async (_name, event, message) => {
      const error = await handler(event, context('req-bad')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventValidationError);
      expect((error as Error).message).toMatch(message);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'ERROR', msg: 'ingest-usage invocation failed', request_id: 'req-bad' }),
      );
      expect(source.calls).toEqual([]);
    });
  });
});
