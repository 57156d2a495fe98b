/**
 * The SQLite schema, kept in one place and applied idempotently on every open (§8: the store is
 * created / migrated on first use). Money is never REAL (§6): the ledger's amounts are TEXT exact
 * decimal strings, usage sums exact integer nano-units inside each account-day's content text;
 * days are TEXT 'YYYY-MM-DD', whose string order is chronological order (R1).
 */
import type Database from 'better-sqlite3';
import { MONEY_STRING_RE, parseMoney } from '../../domain/money';
import { isCurrency, type UsageAggregate } from '../../domain/model';
import { accountDayContent } from '../../domain/replacement';
import { StoreError } from '../../ports/store';

/** Bumped whenever the DDL below changes incompatibly; stored in PRAGMA user_version. */
export const SCHEMA_VERSION = 6;

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

-- One row per apply (and per release) of account-days: the source it applied and when. Its
-- account-days point at it, so a file of 600,000 account-days states its source once (v5).
CREATE TABLE IF NOT EXISTS applies (
  id INTEGER PRIMARY KEY,
  source_key TEXT NOT NULL,
  applied_at TEXT NOT NULL
);

-- One row per account-day, the unit a file replaces (I1): its version, the apply that wrote it,
-- the digest of its content, and the content itself — its usage aggregates, one JSON array per
-- line: [service_id, sku_id, currency, cost, credit, rows, service_name, sku_name], money as
-- exact integer nano-units in a string (shared/domain/replacement.ts, accountDayContent). The
-- digest is the SHA-256 of exactly that text, its 32 bytes (NULL for content stored before
-- digests, v1). Keyed day first: the quarter scans read the key in order, an apply's (day,
-- account) stream appends, and an account-day is written whole, whatever its number of
-- aggregates (v4). A rowid table with the key as a unique index (v6), not a WITHOUT ROWID table:
-- there a row beyond a quarter of a page (4 KB of a 16 KiB page) spills into an overflow page of
-- its own, so 25,000 account-days of 40 aggregates (130 MB of content) made a 468 MB file and
-- took 2.6–3.3 s to write; as rowid rows, 138 MB and 0.7–0.8 s (600,000 one-aggregate
-- account-days: the same time either way, 152 MB against 140 MB).
CREATE TABLE IF NOT EXISTS account_days (
  id INTEGER PRIMARY KEY,
  day TEXT NOT NULL,
  account_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  apply_id INTEGER NOT NULL,
  digest BLOB,
  content TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS account_days_by_key ON account_days (day, account_id);

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

/**
 * The usage aggregates one row each, as operators query them (read-only): a view over the
 * account-days' content. Money columns are exact integer nano-units as text.
 */
const USAGE_VIEW = `
CREATE VIEW IF NOT EXISTS usage_aggregates AS
SELECT a.day AS day, a.account_id AS account_id,
  j.value ->> 0 AS service_id, j.value ->> 1 AS sku_id, j.value ->> 2 AS currency,
  j.value ->> 3 AS cost_nanos, j.value ->> 4 AS credit_nanos,
  j.value ->> 6 AS service_name, j.value ->> 7 AS sku_name, j.value ->> 5 AS rows
FROM account_days AS a, json_each('[' || replace(rtrim(a.content, char(10)), char(10), ',') || ']') AS j;
`;

/** Whether `name` is a table (not a view) of this database. */
function isTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/**
 * v1–v3 → v6: the usage_aggregates rows (one per aggregate) and the account_day_versions rows
 * (one per account-day) become one account_days row each, content built by the same function an
 * apply uses, so the digests stored since v2 still match their content. A usage account-day
 * without a version row (never written so by this code) is kept, at version 0.
 */
function migrateToAccountDays(db: Database.Database): void {
  const hasDigest = hasColumn(db, 'account_day_versions', 'digest');
  // A day at a time (SQLite cannot write on a connection while a read of it is iterated): a day's
  // rows at most are in memory, however large the file.
  const days = db
    .prepare('SELECT day FROM account_day_versions UNION SELECT day FROM usage_aggregates ORDER BY day')
    .pluck()
    .all() as string[];
  const versionsOf = db.prepare(
    `SELECT day, account_id, version, source_key, applied_at, ${hasDigest ? 'digest' : 'NULL AS digest'}
     FROM account_day_versions WHERE day = ? ORDER BY account_id`,
  );
  const usageOf = db.prepare(
    `SELECT day, account_id, service_id, sku_id, currency, cost, credit, service_name, sku_name, rows
     FROM usage_aggregates WHERE day = ? ORDER BY account_id, service_id, sku_id, currency`,
  );
  const insert = db.prepare('INSERT INTO account_days (day, account_id, version, apply_id, digest, content) VALUES (?, ?, ?, ?, ?, ?)');
  const applyOf = applyIds(db);
  const migratedAt = new Date().toISOString();
  for (const day of days) {
    const versions = new Map((versionsOf.all(day) as OldVersion[]).map((v) => [v.account_id, v]));
    const usage = new Map<string, UsageAggregate[]>();
    for (const row of usageOf.all(day) as OldUsage[]) {
      const aggregates = usage.get(row.account_id) ?? [];
      if (aggregates.length === 0) usage.set(row.account_id, aggregates);
      aggregates.push(oldAggregate(row));
    }
    const accounts = [...new Set([...versions.keys(), ...usage.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const account of accounts) {
      const stored = versions.get(account);
      insert.run(
        day,
        account,
        stored?.version ?? 0,
        applyOf(stored?.source_key ?? 'schema-v4-migration', stored?.applied_at ?? migratedAt),
        stored?.digest == null ? null : Buffer.from(stored.digest, 'hex'),
        accountDayContent(usage.get(account) ?? []),
      );
    }
  }
  db.exec('DROP TABLE usage_aggregates; DROP TABLE account_day_versions;');
}

/** The id of the applies row of (source, time), added the first time it is asked for. */
function applyIds(db: Database.Database): (sourceKey: string, appliedAt: string) => number {
  const ids = new Map<string, number>();
  const insert = db.prepare('INSERT INTO applies (source_key, applied_at) VALUES (?, ?)');
  return (sourceKey, appliedAt) => {
    const key = `${sourceKey}\u0000${appliedAt}`;
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = Number(insert.run(sourceKey, appliedAt).lastInsertRowid)));
    return id;
  };
}

/**
 * v4 → v6: the source key and apply time move from every account-day to one applies row per
 * (source, time), and the digest from 64 hex characters to its 32 bytes. The old table is read in
 * key order by one statement and dropped; its content is copied as it is, so every digest still
 * matches. Runs before the DDL creates the v6 table under the same name.
 */
function moveSourcesToApplies(db: Database.Database): void {
  const bad = db
    .prepare(
      'SELECT day, account_id FROM account_days WHERE digest IS NOT NULL AND (length(digest) <> 64 OR unhex(digest) IS NULL) LIMIT 1',
    )
    .get() as { day: string; account_id: string } | undefined;
  if (bad !== undefined)
    throw new StoreError(
      'CORRUPT_ROW',
      `account_days (day=${bad.day}, account_id=${bad.account_id}): the digest is not 64 hex digits; cannot migrate`,
    );
  db.exec(`DROP VIEW IF EXISTS usage_aggregates;
    ALTER TABLE account_days RENAME TO account_days_v4;`);
  db.exec(DDL);
  db.exec(`INSERT INTO applies (source_key, applied_at)
      SELECT source_key, applied_at FROM account_days_v4 GROUP BY source_key, applied_at ORDER BY min(applied_at), source_key;
    CREATE INDEX applies_by_source_v4 ON applies (source_key, applied_at);
    INSERT INTO account_days (day, account_id, version, apply_id, digest, content)
      SELECT v.day, v.account_id, v.version,
        (SELECT min(a.id) FROM applies AS a WHERE a.source_key = v.source_key AND a.applied_at = v.applied_at),
        unhex(v.digest), v.content
      FROM account_days_v4 AS v ORDER BY v.day, v.account_id;
    DROP INDEX applies_by_source_v4;
    DROP TABLE account_days_v4;`);
}

/**
 * v5 → v6: account_days becomes a rowid table with its key as a unique index (see the DDL). Every
 * row is copied as it is, in key order, so contents and digests are untouched.
 */
function giveAccountDaysRowids(db: Database.Database): void {
  db.exec(`DROP VIEW IF EXISTS usage_aggregates;
    ALTER TABLE account_days RENAME TO account_days_v5;`);
  db.exec(DDL);
  db.exec(`INSERT INTO account_days (day, account_id, version, apply_id, digest, content)
      SELECT day, account_id, version, apply_id, digest, content FROM account_days_v5 ORDER BY day, account_id;
    DROP TABLE account_days_v5;`);
}

/** Whether `table` has a column named `column`. */
function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]).includes(column);
}

