/**
 * Usage aggregates, account-day version pointers and the ingest log. Query texts are constants:
 * every value arrives as a DECLAREd, typed parameter. The first line names the query (logs, the
 * protocol fake, the YQL lint).
 *
 * A pointer names the generation a file's apply switched it to (`generation`, `version`,
 * `source_key`, `apply_id`) and what was in force before (`prev_*`). While its apply is listed in
 * applies_in_progress, readers follow `prev_*`; one small transaction deleting that row makes all
 * of the file's pointers current at once (I3), however many transactions switched them.
 */

/** The applies whose pointers readers must not follow yet (a tiny table: running or crashed applies). */
export const SELECT_APPLIES_IN_PROGRESS = `-- name: select_applies_in_progress
SELECT apply_id FROM applies_in_progress;`;

/** Registers an apply before it switches its first pointer. */
export const INSERT_APPLY_IN_PROGRESS = `-- name: insert_apply_in_progress
DECLARE $rows AS List<Struct<apply_id: Utf8, source_key: Utf8, started_at: Utf8>>;
UPSERT INTO applies_in_progress
SELECT apply_id, source_key, started_at FROM AS_TABLE($rows);`;

/** The commit of a file's apply: its pointers become the ones readers follow, all at once. */
export const DELETE_APPLY_IN_PROGRESS = `-- name: delete_apply_in_progress
DECLARE $apply_id AS Utf8;
DELETE FROM applies_in_progress WHERE apply_id = $apply_id;`;

/** Pointers of the given account-days with what they replaced (lookup by full key). */
export const SELECT_ACCOUNT_DAY_VERSIONS = `-- name: select_account_day_versions
DECLARE $keys AS List<Struct<bucket: Uint32, day: Date, account_id: Utf8>>;
SELECT v.day AS day, v.account_id AS account_id, v.version AS version, v.generation AS generation, v.digest AS digest,
    v.source_key AS source_key, v.apply_id AS apply_id, v.prev_version AS prev_version, v.prev_generation AS prev_generation,
    v.prev_source_key AS prev_source_key, v.prev_digest AS prev_digest
FROM AS_TABLE($keys) AS k
INNER JOIN account_day_versions AS v ON v.bucket = k.bucket AND v.day = k.day AND v.account_id = k.account_id;`;

/** Switches account-day pointers to new generations (one chunk of an apply, inside its compare transaction). */
export const UPSERT_ACCOUNT_DAY_VERSIONS = `-- name: upsert_account_day_versions
DECLARE $rows AS List<Struct<bucket: Uint32, day: Date, account_id: Utf8, version: Uint64, generation: Utf8, source_key: Utf8, digest: Utf8, apply_id: Utf8, prev_version: Optional<Uint64>, prev_generation: Optional<Utf8>, prev_source_key: Optional<Utf8>, prev_digest: Optional<Utf8>>>;
UPSERT INTO account_day_versions
SELECT bucket, day, account_id, version, generation, source_key, digest, apply_id, prev_version, prev_generation, prev_source_key, prev_digest FROM AS_TABLE($rows);`;

/** Removes the pointers of account-days an aborted apply created (they had none before it). */
export const DELETE_ACCOUNT_DAY_VERSIONS = `-- name: delete_account_day_versions
DECLARE $keys AS List<Struct<bucket: Uint32, day: Date, account_id: Utf8>>;
DELETE FROM account_day_versions ON
SELECT bucket, day, account_id FROM AS_TABLE($keys);`;

/** Deletes whole generations by key prefix: the rows an aborted apply wrote (no reader follows them). */
export const DELETE_USAGE_GENERATIONS = `-- name: delete_usage_generations
DECLARE $rows AS List<Struct<bucket: Uint32, day: Date, account_id: Utf8, generation: Utf8>>;
DELETE FROM usage_aggregates ON
SELECT u.bucket AS bucket, u.day AS day, u.account_id AS account_id, u.generation AS generation,
    u.service_id AS service_id, u.sku_id AS sku_id, u.currency AS currency
FROM AS_TABLE($rows) AS k
INNER JOIN usage_aggregates AS u ON u.bucket = k.bucket AND u.day = k.day AND u.account_id = k.account_id AND u.generation = k.generation;`;

