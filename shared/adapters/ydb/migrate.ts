/**
 * The idempotent migrate step (CLI `migrate`): creates every table of `YDB_SCHEMA` that does not
 * exist yet, through the SDK's public `session.createTable`, and checks every existing table with
 * `session.describeTable`: a missing or extra column, another type or nullability, another primary
 * key, a missing index or partitioning that is not by size and load is drift — reported all at
 * once (StoreError YDB_SCHEMA_DRIFT), never silently accepted or altered. Functions never call it
 * (SPEC §6: no migration on cold start).
 */
import type { Ydb } from 'ydb-sdk-proto';
import { StoreError } from '../../ports/store';
import { createYdbRunner, ydbFailure, ydbStatus, type YdbRunnerOptions } from './runner';
import {
  StatusCode,
  TableDescription,
  TableIndex,
  Types,
  YdbColumn,
  YdbProto,
  type TableSession,
  type YdbDriver,
  type YdbTableDescription,
} from './sdk';
import { scalarType } from './values';
import { minPartitions, PARTITIONING, YDB_SCHEMA, type YdbColumnType, type YdbTableSpec } from './schema';

export interface MigrateResult {
  created: string[];
  existing: string[];
}

const ENABLED = YdbProto.FeatureFlag.Status.ENABLED;

/** A schema column type as the SDK's type: the same mapping the query parameters use (values.ts). */
function columnType(type: YdbColumnType): Ydb.IType {
  return scalarType(type === 'Decimal(22,9)' ? 'Money' : type);
}

/** The public TableDescription of a table spec: columns, key, covering global indexes, partitioning. */
export function tableDescription(table: YdbTableSpec): YdbTableDescription {
  const description = new TableDescription();
  for (const column of table.columns) {
    const type = columnType(column.type);
    description.withColumn(new YdbColumn(column.name, column.notNull ? type : Types.optional(type)));
  }
  description.withPrimaryKeys(...table.primaryKey);
  for (const index of table.indexes) {
    description.withIndex(
      new TableIndex(index.name)
        .withIndexColumns(...index.columns)
        .withDataColumns(...index.cover)
        .withGlobalAsync(false),
    );
  }
  description.withPartitioningSettings({
    partitioningBySize: PARTITIONING.bySize ? ENABLED : YdbProto.FeatureFlag.Status.DISABLED,
    partitionSizeMb: PARTITIONING.partitionSizeMb,
    partitioningByLoad: PARTITIONING.byLoad ? ENABLED : YdbProto.FeatureFlag.Status.DISABLED,
    minPartitionsCount: minPartitions(table),
    maxPartitionsCount: PARTITIONING.maxPartitions,
  });
  if (table.uniformPartitions) description.uniformPartitions = table.uniformPartitions;
  return description;
}

/** A type as text (`Optional<Decimal(22,9)>`), for comparing and for drift messages. */
export function renderProtoType(type: Ydb.IType | null | undefined): string {
  if (!type) return '?';
  if (type.optionalType) return `Optional<${renderProtoType(type.optionalType.item)}>`;
  if (type.decimalType) return `Decimal(${type.decimalType.precision ?? 0},${type.decimalType.scale ?? 0})`;
  const names = YdbProto.Type.PrimitiveTypeId as unknown as Record<number, string>;
  const name = names[type.typeId ?? -1];
  const pretty: Record<string, string> = { UTF8: 'Utf8', DATE: 'Date', UINT64: 'Uint64', BOOL: 'Bool', UINT32: 'Uint32' };
  return name === undefined ? JSON.stringify(type) : (pretty[name] ?? name);
}

