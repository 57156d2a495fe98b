/**
 * The YDB schema, in one place, as data: `migrateYdb` creates it through the SDK's public
 * `session.createTable` (a `TableDescription`) and checks existing tables with `describeTable`;
 * `tableDdl` renders the same table as YQL DDL (docs, the YQL lint). Functions never migrate.
 * Money is Decimal(22,9) (§4), days are Date, counts and versions Uint64; audit instants stay Utf8
 * ISO strings so they read back exactly as written (R12).
 *
 * Keys follow the access paths, and every read is a key range of a table or of an index:
 * - usage_aggregates (bucket, day, account_id, generation, …): `bucket` is a stable hash of the
 *   account (account-day-key.ts), so a day's writes spread over BUCKETS partitions instead of one;
 *   a quarter scan is one day range per bucket, merged back into (day, account, …) order; one
 *   account-day's rows of one generation are a key prefix (I1, I3).
 * - account_day_versions (bucket, day, account_id): the pointer to the live generation, with its version,
 *   and the one it replaced while its apply is in progress (applies_in_progress, by apply_id).
 * - apply_journal (apply_id, seq): an apply's own record of what it wrote, read back by key prefix.
 * - ledger_entries (partner_id, quarter, specialization, currency, seq): the R7 key + seq; the
 *   by_quarter index serves "a quarter across partners".
 * - ingest_log (id) with by_newest (newest_first) and by_object (object_key, newest_first):
 *   "the newest N" reads N index rows, not the whole log.
 * - links and periods by id, with by_partner and by-subject indexes.
 * Every table partitions by size and by load (AUTO_PARTITIONING_BY_LOAD), so a hot key range is
 * split across shards as it heats up; the two bucketed tables start with one partition per bucket.
 * - portal_tokens (id): a token is looked up by the id it carries (`<id>.<secret>`), never scanned.
 */

import { BUCKETS } from './account-day-key';

export type YdbColumnType = 'Utf8' | 'Date' | 'Uint64' | 'Uint32' | 'Bool' | 'Decimal(22,9)';

export interface YdbColumnSpec {
  name: string;
  type: YdbColumnType;
  /** Key columns are NOT NULL; every other column is nullable (YDB's default). */
  notNull?: boolean;
}

export interface YdbIndexSpec {
  name: string;
  columns: string[];
  /** Covered columns: a read through the index never goes back to the table. */
  cover: string[];
}

export interface YdbTableSpec {
  name: string;
  columns: YdbColumnSpec[];
  primaryKey: string[];
  indexes: YdbIndexSpec[];
  /**
   * Hash-bucketed tables (key led by `bucket`): created with this many uniform partitions, one
   * per bucket, and never merged below that many (AUTO_PARTITIONING_MIN_PARTITIONS_COUNT).
   */
  uniformPartitions?: number;
}

/** Partitioning of every table: split by size (2 GB) and by load, 1..100 partitions. */
export const PARTITIONING = {
  bySize: true,
  partitionSizeMb: 2048,
  byLoad: true,
  minPartitions: 1,
  maxPartitions: 100,
} as const;

const key = (name: string, type: YdbColumnType): YdbColumnSpec => ({ name, type, notNull: true });
const col = (name: string, type: YdbColumnType): YdbColumnSpec => ({ name, type });
const others = (columns: YdbColumnSpec[], ...except: string[]) => columns.map((c) => c.name).filter((n) => !except.includes(n));

function periodTable(name: string, subject: string, subjectIndex: string): YdbTableSpec {
  const columns = [
    key('id', 'Utf8'),
    col('partner_id', 'Utf8'),
    col(subject, 'Utf8'),
    col('from_day', 'Date'),
    col('to_day', 'Date'),
    col('created_actor', 'Utf8'),
    col('created_at', 'Utf8'),
    col('created_note', 'Utf8'),
    col('ended_actor', 'Utf8'),
    col('ended_at', 'Utf8'),
    col('ended_note', 'Utf8'),
  ];
  return {
    name,
    columns,
    primaryKey: ['id'],
    indexes: [
      { name: 'by_partner', columns: ['partner_id'], cover: others(columns, 'id', 'partner_id') },
      { name: subjectIndex, columns: [subject], cover: others(columns, 'id', subject) },
    ],
  };
}