/**
 * One page of an apply's journal (what it wrote and which account-days it may have replaced), by
 * key: the cleanup after its commit and the undo of an aborted apply read it back a page at a time.
 */
export const SELECT_APPLY_JOURNAL_PAGE = `-- name: select_apply_journal_page
DECLARE $apply_id AS Utf8;
DECLARE $after_seq AS Uint64;
DECLARE $limit AS Uint64;
SELECT apply_id, seq, entries FROM apply_journal
WHERE apply_id = $apply_id AND seq > $after_seq
ORDER BY apply_id, seq
LIMIT $limit;`;

/** Drops rows of an apply's journal once its cleanup (or its undo) is done: a key range. */
export const DELETE_APPLY_JOURNAL = `-- name: delete_apply_journal
DECLARE $apply_id AS Utf8;
DECLARE $from_seq AS Uint64;
DECLARE $to_seq AS Uint64;
DELETE FROM apply_journal WHERE apply_id = $apply_id AND seq >= $from_seq AND seq <= $to_seq;`;

/**
 * Which of the given rows exist, by full key. The pointer switch reads each new generation's
 * sentinel row (written before its other rows) in its own transaction: present means no cleanup
 * has removed any row of that generation (see usage-apply.ts).
 */
export const SELECT_USAGE_SENTINELS = `-- name: select_usage_sentinels
DECLARE $rows AS List<Struct<bucket: Uint32, day: Date, account_id: Utf8, generation: Utf8, service_id: Utf8, sku_id: Utf8, currency: Utf8>>;
SELECT u.day AS day, u.account_id AS account_id, u.generation AS generation
FROM AS_TABLE($rows) AS k
INNER JOIN usage_aggregates AS u ON u.bucket = k.bucket AND u.day = k.day AND u.account_id = k.account_id AND u.generation = k.generation
    AND u.service_id = k.service_id AND u.sku_id = k.sku_id AND u.currency = k.currency;`;

/**
 * Deletes every row of the given account-days whose generation no reader can follow: replaced
 * generations, the rows of a copy that lost the version compare, and orphans of an apply that
 * crashed before its switch. A pointer of the committed apply `$apply_id` keeps only its
 * generation; any other pointer also keeps `prev_generation` (its apply may still be in progress).
 * Reading the pointer and deleting happen in one statement; whole generations go at once.
 */
export const DELETE_UNREFERENCED_USAGE = `-- name: delete_unreferenced_usage
DECLARE $keys AS List<Struct<bucket: Uint32, day: Date, account_id: Utf8>>;
DECLARE $apply_id AS Utf8;
DELETE FROM usage_aggregates ON
SELECT u.bucket AS bucket, u.day AS day, u.account_id AS account_id, u.generation AS generation,
    u.service_id AS service_id, u.sku_id AS sku_id, u.currency AS currency
FROM AS_TABLE($keys) AS k
INNER JOIN account_day_versions AS v ON v.bucket = k.bucket AND v.day = k.day AND v.account_id = k.account_id
INNER JOIN usage_aggregates AS u ON u.bucket = k.bucket AND u.day = k.day AND u.account_id = k.account_id
WHERE u.generation != v.generation
    AND (v.apply_id = $apply_id OR COALESCE(v.prev_generation, v.generation) != u.generation);`;

