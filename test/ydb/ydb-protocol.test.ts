/**
 * What goes over the wire: typed, DECLAREd parameters (Decimal(22,9), Date day counts, Utf8,
 * Uint64), BulkUpsert in bounded batches, and reads that page on until every row is in — also
 * when YDB flags a result truncated.
 */
import type { Ydb } from 'ydb-sdk-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUCKET_VALUES, bucketOf } from '../../shared/adapters/ydb/account-day-key';
import { SELECT_LINK } from '../../shared/adapters/ydb/queries';
import { TypedValues } from '../../shared/adapters/ydb/sdk';
import { formatMoney } from '../../shared/domain/money';
import { batch, collect, entry, link, run } from '../contract/fixtures';
import type { RecordedRequest } from './fake/fake-ydb';
import { decodeValue, renderType, typeFromProto } from './fake/yql-types';
import { startFakeYdb, type FakeHarness } from './harness';

const params = (r: RecordedRequest | undefined) => (r?.request['parameters'] ?? {}) as Record<string, Ydb.ITypedValue>;
const typeOf = (v: Ydb.ITypedValue | undefined) => renderType(typeFromProto(v?.type ?? {}));
const typedValueOf = (v: Ydb.ITypedValue | undefined) => decodeValue(typeFromProto(v?.type ?? {}), v?.value ?? {});
const utcDays = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 86_400_000;
const txOf = (r: RecordedRequest | undefined) => (r?.request['txControl'] ?? {}) as Ydb.Table.ITransactionControl;

let h: FakeHarness;
beforeEach(async () => {
  h = await startFakeYdb();
});
afterEach(async () => {
  await h.close();
  expect(h.fake.violations).toEqual([]);
});

