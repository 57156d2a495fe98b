/**
 * The deployed ingest-usage handler driven the way Object Storage drives it: objects are
 * uploaded to a real S3 server on loopback (s3rver 3.7.1, started here), each s3rver
 * ObjectCreated/ObjectRemoved event becomes the Yandex trigger message for it, and the
 * handler's result and the SQLite store show what was ingested.
 */
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { handler as Handler } from '../../functions/ingest-usage/handler';
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { createSqliteStore } from '../../shared/adapters/sqlite/sqlite-store';
import { loadConfig } from '../../shared/config';
import { formatMoney } from '../../shared/domain/money';
import type { Store } from '../../shared/ports/store';
import { startS3rver, toStorageTriggerEvent, type S3rverHandle } from '../support/s3rver';
import { usageCsv } from '../support/usage-export-csv';

const BUCKET = 'billing-exports';

describe('ingest-usage handler on Object Storage events (s3rver)', () => {
  let server: S3rverHandle;
  let client: S3Client;
  let dir: string;
  let reader: Store;
  let handler: typeof Handler;
  let request = 0;

  beforeAll(async () => {
    server = await startS3rver({ buckets: [BUCKET] });
    client = createS3Client(loadConfig(server.env));
    dir = mkdtempSync(join(tmpdir(), 's3-ingest-'));
    const dbPath = join(dir, 'rebates.db');
    for (const [key, value] of Object.entries({ ...server.env, REBATES_STORE: `sqlite:${dbPath}`, LOG_LEVEL: 'warn' }))
      vi.stubEnv(key, value);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.resetModules();
    handler = (await import('../../functions/ingest-usage/handler')).handler;
    // The handler builds its store lazily; a second connection reads what it committed.
    await handler(
      {
        messages: [
          {
            event_metadata: {
              event_id: 'warm-up',
              event_type: 'yandex.cloud.events.storage.ObjectDelete',
              created_at: '2026-01-01T00:00:00Z',
            },
            details: { bucket_id: BUCKET, object_id: 'none.csv' },
          },
        ],
      },
      { requestId: 'warm-up' },
    );
    reader = createSqliteStore(dbPath);
  });

  afterAll(async () => {
    await reader?.close();
    client?.destroy();
    await server?.stop();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Uploads (or deletes) objects, then delivers their s3rver events as one trigger batch. */
  async function upload(...objects: Array<[key: string, body: string | null]>) {
    server.discardEvents();
    for (const [key, body] of objects) {
      await client.send(
        body === null
          ? new DeleteObjectCommand({ Bucket: BUCKET, Key: key })
          : new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }),
      );
    }
    const records = await server.nextEvents(objects.length);
    return handler(toStorageTriggerEvent(records), { requestId: `req-${++request}` });
  }

  async function usage(account: string): Promise<string[]> {
    const out: string[] = [];
    for await (const a of reader.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' }, { accountIds: [account] })) {
      out.push(`${a.day} ${a.skuId} ${a.currency} ${formatMoney(a.cost)} ${formatMoney(a.credit)}`);
    }
    return out;
  }

  it('applies an export when its upload event arrives', async () => {
    const body = usageCsv([
      { account: 'up-1', day: '2026-03-01', cost: '12.345678901', credit: '-2.345678901', updatedAt: 1772400000 },
      { account: 'up-1', day: '2026-03-01', cost: '0.654321099', credit: '0', updatedAt: 1772400000 },
    ]);
    const result = await upload(['partner/20260301.csv', body]);

    expect(result.items).toEqual([
      {
        bucket: BUCKET,
        key: 'partner/20260301.csv',
        status: 'applied',
        rows: 2,
        accountDaysApplied: 1,
        accountDaysStale: 0,
        conflicts: 0,
        reason: null,
      },
    ]);
    expect(await usage('up-1')).toEqual(['2026-03-01 dn2sku-cpu-standard RUB 13.00 -2.345678901']);
    const [log] = await reader.usage.listIngestLog({ objectKey: `s3://${BUCKET}/partner/20260301.csv` });
    expect(log).toMatchObject({ status: 'applied', rows: 2, version: 1772400000, etag: createHash('md5').update(body).digest('hex') });
  });

  it('replaces the account-days of an object overwritten with a newer version, an older copy is stale, a malformed one is rejected', async () => {
    const key = 'partner/20260302.csv';
    const v1 = usageCsv([{ account: 'ow-1', day: '2026-03-02', cost: '100', credit: '-1', updatedAt: 1772500000 }]);
    const v2 = usageCsv([
      { account: 'ow-1', day: '2026-03-02', cost: '150.5', credit: '-1.5', updatedAt: 1772503600 },
      { account: 'ow-1', day: '2026-03-02', sku: 'dn2sku-ram', cost: '9.999999999', credit: '0', updatedAt: 1772503600 },
    ]);
    expect((await upload([key, v1])).items[0]).toMatchObject({ status: 'applied', accountDaysApplied: 1 });

    const replaced = await upload([key, v2]);
    expect(replaced.items[0]).toMatchObject({ status: 'applied', accountDaysApplied: 1, accountDaysStale: 0 });
    // Replaced, not appended: v1's 100 is gone (I1).
    const newest = ['2026-03-02 dn2sku-cpu-standard RUB 150.50 -1.50', '2026-03-02 dn2sku-ram RUB 9.999999999 0.00'];
    expect(await usage('ow-1')).toEqual(newest);

    const stale = await upload(['archive/20260302-old-copy.csv', v1]);
    expect(stale.items[0]).toMatchObject({ status: 'stale', accountDaysApplied: 0, accountDaysStale: 1 });
    expect(stale.items[0]!.reason).toContain('ow-1 2026-03-02 version 1772500000 < stored 1772503600');
    expect(await usage('ow-1')).toEqual(newest);

    const malformed = usageCsv([
      { account: 'ow-1', day: '2026-03-02', cost: '999', credit: '0', updatedAt: 1772600000 },
      { account: 'ow-1', day: '2026-03-32', cost: '1', credit: '0', updatedAt: 1772600000 },
    ]);
    const rejected = await upload([key, malformed]);
    expect(rejected.items[0]).toMatchObject({ status: 'rejected', rows: 2, accountDaysApplied: 0 });
    expect(rejected.items[0]!.reason).toMatch(/^s3:\/\/billing-exports\/partner\/20260302\.csv rejected: line 3, column date/);
    expect(await usage('ow-1')).toEqual(newest);
    const log = await reader.usage.listIngestLog({ objectKey: `s3://${BUCKET}/${key}` });
    expect(log.map((e) => e.status)).toEqual(['rejected', 'applied', 'applied']);
  });

  it('versions a file without updated_at by the object last-modified time', async () => {
    const key = 'partner/20260303.csv';
    const result = await upload([
      key,
      usageCsv([{ account: 'lm-1', day: '2026-03-03', cost: '1', credit: '0' }], { withUpdatedAt: false }),
    ]);
    expect(result.items[0]!.status).toBe('applied');
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await reader.usage.listAccountDayVersions({ from: '2026-03-03', to: '2026-03-03' })).toEqual([
      {
        accountId: 'lm-1',
        day: '2026-03-03',
        version: Math.floor(head.LastModified!.getTime() / 1000),
        sourceKey: `s3://${BUCKET}/${key}`,
      },
    ]);
  });

  it('handles every event of a batch on its own: created, malformed, created-then-deleted and deleted objects', async () => {
    const result = await upload(
      ['batch/20260304.csv', usageCsv([{ account: 'bt-1', day: '2026-03-04', cost: '4', credit: '0' }])],
      ['batch/20260305.csv', 'billing_account_id,date\r\nbt-2,2026-03-05\r\n'],
      ['batch/20260304.csv', null],
      ['batch/20260306.csv', usageCsv([{ account: 'bt-3', day: '2026-03-06', cost: '6', credit: '0' }])],
    );
    // The first object was deleted before the batch ran: nothing to read and nothing to retry.
    expect(result.items.map((i) => [i.key, i.status, i.reason?.slice(0, 40) ?? null])).toEqual([
      ['batch/20260304.csv', 'ignored', 'object no longer exists: deleted after t'],
      ['batch/20260305.csv', 'rejected', 's3://billing-exports/batch/20260305.csv '],
      ['batch/20260304.csv', 'ignored', 'object deleted: stored usage is kept'],
      ['batch/20260306.csv', 'applied', null],
    ]);
    expect(await usage('bt-3')).toEqual(['2026-03-06 dn2sku-cpu-standard RUB 6.00 0.00']);
    expect(await usage('bt-1')).toEqual([]);
  });

  it('backfills more than 1000 exports under a prefix on a manual {bucket, prefix} invoke (paged listing)', async () => {
    const count = 1050;
    const keys = Array.from({ length: count }, (_, i) => `backfill/${String(i).padStart(5, '0')}.csv`);
    const costOf = (i: number) => `${i}.000000001`;
    for (let i = 0; i < count; i += 25) {
      await Promise.all(
        keys.slice(i, i + 25).map((key, j) =>
          client.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: key,
              Body: usageCsv([{ account: `bf-${i + j}`, day: '2026-02-01', cost: costOf(i + j), credit: '0' }]),
            }),
          ),
        ),
      );
    }
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'backfill/README.txt', Body: 'not an export' }));
    server.discardEvents();

    const started = Date.now();
    const result = await handler(
      { bucket: BUCKET, prefix: 'backfill/' },
      { requestId: 'req-backfill', getRemainingTimeInMillis: () => 600_000 - (Date.now() - started) },
    );

    expect(result.counts).toEqual({ applied: count, stale: 0, rejected: 0, failed: 0, ignored: 0 });
    expect(result.items.map((i) => i.key)).toEqual(keys);
    expect(result.resumeAfter).toBeNull();
    let rows = 0;
    let total = 0n;
    for await (const a of reader.usage.scanUsage({ from: '2026-02-01', to: '2026-02-01' })) {
      if (!a.accountId.startsWith('bf-')) continue;
      rows += 1;
      total += a.cost;
    }
    expect(rows).toBe(count);
    // Σ (i + 0.000000001) for i < 1050, computed independently in nano-units.
    const expected = keys.reduce((sum, _key, i) => sum + BigInt(i) * 1_000_000_000n + 1n, 0n);
    expect(formatMoney(total)).toBe(formatMoney(expected));
    expect(formatMoney(total)).toBe('550725.00000105'); // 1049·1050/2 + 1050 nanos
  }, 180_000);
});