/**
 * One page of one bucket's live usage in a day range, linear in the rows it returns: `$page` reads
 * one key range of usage_aggregates (the bucket, then days) with the LIMIT on that single table
 * (YDB stops after $limit rows); the adapter merges the buckets back into (day, account, …) order. Then
 * only then are its rows matched with their account-day pointers by full key. Rows of a generation
 * no pointer names (being written, replaced, orphaned) are read but not returned (I3); cleanup keeps
 * them rare. Result sets: 0 = the live rows; 1 = the last key of the page (the next cursor, even
 * when no row of the page was live); 2 = how many rows the page read (fewer than $limit: the end).
 */
export const SCAN_USAGE_PAGE = `-- name: scan_usage_page
DECLARE $bucket AS Uint32;
DECLARE $from AS Date;
DECLARE $to AS Date;
DECLARE $after_day AS Date;
DECLARE $after_account_id AS Utf8;
DECLARE $after_generation AS Utf8;
DECLARE $after_service_id AS Utf8;
DECLARE $after_sku_id AS Utf8;
DECLARE $after_currency AS Utf8;
DECLARE $limit AS Uint64;
DECLARE $in_progress AS List<Utf8>;
$page = (
    SELECT bucket, day, account_id, generation, service_id, sku_id, currency, cost, credit, service_name, sku_name, row_count
    FROM usage_aggregates
    WHERE bucket = $bucket AND day >= $from AND day <= $to
        AND (day, account_id, generation, service_id, sku_id, currency) > ($after_day, $after_account_id, $after_generation, $after_service_id, $after_sku_id, $after_currency)
    ORDER BY bucket, day, account_id, generation, service_id, sku_id, currency
    LIMIT $limit
);
SELECT p.day AS day, p.account_id AS account_id, p.generation AS generation, p.service_id AS service_id,
    p.sku_id AS sku_id, p.currency AS currency, p.cost AS cost, p.credit AS credit,
    p.service_name AS service_name, p.sku_name AS sku_name, p.row_count AS row_count
FROM $page AS p
INNER JOIN account_day_versions AS v ON v.bucket = p.bucket AND v.day = p.day AND v.account_id = p.account_id
WHERE p.generation = IF(COALESCE(v.apply_id IN $in_progress, FALSE), v.prev_generation, v.generation)
ORDER BY day, account_id, generation, service_id, sku_id, currency;
SELECT day, account_id, generation, service_id, sku_id, currency FROM $page
ORDER BY day DESC, account_id DESC, generation DESC, service_id DESC, sku_id DESC, currency DESC
LIMIT 1;
SELECT COUNT(*) AS scanned FROM $page;`;

/**
 * The live usage of the given account-days (a filtered scan): each pointer by full key, then its
 * generation's rows by key prefix — reads only what it returns plus one pointer lookup per key.
 * The adapter sends few enough account-days that the answer stays under 1000 rows, and halves the
 * list when it comes back truncated.
 */
export const SCAN_USAGE_ACCOUNT_DAYS = `-- name: scan_usage_account_days
DECLARE $keys AS List<Struct<bucket: Uint32, day: Date, account_id: Utf8>>;
DECLARE $in_progress AS List<Utf8>;
$live = (
    SELECT v.bucket AS bucket, v.day AS day, v.account_id AS account_id,
        IF(COALESCE(v.apply_id IN $in_progress, FALSE), v.prev_generation, v.generation) AS generation
    FROM AS_TABLE($keys) AS k
    INNER JOIN account_day_versions AS v ON v.bucket = k.bucket AND v.day = k.day AND v.account_id = k.account_id
);
SELECT u.day AS day, u.account_id AS account_id, u.generation AS generation, u.service_id AS service_id,
    u.sku_id AS sku_id, u.currency AS currency, u.cost AS cost, u.credit AS credit,
    u.service_name AS service_name, u.sku_name AS sku_name, u.row_count AS row_count
FROM $live AS l
INNER JOIN usage_aggregates AS u ON u.bucket = l.bucket AND u.day = l.day AND u.account_id = l.account_id AND u.generation = l.generation
ORDER BY day, account_id, generation, service_id, sku_id, currency;`;