describe('parameter types', () => {
  it('writes usage rows with money as Decimal(22,9), the day as a Date day count, ids as Utf8 and counts as Uint64', async () => {
    await h.store.usage.applyAccountDays('t.csv', [
      batch('acc-1', '2026-01-05', 1767600000, [{ cost: '-12345678901.123456789', credit: '0.000000001', rows: 24 }]),
    ]);

    const rows = h.fake.calls('BulkUpsert', 'usage_aggregates')[0]?.request['rows'] as Ydb.ITypedValue;
    expect(typeOf(rows)).toBe(
      'List<Struct<account_id:Utf8,bucket:Uint32,cost:Decimal(22,9),credit:Decimal(22,9),currency:Utf8,day:Date,generation:Utf8,row_count:Uint64,service_id:Utf8,service_name:Utf8,sku_id:Utf8,sku_name:Utf8>>',
    );
    const [row] = typedValueOf(rows) as Record<string, unknown>[];
    expect(row).toMatchObject({
      account_id: 'acc-1',
      bucket: BigInt(bucketOf('acc-1')),
      day: '2026-01-05',
      currency: 'RUB',
      row_count: 24n,
      cost: -12345678901123456789n,
      credit: 1n,
    });
    const dayMember = rows.type?.listType?.item?.structType?.members?.findIndex((m) => m.name === 'day') ?? -1;
    expect(rows.value?.items?.[0]?.items?.[dayMember]?.uint32Value).toBe(utcDays(2026, 1, 5));
  });

  it('switches pointers with the version as Uint64 and the day as Date, inside the compare transaction', async () => {
    await h.store.usage.applyAccountDays('t.csv', [batch('acc-1', '2026-01-05', 1767600000, [{}])]);

    const upsert = h.fake.calls('ExecuteDataQuery', 'upsert_account_day_versions')[0];
    expect(typeOf(params(upsert)['$rows'])).toBe(
      'List<Struct<account_id:Utf8,apply_id:Utf8,bucket:Uint32,day:Date,digest:Utf8,generation:Utf8,prev_digest:Optional<Utf8>,prev_generation:Optional<Utf8>,prev_source_key:Optional<Utf8>,prev_version:Optional<Uint64>,source_key:Utf8,version:Uint64>>',
    );
    expect(typedValueOf(params(upsert)['$rows'])).toMatchObject([
      { account_id: 'acc-1', day: '2026-01-05', version: 1767600000n, source_key: 't.csv', prev_version: null, prev_generation: null },
    ]);
    expect(txOf(upsert)).toMatchObject({ commitTx: true });
    expect(txOf(upsert).txId).toBeTruthy();
  });

  it('appends ledger amounts as Decimal(22,9) built from decimal strings and seq as Uint64', async () => {
    await h.store.ledger.appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 1), [
      entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 2, amount: '-0.01' }),
    ]);

    const entries = params(h.fake.calls('ExecuteDataQuery', 'insert_ledger_append')[0])['$entries'];
    expect(typeOf(entries)).toContain('amount:Decimal(22,9)');
    expect(typeOf(entries)).toContain('seq:Uint64');
    expect(typedValueOf(entries)).toMatchObject([{ amount: -10_000_000n, seq: 2n, currency: 'RUB' }]);
    const [stored] = await h.store.ledger.listEntries();
    expect(formatMoney(stored?.amount ?? 0n, 2)).toBe('-0.01');
  });

  it('lists through one query per access path with plain Utf8 filters, scans with Date bounds and limits pages with Uint64', async () => {
    await h.store.program.listLinks({ partnerId: 'p-1' });
    await h.store.program.listLinks();
    await collect(h.store.usage.scanUsage({ from: '2026-01-01', to: '2026-03-31' }));
    await collect(h.store.usage.scanUsage({ from: '2026-01-01', to: '2026-01-02' }, { accountIds: ['acc-1'] }));

    const [byPartner] = h.fake.calls('ExecuteDataQuery', 'list_links_by_partner_page').map(params);
    expect([typeOf(byPartner?.['$partner_id']), typedValueOf(byPartner?.['$partner_id'])]).toEqual(['Utf8', 'p-1']);
    expect(Object.keys(params(h.fake.calls('ExecuteDataQuery', 'list_links_page')[0]))).not.toContain('$partner_id');
    const scan = params(h.fake.calls('ExecuteDataQuery', 'scan_usage_page')[0]);
    expect([typeOf(scan['$from']), scan['$from']?.value?.uint32Value]).toEqual(['Date', utcDays(2026, 1, 1)]);
    expect([typeOf(scan['$to']), scan['$to']?.value?.uint32Value]).toEqual(['Date', utcDays(2026, 3, 31)]);
    expect(typeOf(scan['$limit'])).toBe('Uint64');
    // One key range per bucket, each bucket the start of its Uint32 part.
    const buckets = h.fake.calls('ExecuteDataQuery', 'scan_usage_page').map((r) => params(r)['$bucket']);
    expect(buckets.map(typeOf)).toEqual(BUCKET_VALUES.map(() => 'Uint32'));
    expect(buckets.map((b) => b?.value?.uint32Value)).toEqual(BUCKET_VALUES);
    const listed = params(h.fake.calls('ExecuteDataQuery', 'scan_usage_account_days')[0]);
    expect(typeOf(listed['$keys'])).toBe('List<Struct<account_id:Utf8,bucket:Uint32,day:Date>>');
    const bucket = BigInt(bucketOf('acc-1'));
    expect(typedValueOf(listed['$keys'])).toEqual([
      { bucket, day: '2026-01-01', account_id: 'acc-1' },
      { bucket, day: '2026-01-02', account_id: 'acc-1' },
    ]);
  });

  it('the fake refuses a parameter sent with another type than its DECLARE, and one never declared', async () => {
    const attempt = (parameters: Record<string, Ydb.ITypedValue>) =>
      h.driver.tableClient.withSession((s) => s.executeQuery(SELECT_LINK, parameters));

    await expect(attempt({ $id: TypedValues.uint64(7) })).rejects.toThrow(/\$id is DECLAREd as Utf8 but sent as Uint64/);
    await expect(attempt({ $id: TypedValues.utf8('l-1'), $extra: TypedValues.utf8('x') })).rejects.toThrow(
      /\$extra was sent but is not DECLAREd/,
    );
    expect(h.fake.violations).toHaveLength(2);
    h.fake.violations.length = 0;
  });
});

