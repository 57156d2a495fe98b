/**
 * The YDB schema, as YQL DDL, in one place. Applied by `migrateYdb` (CLI `migrate`); functions
 * never migrate. Money is Decimal(22,9) (§4), days are Date, counts and versions Uint64; audit
 * instants stay Utf8 ISO strings so they read back exactly as written (R12).
 *
 * Keys follow the access paths:
 * - usage_aggregates (day, account_id, generation, …): quarter scans are day ranges; one
 *   account-day's rows of one generation are a key prefix, written before the pointer switch and
 *   deleted after it (I1, I3).
 * - account_day_versions (day, account_id): the per-account-day pointer to the live generation,
 *   with the version the I1 compare uses.
 * - ledger_entries (partner_id, quarter, specialization, currency, seq): the R7 key + seq, so a
 *   partner's ledger is a key prefix and a duplicate posting cannot be inserted twice.
 * - accrual_runs (quarter, run_id), ingest_log (object_key, id), links and periods by id.
 * - portal_tokens (id): a token is looked up by the id it carries (`<id>.<secret>`), never scanned.
 */

export interface YdbTableDdl {
  name: string;
  ddl: string;
}

export const YDB_TABLES: readonly YdbTableDdl[] = [
  {
    name: 'subaccount_links',
    ddl: `CREATE TABLE subaccount_links (
    id Utf8 NOT NULL,
    partner_id Utf8,
    subaccount_id Utf8,
    from_day Date,
    to_day Date,
    created_actor Utf8,
    created_at Utf8,
    created_note Utf8,
    ended_actor Utf8,
    ended_at Utf8,
    ended_note Utf8,
    PRIMARY KEY (id)
);`,
  },
  {
    name: 'specialization_periods',
    ddl: `CREATE TABLE specialization_periods (
    id Utf8 NOT NULL,
    partner_id Utf8,
    specialization Utf8,
    from_day Date,
    to_day Date,
    created_actor Utf8,
    created_at Utf8,
    created_note Utf8,
    ended_actor Utf8,
    ended_at Utf8,
    ended_note Utf8,
    PRIMARY KEY (id)
);`,
  },
  {
    name: 'usage_aggregates',
    ddl: `CREATE TABLE usage_aggregates (
    day Date NOT NULL,
    account_id Utf8 NOT NULL,
    generation Utf8 NOT NULL,
    service_id Utf8 NOT NULL,
    sku_id Utf8 NOT NULL,
    currency Utf8 NOT NULL,
    cost Decimal(22,9),
    credit Decimal(22,9),
    service_name Utf8,
    sku_name Utf8,
    row_count Uint64,
    PRIMARY KEY (day, account_id, generation, service_id, sku_id, currency)
);`,
  },
  {
    name: 'account_day_versions',
    ddl: `CREATE TABLE account_day_versions (
    day Date NOT NULL,
    account_id Utf8 NOT NULL,
    version Uint64,
    generation Utf8,
    source_key Utf8,
    digest Utf8,
    PRIMARY KEY (day, account_id)
);`,
  },
  {
    name: 'ingest_log',
    ddl: `CREATE TABLE ingest_log (
    object_key Utf8 NOT NULL,
    id Utf8 NOT NULL,
    etag Utf8,
    version Uint64,
    row_count Uint64,
    account_days_applied Uint64,
    account_days_stale Uint64,
    status Utf8,
    reason Utf8,
    started_at Utf8,
    finished_at Utf8,
    PRIMARY KEY (object_key, id)
);`,
  },
  {
    name: 'ledger_entries',
    ddl: `CREATE TABLE ledger_entries (
    partner_id Utf8 NOT NULL,
    quarter Utf8 NOT NULL,
    specialization Utf8 NOT NULL,
    currency Utf8 NOT NULL,
    seq Uint64 NOT NULL,
    id Utf8,
    amount Decimal(22,9),
    kind Utf8,
    run_id Utf8,
    created_at Utf8,
    actor Utf8,
    note Utf8,
    PRIMARY KEY (partner_id, quarter, specialization, currency, seq)
);`,
  },
  {
    name: 'accrual_runs',
    ddl: `CREATE TABLE accrual_runs (
    quarter Utf8 NOT NULL,
    run_id Utf8 NOT NULL,
    dry_run Bool,
    rules_versions Utf8,
    rules_digest Utf8,
    started_at Utf8,
    actor Utf8,
    note Utf8,
    entries Uint64,
    PRIMARY KEY (quarter, run_id)
);`,
  },
  {
    name: 'portal_tokens',
    ddl: `CREATE TABLE portal_tokens (
    id Utf8 NOT NULL,
    partner_id Utf8,
    salt Utf8,
    hash Utf8,
    created_actor Utf8,
    created_at Utf8,
    created_note Utf8,
    revoked_actor Utf8,
    revoked_at Utf8,
    revoked_note Utf8,
    PRIMARY KEY (id)
);`,
  },
];