const INGEST_COLUMNS = [
  key('id', 'Utf8'),
  col('object_key', 'Utf8'),
  col('newest_first', 'Uint64'),
  col('etag', 'Utf8'),
  col('version', 'Uint64'),
  col('row_count', 'Uint64'),
  col('account_days_applied', 'Uint64'),
  col('account_days_stale', 'Uint64'),
  col('status', 'Utf8'),
  col('reason', 'Utf8'),
  col('started_at', 'Utf8'),
  col('finished_at', 'Utf8'),
];

const LEDGER_COLUMNS = [
  key('partner_id', 'Utf8'),
  key('quarter', 'Utf8'),
  key('specialization', 'Utf8'),
  key('currency', 'Utf8'),
  key('seq', 'Uint64'),
  col('id', 'Utf8'),
  col('amount', 'Decimal(22,9)'),
  col('kind', 'Utf8'),
  col('run_id', 'Utf8'),
  col('created_at', 'Utf8'),
  col('actor', 'Utf8'),
  col('note', 'Utf8'),
];

export const YDB_SCHEMA: readonly YdbTableSpec[] = [
  periodTable('subaccount_links', 'subaccount_id', 'by_subaccount'),
  periodTable('specialization_periods', 'specialization', 'by_specialization'),
  {
    name: 'usage_aggregates',
    columns: [
      key('bucket', 'Uint32'),
      key('day', 'Date'),
      key('account_id', 'Utf8'),
      key('generation', 'Utf8'),
      key('service_id', 'Utf8'),
      key('sku_id', 'Utf8'),
      key('currency', 'Utf8'),
      col('cost', 'Decimal(22,9)'),
      col('credit', 'Decimal(22,9)'),
      col('service_name', 'Utf8'),
      col('sku_name', 'Utf8'),
      col('row_count', 'Uint64'),
    ],
    primaryKey: ['bucket', 'day', 'account_id', 'generation', 'service_id', 'sku_id', 'currency'],
    indexes: [],
    uniformPartitions: BUCKETS,
  },
  {
    name: 'account_day_versions',
    columns: [
      key('bucket', 'Uint32'),
      key('day', 'Date'),
      key('account_id', 'Utf8'),
      col('version', 'Uint64'),
      col('generation', 'Utf8'),
      col('source_key', 'Utf8'),
      // I1: the content digest that settles a same-version, different-content copy (issue 8).
      col('digest', 'Utf8'),
      col('apply_id', 'Utf8'),
      col('prev_version', 'Uint64'),
      col('prev_generation', 'Utf8'),
      col('prev_source_key', 'Utf8'),
      col('prev_digest', 'Utf8'),
    ],
    primaryKey: ['bucket', 'day', 'account_id'],
    indexes: [],
    uniformPartitions: BUCKETS,
  },
  {
    name: 'applies_in_progress',
    columns: [key('apply_id', 'Utf8'), col('source_key', 'Utf8'), col('started_at', 'Utf8')],
    primaryKey: ['apply_id'],
    indexes: [],
  },
  {
    // What an apply wrote and which account-days it may replace, ≤ 500 account-days per row (a
    // JSON array): read back after the commit (cleanup) or after a failure (undo), so the apply
    // itself keeps no per-account-day state across its chunks.
    name: 'apply_journal',
    columns: [key('apply_id', 'Utf8'), key('seq', 'Uint64'), col('entries', 'Utf8')],
    primaryKey: ['apply_id', 'seq'],
    indexes: [],
  },
  {
    name: 'ingest_log',
    columns: INGEST_COLUMNS,
    primaryKey: ['id'],
    indexes: [
      { name: 'by_newest', columns: ['newest_first'], cover: others(INGEST_COLUMNS, 'id', 'newest_first') },
      { name: 'by_object', columns: ['object_key', 'newest_first'], cover: others(INGEST_COLUMNS, 'id', 'object_key', 'newest_first') },
    ],
  },
  {
    name: 'ledger_entries',
    columns: LEDGER_COLUMNS,
    primaryKey: ['partner_id', 'quarter', 'specialization', 'currency', 'seq'],
    indexes: [
      {
        name: 'by_quarter',
        columns: ['quarter', 'partner_id'],
        cover: others(LEDGER_COLUMNS, 'partner_id', 'quarter', 'specialization', 'currency', 'seq'),
      },
    ],
  },
  {
    name: 'accrual_runs',
    columns: [
      key('quarter', 'Utf8'),
      key('run_id', 'Utf8'),
      col('dry_run', 'Bool'),
      col('rules_versions', 'Utf8'),
      col('rules_digest', 'Utf8'),
      col('started_at', 'Utf8'),
      col('actor', 'Utf8'),
      col('note', 'Utf8'),
      col('entries', 'Uint64'),
    ],
    primaryKey: ['quarter', 'run_id'],
    indexes: [],
  },
  {
    name: 'portal_tokens',
    columns: [
      key('id', 'Utf8'),
      col('partner_id', 'Utf8'),
      col('salt', 'Utf8'),
      col('hash', 'Utf8'),
      col('created_actor', 'Utf8'),
      col('created_at', 'Utf8'),
      col('created_note', 'Utf8'),
      col('revoked_actor', 'Utf8'),
      col('revoked_at', 'Utf8'),
      col('revoked_note', 'Utf8'),
    ],
    primaryKey: ['id'],
    indexes: [
      {
        name: 'by_partner',
        columns: ['partner_id'],
        cover: ['salt', 'hash', 'created_actor', 'created_at', 'created_note', 'revoked_actor', 'revoked_at', 'revoked_note'],
      },
    ],
  },
];