describe('bulk writes and paged reads', () => {
  it('writes usage through BulkUpsert requests of at most the configured batch size, the sentinel row of each generation first', async () => {
    const { store } = await h.connect({ bulkBatchRows: 100 });
    const batches = ['acc-1', 'acc-2', 'acc-3'].map((id) =>
      batch(
        id,
        '2026-01-05',
        1,
        Array.from({ length: 85 }, (_, i) => ({ skuId: `sku-${i}` })),
      ),
    );

    await store.usage.applyAccountDays('big.csv', batches);

    const sizes = h.fake.calls('BulkUpsert', 'usage_aggregates').map((r) => (r.request['rows'] as Ydb.ITypedValue).value?.items?.length);
    // One sentinel per account-day, acknowledged before the other 3 × 84 rows (see usage-apply.ts).
    expect(sizes).toEqual([3, 100, 100, 52]);
    const sentinels = typedValueOf(h.fake.calls('BulkUpsert', 'usage_aggregates')[0]?.request['rows'] as Ydb.ITypedValue) as Record<
      string,
      unknown
    >[];
    expect(sentinels.map((r) => `${String(r['account_id'])} ${String(r['sku_id'])}`)).toEqual([
      'acc-1 sku-0',
      'acc-2 sku-0',
      'acc-3 sku-0',
    ]);
    expect(await collect(store.usage.scanUsage({ from: '2026-01-05', to: '2026-01-05' }))).toHaveLength(255);
  });

  it('reads every row when each page comes back truncated, continuing after the last key in one snapshot', async () => {
    const batches = Array.from({ length: 12 }, (_, a) =>
      batch(
        `acc-${String(a).padStart(2, '0')}`,
        '2026-02-01',
        1,
        Array.from({ length: 100 }, (_, s) => ({ skuId: `sku-${String(s).padStart(3, '0')}` })),
      ),
    );
    await h.store.usage.applyAccountDays('p.csv', batches);
    h.fake.truncate('scan_usage_page', 250);

    const rows = await collect(h.store.usage.scanUsage({ from: '2026-02-01', to: '2026-02-01' }));

    expect(rows.map((r) => `${r.accountId}/${r.skuId}`)).toEqual(batches.flatMap((b) => b.rows.map((r) => `${r.accountId}/${r.skuId}`)));
    const pages = h.fake.calls('ExecuteDataQuery', 'scan_usage_page');
    // Per bucket: its rows in truncated pages of 250 and a last one that is not (one empty page when it has none).
    const rowsOf = (bucket: number) => batches.filter((b) => bucketOf(b.accountId) === bucket).length * 100;
    expect(pages).toHaveLength(BUCKET_VALUES.reduce((n, b) => n + Math.max(1, Math.ceil(rowsOf(b) / 250)), 0));
    // The snapshot begins with the scan's first query (the applies in progress); every page reads in it.
    const first = h.fake.calls('ExecuteDataQuery', 'select_applies_in_progress').at(-1);
    expect(txOf(first).beginTx?.snapshotReadOnly).toBeTruthy();
    const snapshot = h.fake.calls('CommitTransaction').at(-1)?.request['txId'];
    expect(new Set(pages.map((p) => txOf(p).txId))).toEqual(new Set([snapshot]));
    // A cut page is continued after its last row: the 250th row of that bucket, in key order.
    const bucket = BUCKET_VALUES.reduce((most, b) => (rowsOf(b) > rowsOf(most) ? b : most));
    const ofBucket = pages.filter((p) => params(p)['$bucket']?.value?.uint32Value === bucket);
    const keys = batches.filter((b) => bucketOf(b.accountId) === bucket).flatMap((b) => b.rows.map((r) => [r.accountId, r.skuId]));
    expect(keys.length).toBeGreaterThan(250);
    expect([typedValueOf(params(ofBucket[1])['$after_account_id']), typedValueOf(params(ofBucket[1])['$after_sku_id'])]).toEqual(keys[249]);
  });

  it('pages every list query by key past its page size', async () => {
    const { store } = await h.connect({ pageSize: 2 });
    for (const id of ['l-1', 'l-2', 'l-3', 'l-4', 'l-5']) await store.program.insertLink(link(id, 'p-1', `sub-${id}`, '2026-01-01'));
    await store.usage.applyAccountDays(
      'v.csv',
      ['a', 'b', 'c'].map((id) => batch(id, '2026-01-10', 1, [{}, { skuId: 'x' }])),
    );
    const entries = [1, 2, 3].map((seq) =>
      entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq, amount: '1' }),
    );
    await store.ledger.appendRun(run('run-1', '2026-Q1', '2026-04-01T00:00:00.000Z', 3), entries);

    expect((await store.program.listLinks()).map((l) => l.id)).toEqual(['l-1', 'l-2', 'l-3', 'l-4', 'l-5']);
    expect(await store.usage.listAccountDayVersions({ from: '2026-01-10', to: '2026-01-10' })).toHaveLength(3);
    expect(await collect(store.usage.scanUsage({ from: '2026-01-10', to: '2026-01-10' }))).toHaveLength(6);
    expect((await store.ledger.listEntries()).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(h.fake.calls('ExecuteDataQuery', 'list_links_page')).toHaveLength(3);
    expect(h.fake.calls('ExecuteDataQuery', 'list_ledger_page')).toHaveLength(2);
  });

  it('refuses to guess when YDB flags an empty page truncated', async () => {
    await h.store.usage.applyAccountDays('e.csv', [batch('acc-1', '2026-01-05', 1, [{}])]);
    h.fake.truncate('scan_usage_page', 0);

    await expect(collect(h.store.usage.scanUsage({ from: '2026-01-05', to: '2026-01-05' }))).rejects.toMatchObject({
      code: 'YDB_TRUNCATED',
    });
  });
});