interface OldVersion {
  day: string;
  account_id: string;
  version: number;
  source_key: string;
  applied_at: string;
  digest: string | null;
}

interface OldUsage {
  day: string;
  account_id: string;
  service_id: string;
  sku_id: string;
  currency: string;
  cost: string;
  credit: string;
  service_name: string;
  sku_name: string;
  rows: number;
}

/** An old row as an aggregate; a value the old schema could not hold stops the migration. */
function oldAggregate(r: OldUsage): UsageAggregate {
  if (!isCurrency(r.currency) || !MONEY_STRING_RE.test(r.cost) || !MONEY_STRING_RE.test(r.credit))
    throw new StoreError(
      'CORRUPT_ROW',
      `usage_aggregates (day=${r.day}, account_id=${r.account_id}, service_id=${r.service_id}): cannot migrate a malformed row`,
    );
  return {
    accountId: r.account_id,
    day: r.day,
    serviceId: r.service_id,
    skuId: r.sku_id,
    currency: r.currency,
    cost: parseMoney(r.cost),
    credit: parseMoney(r.credit),
    serviceName: r.service_name,
    skuName: r.sku_name,
    rows: r.rows,
  };
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
    // v4 → v6: sources and apply times into the applies table, digests as bytes, a rowid table.
    if (isTable(db, 'account_days') && hasColumn(db, 'account_days', 'source_key')) moveSourcesToApplies(db);
    // v5 → v6: the same rows in a rowid table.
    else if (isTable(db, 'account_days') && !hasColumn(db, 'account_days', 'id')) giveAccountDaysRowids(db);
    db.exec(DDL);
    // v1–v3 → v6: the per-aggregate and per-version tables become one row per account-day.
    if (isTable(db, 'usage_aggregates')) migrateToAccountDays(db);
    db.exec(USAGE_VIEW);
    if (found < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