/** The fewest partitions a table is merged down to: one per bucket for the bucketed tables. */
export function minPartitions(table: YdbTableSpec): number {
  return table.uniformPartitions ?? PARTITIONING.minPartitions;
}

/** The same table as YQL DDL (what `createTable` creates), for docs and the YQL lint. */
export function tableDdl(table: YdbTableSpec): string {
  const lines = [
    ...table.columns.map((c) => `    ${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''}`),
    ...table.indexes.map(
      (i) => `    INDEX ${i.name} GLOBAL SYNC ON (${i.columns.join(', ')})${i.cover.length > 0 ? ` COVER (${i.cover.join(', ')})` : ''}`,
    ),
    `    PRIMARY KEY (${table.primaryKey.join(', ')})`,
  ];
  const settings = [
    `AUTO_PARTITIONING_BY_SIZE = ${PARTITIONING.bySize ? 'ENABLED' : 'DISABLED'}`,
    `AUTO_PARTITIONING_PARTITION_SIZE_MB = ${PARTITIONING.partitionSizeMb}`,
    `AUTO_PARTITIONING_BY_LOAD = ${PARTITIONING.byLoad ? 'ENABLED' : 'DISABLED'}`,
    `AUTO_PARTITIONING_MIN_PARTITIONS_COUNT = ${minPartitions(table)}`,
    `AUTO_PARTITIONING_MAX_PARTITIONS_COUNT = ${PARTITIONING.maxPartitions}`,
    ...(table.uniformPartitions ? [`UNIFORM_PARTITIONS = ${table.uniformPartitions}`] : []),
  ];
  return `CREATE TABLE ${table.name} (\n${lines.join(',\n')}\n)\nWITH (\n    ${settings.join(',\n    ')}\n);`;
}

/** Name and rendered DDL of every table. */
export const YDB_TABLES: readonly { name: string; ddl: string }[] = YDB_SCHEMA.map((t) => ({ name: t.name, ddl: tableDdl(t) }));
