/**
 * `migrate` through the SDK's public API: tables created with `session.createTable` (columns,
 * key, covering indexes, partitioning by size and by load) and every existing table checked
 * with `describeTable`, reporting drift instead of accepting a table that merely exists.
 */
import type { Ydb } from 'ydb-sdk-proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateYdb } from '../../shared/adapters/ydb/migrate';
import { YdbProto } from '../../shared/adapters/ydb/sdk';
import { BUCKETS } from '../../shared/adapters/ydb/account-day-key';
import { YDB_SCHEMA } from '../../shared/adapters/ydb/schema';
import { FAST, startFakeYdb, type FakeHarness } from './harness';

const ENABLED = YdbProto.FeatureFlag.Status.ENABLED;

let h: FakeHarness;
beforeEach(async () => {
  h = await startFakeYdb({ migrate: false });
});
afterEach(async () => {
  await h.close();
});

describe('migrate', () => {
  it('creates each table with its key, covering indexes and partitioning by size and by load', async () => {
    await migrateYdb(h.driver, FAST);

    const requests = h.fake.calls('CreateTable').map((r) => r.request as unknown as Ydb.Table.ICreateTableRequest);
    expect(requests.map((r) => r.path?.split('/').pop())).toEqual(YDB_SCHEMA.map((t) => t.name));
    for (const request of requests) {
      expect(request.partitioningSettings).toMatchObject({ partitioningByLoad: ENABLED, partitioningBySize: ENABLED });
      expect(Number(request.partitioningSettings?.maxPartitionsCount)).toBeGreaterThan(1);
    }
    const ingest = requests.find((r) => r.path?.endsWith('/ingest_log'));
    expect(ingest?.indexes?.map((i) => [i.name, i.indexColumns, i.globalIndex ? 'sync' : 'other'])).toEqual([
      ['by_newest', ['newest_first'], 'sync'],
      ['by_object', ['object_key', 'newest_first'], 'sync'],
    ]);
    const usage = requests.find((r) => r.path?.endsWith('/usage_aggregates'));
    expect(usage?.columns?.find((c) => c.name === 'cost')?.type).toEqual({
      optionalType: { item: { decimalType: { precision: 22, scale: 9 } } },
    });
  });

  it('reports every drifted column, key, index and partitioning setting of existing tables at once, and alters nothing', async () => {
    const usage = YDB_SCHEMA.find((t) => t.name === 'usage_aggregates');
    if (!usage) throw new Error('no usage_aggregates in the schema');
    // A usage table created by hand: cost as Utf8, row_count missing, an extra column, no partitioning.
    h.fake.engine.createFromSchema({
      name: 'usage_aggregates',
      columns: [
        ...usage.columns
          .filter((c) => c.name !== 'row_count')
          .map((c) => ({
            name: c.name,
            type:
              c.name === 'cost'
                ? { kind: 'prim' as const, name: 'Utf8' as const }
                : c.type === 'Decimal(22,9)'
                  ? { kind: 'decimal' as const, precision: 22, scale: 9 }
                  : { kind: 'prim' as const, name: c.type as 'Utf8' },
            notNull: c.notNull === true,
          })),
        { name: 'legacy', type: { kind: 'prim', name: 'Utf8' }, notNull: false },
      ],
      key: usage.primaryKey,
    });
    const ingest = YDB_SCHEMA.find((t) => t.name === 'ingest_log');
    if (!ingest) throw new Error('no ingest_log in the schema');
    h.fake.engine.createFromSchema({
      name: 'ingest_log',
      columns: ingest.columns.map((c) => ({
        name: c.name,
        type: c.type === 'Uint64' ? { kind: 'prim' as const, name: 'Uint64' as const } : { kind: 'prim' as const, name: 'Utf8' as const },
        notNull: c.notNull === true,
      })),
      key: ['id'],
      partitioning: { partitioningByLoad: ENABLED, partitioningBySize: ENABLED },
    });

    const attempt = migrateYdb(h.driver, FAST);

    await expect(attempt).rejects.toMatchObject({ code: 'YDB_SCHEMA_DRIFT' });
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).toContain('usage_aggregates.cost is Optional<Utf8>, expected Optional<Decimal(22,9)>');
    expect(message).toContain('usage_aggregates.row_count is missing (expected Optional<Uint64>)');
    expect(message).toContain('usage_aggregates.legacy is not in the schema');
    expect(message).toContain('usage_aggregates does not partition by load (AUTO_PARTITIONING_BY_LOAD)');
    expect(message).toContain('ingest_log index by_newest is missing');
    expect(message).not.toMatch(/ingest_log\.\w+ is/);
    // The other tables were created; the drifted ones were left as they were.
    expect(h.fake.calls('CreateTable').map((r) => r.target)).not.toContain('usage_aggregates');
    expect(h.fake.engine.schema('usage_aggregates').columns.map((c) => c.name)).toContain('legacy');
  });

  it('creates the usage tables with the hash bucket leading their keys, 16 uniform partitions and never fewer than 16', async () => {
    await migrateYdb(h.driver, FAST);

    const requests = h.fake.calls('CreateTable').map((r) => r.request as unknown as Ydb.Table.ICreateTableRequest);
    for (const name of ['usage_aggregates', 'account_day_versions']) {
      const request = requests.find((r) => r.path?.endsWith(`/${name}`));
      expect(request?.primaryKey?.[0]).toBe('bucket');
      expect(request?.columns?.find((c) => c.name === 'bucket')?.type).toEqual({ typeId: YdbProto.Type.PrimitiveTypeId.UINT32 });
      expect(Number(request?.uniformPartitions)).toBe(BUCKETS);
      expect(Number(request?.partitioningSettings?.minPartitionsCount)).toBe(BUCKETS);
    }
    expect(requests.find((r) => r.path?.endsWith('/ingest_log'))?.uniformPartitions ?? 0).toBe(0);
  });

  it('refuses usage tables with the day-first key of earlier releases and says how to rebuild them', async () => {
    const usage = YDB_SCHEMA.find((t) => t.name === 'usage_aggregates');
    if (!usage) throw new Error('no usage_aggregates in the schema');
    // The layout before the bucket: no bucket column, `day` first.
    h.fake.engine.createFromSchema({
      name: 'usage_aggregates',
      columns: usage.columns
        .filter((c) => c.name !== 'bucket')
        .map((c) => ({
          name: c.name,
          type:
            c.type === 'Decimal(22,9)'
              ? { kind: 'decimal' as const, precision: 22, scale: 9 }
              : { kind: 'prim' as const, name: c.type as 'Utf8' },
          notNull: c.notNull === true,
        })),
      key: usage.primaryKey.filter((k) => k !== 'bucket'),
      partitioning: { partitioningByLoad: ENABLED, partitioningBySize: ENABLED, minPartitionsCount: 1 },
    });

    const message = await migrateYdb(h.driver, FAST).then(
      () => 'migrated',
      (error: Error & { code?: string }) => `${error.code}: ${error.message}`,
    );

    expect(message).toMatch(/^YDB_SCHEMA_DRIFT: /);
    expect(message).toContain('usage_aggregates.bucket is missing (expected Uint32)');
    expect(message).toContain(
      'usage_aggregates primary key is (day, account_id, generation, service_id, sku_id, currency), expected (bucket, day, account_id, generation, service_id, sku_id, currency)',
    );
    expect(message).toContain('usage_aggregates may merge below 16 partitions');
    expect(message).toContain('still have the day-first key of earlier releases');
    expect(message).toContain('re-ingest the exports');
    expect(h.fake.engine.schema('usage_aggregates').key[0]).toBe('day');
  });

  it('finds no drift in the tables it created itself', async () => {
    await migrateYdb(h.driver, FAST);

    expect(await migrateYdb(h.driver, FAST)).toEqual({ created: [], existing: YDB_SCHEMA.map((t) => t.name) });
  });
});