/** One page of one account-day's live generation, by key (an account-day too large for one answer). */
export const SCAN_GENERATION_PAGE = `-- name: scan_generation_page
DECLARE $bucket AS Uint32;
DECLARE $day AS Date;
DECLARE $account_id AS Utf8;
DECLARE $generation AS Utf8;
DECLARE $after_service_id AS Utf8;
DECLARE $after_sku_id AS Utf8;
DECLARE $after_currency AS Utf8;
DECLARE $limit AS Uint64;
SELECT day, account_id, generation, service_id, sku_id, currency, cost, credit, service_name, sku_name, row_count
FROM usage_aggregates
WHERE bucket = $bucket AND day = $day AND account_id = $account_id AND generation = $generation
    AND (service_id, sku_id, currency) > ($after_service_id, $after_sku_id, $after_currency)
ORDER BY bucket, day, account_id, generation, service_id, sku_id, currency
LIMIT $limit;`;

/** One page of one bucket's account-day versions in a day range, by key. */
export const LIST_ACCOUNT_DAY_VERSIONS_PAGE = `-- name: list_account_day_versions_page
DECLARE $bucket AS Uint32;
DECLARE $from AS Date;
DECLARE $to AS Date;
DECLARE $after_day AS Date;
DECLARE $after_account_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT day, account_id, version, generation, source_key, apply_id, prev_version, prev_source_key, prev_generation
FROM account_day_versions
WHERE bucket = $bucket AND day >= $from AND day <= $to AND (day, account_id) > ($after_day, $after_account_id)
ORDER BY bucket, day, account_id
LIMIT $limit;`;

/** The ingest log entry with this id, if any (the duplicate-id rule reads it first). */
export const SELECT_INGEST_LOG = `-- name: select_ingest_log
DECLARE $id AS Utf8;
SELECT id, object_key, newest_first, etag, version, row_count, account_days_applied, account_days_stale, status, reason, started_at, finished_at
FROM ingest_log WHERE id = $id;`;

/** Records a processed object (I5). INSERT: an existing id is refused, never overwritten. */
export const INSERT_INGEST_LOG = `-- name: insert_ingest_log
DECLARE $rows AS List<Struct<id: Utf8, object_key: Utf8, newest_first: Uint64, etag: Optional<Utf8>, version: Optional<Uint64>, row_count: Uint64, account_days_applied: Uint64, account_days_stale: Uint64, status: Utf8, reason: Optional<Utf8>, started_at: Utf8, finished_at: Utf8>>;
INSERT INTO ingest_log
SELECT id, object_key, newest_first, etag, version, row_count, account_days_applied, account_days_stale, status, reason, started_at, finished_at
FROM AS_TABLE($rows);`;

/**
 * Newest entries first, through the by_newest index: `newest_first` is a constant minus the start
 * time in ms, so the index's ascending key order is newest first and "the newest N" reads N rows.
 */
export const LIST_INGEST_LOG_NEWEST_PAGE = `-- name: list_ingest_log_newest_page
DECLARE $after_newest_first AS Uint64;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, object_key, newest_first, etag, version, row_count, account_days_applied, account_days_stale, status, reason, started_at, finished_at
FROM ingest_log VIEW by_newest
WHERE (newest_first, id) > ($after_newest_first, $after_id)
ORDER BY newest_first, id
LIMIT $limit;`;

/** One object's entries, newest first, through the by_object index (object_key, newest_first). */
export const LIST_INGEST_LOG_BY_OBJECT_PAGE = `-- name: list_ingest_log_by_object_page
DECLARE $object_key AS Utf8;
DECLARE $after_newest_first AS Uint64;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, object_key, newest_first, etag, version, row_count, account_days_applied, account_days_stale, status, reason, started_at, finished_at
FROM ingest_log VIEW by_object
WHERE object_key = $object_key AND (newest_first, id) > ($after_newest_first, $after_id)
ORDER BY object_key, newest_first, id
LIMIT $limit;`;