/** Everything about an existing table that differs from its spec (empty: no drift). */
export function tableDrift(table: YdbTableSpec, found: Ydb.Table.IDescribeTableResult): string[] {
  const drift: string[] = [];
  const expected = tableDescription(table);
  const actual = new Map((found.columns ?? []).map((c) => [c.name ?? '', renderProtoType(c.type)]));
  for (const column of expected.columns) {
    const want = renderProtoType(column.type);
    const got = actual.get(column.name);
    if (got === undefined) drift.push(`${table.name}.${column.name} is missing (expected ${want})`);
    else if (got !== want) drift.push(`${table.name}.${column.name} is ${got}, expected ${want}`);
  }
  for (const name of actual.keys())
    if (!expected.columns.some((c: { name: string }) => c.name === name)) drift.push(`${table.name}.${name} is not in the schema`);
  const key = (found.primaryKey ?? []).join(', ');
  if (key !== table.primaryKey.join(', ')) drift.push(`${table.name} primary key is (${key}), expected (${table.primaryKey.join(', ')})`);
  const indexes = new Map((found.indexes ?? []).map((i) => [i.name ?? '', (i.indexColumns ?? []).join(', ')]));
  for (const index of table.indexes) {
    const got = indexes.get(index.name);
    if (got === undefined) drift.push(`${table.name} index ${index.name} is missing`);
    else if (got !== index.columns.join(', '))
      drift.push(`${table.name} index ${index.name} is on (${got}), expected (${index.columns.join(', ')})`);
  }
  const partitioning = found.partitioningSettings;
  if (partitioning?.partitioningByLoad !== ENABLED) drift.push(`${table.name} does not partition by load (AUTO_PARTITIONING_BY_LOAD)`);
  if (partitioning?.partitioningBySize !== ENABLED) drift.push(`${table.name} does not partition by size (AUTO_PARTITIONING_BY_SIZE)`);
  const min = Number(partitioning?.minPartitionsCount ?? 0);
  if (table.uniformPartitions && min < table.uniformPartitions)
    drift.push(`${table.name} may merge below ${table.uniformPartitions} partitions (AUTO_PARTITIONING_MIN_PARTITIONS_COUNT is ${min})`);
  return drift;
}

async function describe(session: TableSession, name: string): Promise<Ydb.Table.DescribeTableResult | undefined> {
  try {
    return await session.describeTable(name);
  } catch (error) {
    if (ydbStatus(error) === StatusCode.SCHEME_ERROR) return undefined;
    throw error;
  }
}

/** Creates the missing tables and checks the others; safe to run any number of times, also concurrently. */
export async function migrateYdb(driver: YdbDriver, options: YdbRunnerOptions = {}): Promise<MigrateResult> {
  const runner = createYdbRunner(driver, options);
  const result: MigrateResult = { created: [], existing: [] };
  const drift: string[] = [];
  for (const table of YDB_SCHEMA) {
    try {
      const outcome = await runner.retry(async (session) => {
        const found = await describe(session, table.name);
        if (found) return { created: false, found };
        try {
          await session.createTable(table.name, tableDescription(table));
          return { created: true, found: undefined };
        } catch (error) {
          // Another migrator may have created it in between: then it exists and is checked.
          const again = await describe(session, table.name);
          if (again) return { created: false, found: again };
          throw error;
        }
      });
      if (outcome.created) result.created.push(table.name);
      else {
        result.existing.push(table.name);
        if (outcome.found) drift.push(...tableDrift(table, outcome.found));
      }
    } catch (error) {
      throw ydbFailure(`migrate table ${table.name}`, error);
    }
  }
  if (drift.length > 0) {
    const rekeyed = REKEYED.filter((name) => drift.some((d) => d.startsWith(`${name} primary key is`)));
    const howTo =
      rekeyed.length > 0
        ? `\n${rekeyed.join(' and ')} still have the day-first key of earlier releases; YDB cannot change a primary key in place. ` +
          'Ingested usage can be rebuilt from the exports: drop usage_aggregates, account_day_versions, applies_in_progress and apply_journal, ' +
          'run migrate again, then re-ingest the exports (docs/ydb.md, "Moving to the bucketed key").'
        : '';
    throw new StoreError(
      'YDB_SCHEMA_DRIFT',
      `the YDB schema differs from shared/adapters/ydb/schema.ts (fix the tables by hand or recreate them; migrate never alters or drops):\n- ${drift.join('\n- ')}${howTo}`,
    );
  }
  return result;
}

/** Tables whose key changed to lead with `bucket` (no ALTER can do that: rebuilt, see docs/ydb.md). */
const REKEYED = ['usage_aggregates', 'account_day_versions'] as const;

/** Columns added to existing tables after their first release (additive, nullable). */
const _ADDED_COLUMNS = [{ table: 'account_day_versions', column: 'digest', type: 'Utf8' }] as const;
