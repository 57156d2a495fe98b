/**
 * The SQLite schema, kept in one place and applied idempotently on every open (§8: the store is
 * created / migrated on first use). Money columns are TEXT holding exact decimal strings (§6:
 * never REAL); days are TEXT 'YYYY-MM-DD', whose string order is chronological order (R1).
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../../ports/store';

/** Bumped whenever the DDL below changes incompatibly; stored in PRAGMA user_version. */
export const SCHEMA_VERSION = 3;

const DDL = `
CREATE TABLE IF NOT EXISTS subaccount_links (
  id TEXT PRIMARY KEY NOT NULL,
  partner_id TEXT NOT NULL,
  subaccount_id TEXT NOT NULL,
  from_day TEXT NOT NULL,
  to_day TEXT,
  created_actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_note TEXT NOT NULL,
  ended_actor TEXT,
  ended_at TEXT,
  ended_note TEXT
);
CREATE INDEX IF NOT EXISTS subaccount_links_by_subaccount ON subaccount_links (subaccount_id, from_day);

CREATE TABLE IF NOT EXISTS specialization_periods (
  id TEXT PRIMARY KEY NOT NULL,
  partner_id TEXT NOT NULL,
  specialization TEXT NOT NULL,
  from_day TEXT NOT NULL,
  to_day TEXT,
  created_actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_note TEXT NOT NULL,
  ended_actor TEXT,
  ended_at TEXT,
  ended_note TEXT
);
CREATE INDEX IF NOT EXISTS specialization_periods_by_partner ON specialization_periods (partner_id, from_day);

-- The key is (account, day, service, sku, currency); day leads so that range scans read in
-- scan order and an account-day (I1) is one contiguous key prefix to delete.
CREATE TABLE IF NOT EXISTS usage_aggregates (
  day TEXT NOT NULL,
  account_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  cost TEXT NOT NULL,
  credit TEXT NOT NULL,
  service_name TEXT NOT NULL,
  sku_name TEXT NOT NULL,
  rows INTEGER NOT NULL,
  PRIMARY KEY (day, account_id, service_id, sku_id, currency)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS account_day_versions (
  account_id TEXT NOT NULL,
  day TEXT NOT NULL,
  version INTEGER NOT NULL,
  source_key TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  -- I1 tiebreak: digest of the stored content (shared/domain/replacement.ts); NULL before v2.
  digest TEXT,
  -- Day first: the key answers both the exact (account, day) lookups of an apply and the day-range
  -- reads of the accrual guards, so no second index is kept up to date on every apply (v3).
  PRIMARY KEY (day, account_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS ingest_log (
  id TEXT PRIMARY KEY NOT NULL,
  object_key TEXT NOT NULL,
  etag TEXT,
  version INTEGER,
  rows INTEGER NOT NULL,
  account_days_applied INTEGER NOT NULL,
  account_days_stale INTEGER NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ingest_log_by_object ON ingest_log (object_key, started_at);
CREATE INDEX IF NOT EXISTS ingest_log_by_start ON ingest_log (started_at);

-- Append-only (R7): the adapter has no UPDATE or DELETE for this table.
CREATE TABLE IF NOT EXISTS ledger_entries (
  id TEXT PRIMARY KEY NOT NULL,
  partner_id TEXT NOT NULL,
  quarter TEXT NOT NULL,
  specialization TEXT NOT NULL,
  currency TEXT NOT NULL,
  seq INTEGER NOT NULL,
  amount TEXT NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  note TEXT NOT NULL,
  UNIQUE (partner_id, quarter, specialization, currency, seq)
);

CREATE TABLE IF NOT EXISTS accrual_runs (
  run_id TEXT PRIMARY KEY NOT NULL,
  quarter TEXT NOT NULL,
  dry_run INTEGER NOT NULL,
  rules_versions TEXT NOT NULL,
  rules_digest TEXT NOT NULL,
  started_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  note TEXT NOT NULL,
  entries INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS accrual_runs_by_start ON accrual_runs (started_at);

-- Portal tokens (§9): the salted hash only, never the secret.
CREATE TABLE IF NOT EXISTS portal_tokens (
  id TEXT PRIMARY KEY NOT NULL,
  partner_id TEXT NOT NULL,
  salt TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_note TEXT NOT NULL,
  revoked_actor TEXT,
  revoked_at TEXT,
  revoked_note TEXT
);
CREATE INDEX IF NOT EXISTS portal_tokens_by_partner ON portal_tokens (partner_id, created_at);
`;

/** v2 → v3: the account-day versions copied into the day-first key; the by-day index goes. */
const REKEY_VERSIONS = `
CREATE TABLE account_day_versions_v3 (
  account_id TEXT NOT NULL,
  day TEXT NOT NULL,
  version INTEGER NOT NULL,
  source_key TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  digest TEXT,
  PRIMARY KEY (day, account_id)
) WITHOUT ROWID;
INSERT INTO account_day_versions_v3 (account_id, day, version, source_key, applied_at, digest)
  SELECT account_id, day, version, source_key, applied_at, digest FROM account_day_versions;
DROP INDEX IF EXISTS account_day_versions_by_day;
DROP TABLE account_day_versions;
ALTER TABLE account_day_versions_v3 RENAME TO account_day_versions;
`;

/** A table's primary-key columns in key order. */
function keyColumns(db: Database.Database, table: string): string[] {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; pk: number }[];
  return columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
}

/**
 * Creates the tables when missing and records the schema version. Runs in one IMMEDIATE
 * transaction so two processes opening a fresh file at once do not interleave their DDL.
 * A file written by a newer schema is refused rather than misread. A file already at this
 * version is left alone without taking the write lock, so opening the store to read never waits
 * for (or fails behind) a writer.
 */
export function migrate(db: Database.Database, path: string): void {
  if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return;
  db.transaction(() => {
    const found = db.pragma('user_version', { simple: true });
    if (typeof found !== 'number' || found > SCHEMA_VERSION) {
      throw new StoreError(
        'SCHEMA_VERSION',
        `${path}: schema version ${String(found)} is newer than this code understands (${SCHEMA_VERSION}); upgrade the code`,
      );
    }
    db.exec(DDL);
    // v1 → v2: the I1 content digest (additive; NULL for account-days stored before it).
    const columns = db.prepare('PRAGMA table_info(account_day_versions)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'digest')) db.exec('ALTER TABLE account_day_versions ADD COLUMN digest TEXT');
    // v2 → v3: the versions keyed (day, account) instead of (account, day) plus an index by day.
    if (keyColumns(db, 'account_day_versions')[0] === 'account_id') db.exec(REKEY_VERSIONS);
    if (found < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
