/**
 * The deployed configuration end to end: REBATES_STORE=ydb, the function's IAM token from the
 * invocation context, an upload event from a real S3 server (s3rver). YDB is the in-process
 * protocol fake (test/ydb), reached through the real ydb-sdk driver that openStore creates.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { handler as Handler } from '../../functions/ingest-usage/handler';
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { loadConfig } from '../../shared/config';
import { formatMoney } from '../../shared/domain/money';
import { startS3rver, toStorageTriggerEvent, type S3rverHandle } from '../support/s3rver';
import { usageCsv } from '../support/usage-export-csv';
import { startFakeYdb, type FakeHarness } from '../ydb/harness';

const BUCKET = 'billing-exports';

describe('ingest-usage handler with REBATES_STORE=ydb (protocol fake) on s3rver events', () => {
  let server: S3rverHandle;
  let client: S3Client;
  let ydb: FakeHarness;
  let handler: typeof Handler;

  beforeAll(async () => {
    ydb = await startFakeYdb();
    server = await startS3rver({ buckets: [BUCKET] });
    client = createS3Client(loadConfig(server.env));
    const env = {
      ...server.env,
      REBATES_STORE: 'ydb',
      YDB_ENDPOINT: ydb.fake.endpoint,
      YDB_DATABASE: ydb.fake.database,
      LOG_LEVEL: 'warn',
    };
    for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.resetModules();
    handler = (await import('../../functions/ingest-usage/handler')).handler;
  });

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    vi.unstubAllEnvs();
    await ydb?.close();
    vi.restoreAllMocks();
  });

  it('applies an uploaded export into YDB, authenticating with the invocation token', async () => {
    const body = usageCsv([
      { account: 'ydb-1', day: '2026-03-10', cost: '12.000000001', credit: '-2', updatedAt: 1773100000 },
      { account: 'ydb-1', day: '2026-03-10', cost: '0.999999999', credit: '0', updatedAt: 1773100000 },
    ]);
    server.discardEvents();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'partner/20260310.csv', Body: body }));
    const event = toStorageTriggerEvent(await server.nextEvents(1));

    const context = { requestId: 'req-ydb', token: { access_token: 't1.iam-token', expires_in: 43200, token_type: 'Bearer' } };
    const sent = () => new Set(ydb.fake.requests.splice(0).map((r) => r.authTicket));
    sent();
    const result = await handler(event, context);
    expect(result.items).toEqual([
      {
        bucket: BUCKET,
        key: 'partner/20260310.csv',
        status: 'applied',
        rows: 2,
        accountDaysApplied: 1,
        accountDaysStale: 0,
        conflicts: 0,
        reason: null,
      },
    ]);
    // Every YDB call of the invocation carried its token.
    expect(sent()).toEqual(new Set(['t1.iam-token']));
    // Redelivery of the same event is harmless (I1); the warm instance uses the new invocation's token.
    expect(
      (await handler(event, { requestId: 'req-ydb-2', token: { ...context.token, access_token: 't1.next-token' } })).items[0]!.status,
    ).toBe('applied');
    expect(sent()).toEqual(new Set(['t1.next-token']));

    const usage: string[] = [];
    for await (const a of ydb.store.usage.scanUsage({ from: '2026-03-10', to: '2026-03-10' })) {
      usage.push(`${a.accountId} ${a.skuId} ${a.currency} ${formatMoney(a.cost)} ${formatMoney(a.credit)} rows=${a.rows}`);
    }
    expect(usage).toEqual(['ydb-1 dn2sku-cpu-standard RUB 13.00 -2.00 rows=2']);
    const log = await ydb.store.usage.listIngestLog({ objectKey: `s3://${BUCKET}/partner/20260310.csv` });
    expect(log.map((e) => e.status)).toEqual(['applied', 'applied']);
  });
});
