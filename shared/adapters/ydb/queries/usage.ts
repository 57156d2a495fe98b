/**
 * Usage aggregates, account-day version pointers and the ingest log. Query texts are constants:
 * every value arrives as a DECLAREd, typed parameter. The first line names the query (logs, the
 * protocol fake, the YQL lint).
 */

/** Stored version and live generation of the given account-days (lookup by full key). */
export const SELECT_ACCOUNT_DAY_VERSIONS = `-- name: select_account_day_versions
DECLARE $keys AS List<Struct<day: Date, account_id: Utf8>>;
SELECT v.day AS day, v.account_id AS account_id, v.version AS version, v.generation AS generation, v.digest AS digest
FROM AS_TABLE($keys) AS k
INNER JOIN account_day_versions AS v ON v.day = k.day AND v.account_id = k.account_id;`;

/** Switches account-day pointers to new generations (runs inside the I1 compare transaction). */
export const UPSERT_ACCOUNT_DAY_VERSIONS = `-- name: upsert_account_day_versions
DECLARE $rows AS List<Struct<day: Date, account_id: Utf8, version: Uint64, generation: Utf8, source_key: Utf8, digest: Utf8>>;
UPSERT INTO account_day_versions
SELECT day, account_id, version, generation, source_key, digest FROM AS_TABLE($rows);`;

/**
 * Which of the given rows exist, by full key. The pointer switch reads each new generation's
 * sentinel row (written before its other rows) in its own transaction: present means no cleanup
 * has removed any row of that generation (see usage-apply.ts).
 */
export const SELECT_USAGE_SENTINELS = `-- name: select_usage_sentinels
DECLARE $rows AS List<Struct<day: Date, account_id: Utf8, generation: Utf8, service_id: Utf8, sku_id: Utf8, currency: Utf8>>;
SELECT u.day AS day, u.account_id AS account_id, u.generation AS generation
FROM AS_TABLE($rows) AS k
INNER JOIN usage_aggregates AS u ON u.day = k.day AND u.account_id = k.account_id AND u.generation = k.generation
    AND u.service_id = k.service_id AND u.sku_id = k.sku_id AND u.currency = k.currency;`;

/**
 * Deletes every row of the given account-days whose generation is not the one the pointer names:
 * replaced generations, the rows of a copy that lost the version compare, and orphans of an apply
 * that crashed before its switch. Reading the pointer and deleting happen in one statement, so
 * the live generation is never touched; whole generations go at once.
 */
export const DELETE_UNREFERENCED_USAGE = `-- name: delete_unreferenced_usage
DECLARE $keys AS List<Struct<day: Date, account_id: Utf8>>;
DELETE FROM usage_aggregates ON
SELECT u.day AS day, u.account_id AS account_id, u.generation AS generation,
    u.service_id AS service_id, u.sku_id AS sku_id, u.currency AS currency
FROM AS_TABLE($keys) AS k
INNER JOIN account_day_versions AS v ON v.day = k.day AND v.account_id = k.account_id
INNER JOIN usage_aggregates AS u ON u.day = k.day AND u.account_id = k.account_id
WHERE u.generation != v.generation;`;

/**
 * One page of live usage in a day range: only rows of the generation each pointer names, so a
 * generation being written or deleted is never visible (I3). Keyset paging on the output order.
 */
export const SCAN_USAGE_PAGE = `-- name: scan_usage_page
DECLARE $from AS Date;
DECLARE $to AS Date;
DECLARE $all_accounts AS Bool;
DECLARE $account_ids AS List<Utf8>;
DECLARE $after_day AS Date;
DECLARE $after_account_id AS Utf8;
DECLARE $after_service_id AS Utf8;
DECLARE $after_sku_id AS Utf8;
DECLARE $after_currency AS Utf8;
DECLARE $limit AS Uint64;
SELECT u.day AS day, u.account_id AS account_id, u.service_id AS service_id, u.sku_id AS sku_id,
    u.currency AS currency, u.cost AS cost, u.credit AS credit, u.service_name AS service_name,
    u.sku_name AS sku_name, u.row_count AS row_count
FROM account_day_versions AS v
INNER JOIN usage_aggregates AS u ON u.day = v.day AND u.account_id = v.account_id AND u.generation = v.generation
WHERE v.day >= $from AND v.day <= $to
    AND ($all_accounts OR v.account_id IN $account_ids)
    AND (v.day, v.account_id) >= ($after_day, $after_account_id)
    AND (u.day, u.account_id, u.service_id, u.sku_id, u.currency) > ($after_day, $after_account_id, $after_service_id, $after_sku_id, $after_currency)
ORDER BY day, account_id, service_id, sku_id, currency
LIMIT $limit;`;

/** One page of account-day versions in a day range, by key. */
export const LIST_ACCOUNT_DAY_VERSIONS_PAGE = `-- name: list_account_day_versions_page
DECLARE $from AS Date;
DECLARE $to AS Date;
DECLARE $after_day AS Date;
DECLARE $after_account_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT day, account_id, version, source_key
FROM account_day_versions
WHERE day >= $from AND day <= $to AND (day, account_id) > ($after_day, $after_account_id)
ORDER BY day, account_id
LIMIT $limit;`;

/** Records a processed object (I5); an upsert by (object_key, id), so a retried call is harmless. */
export const UPSERT_INGEST_LOG = `-- name: upsert_ingest_log
DECLARE $rows AS List<Struct<object_key: Utf8, id: Utf8, etag: Optional<Utf8>, version: Optional<Uint64>, row_count: Uint64, account_days_applied: Uint64, account_days_stale: Uint64, status: Utf8, reason: Optional<Utf8>, started_at: Utf8, finished_at: Utf8>>;
UPSERT INTO ingest_log
SELECT object_key, id, etag, version, row_count, account_days_applied, account_days_stale, status, reason, started_at, finished_at
FROM AS_TABLE($rows);`;

/** One page of the ingest log, by key, optionally for one object. */
export const LIST_INGEST_LOG_PAGE = `-- name: list_ingest_log_page
DECLARE $object_key AS Optional<Utf8>;
DECLARE $after_object_key AS Utf8;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT object_key, id, etag, version, row_count, account_days_applied, account_days_stale, status, reason, started_at, finished_at
FROM ingest_log
WHERE ($object_key IS NULL OR object_key = $object_key) AND (object_key, id) > ($after_object_key, $after_id)
ORDER BY object_key, id
LIMIT $limit;`;
