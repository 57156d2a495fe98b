/**
 * The append-only ledger (R7, R8) and accrual runs (R12). Appends run in one serializable
 * transaction: CHECK_LEDGER_APPEND reads, then INSERT_LEDGER_APPEND writes and commits. INSERT
 * fails on an existing key, so two runs can never post the same (key, seq) twice.
 */

/**
 * Result sets: 0 = the run itself if already stored (a retried append that did commit);
 * 1 = entries already stored under the same R7 key + seq; 2 = entries already stored under the same ids.
 */
export const CHECK_LEDGER_APPEND = `-- name: check_ledger_append
DECLARE $run_quarter AS Utf8;
DECLARE $run_id AS Utf8;
DECLARE $keys AS List<Struct<partner_id: Utf8, quarter: Utf8, specialization: Utf8, currency: Utf8, seq: Uint64>>;
DECLARE $partner_ids AS List<Utf8>;
DECLARE $ids AS List<Utf8>;
SELECT run_id FROM accrual_runs WHERE quarter = $run_quarter AND run_id = $run_id;
SELECT l.id AS id, l.run_id AS run_id
FROM AS_TABLE($keys) AS k
INNER JOIN ledger_entries AS l
    ON l.partner_id = k.partner_id AND l.quarter = k.quarter AND l.specialization = k.specialization
    AND l.currency = k.currency AND l.seq = k.seq;
SELECT id, run_id FROM ledger_entries WHERE partner_id IN $partner_ids AND id IN $ids;`;

export const INSERT_LEDGER_APPEND = `-- name: insert_ledger_append
DECLARE $entries AS List<Struct<partner_id: Utf8, quarter: Utf8, specialization: Utf8, currency: Utf8, seq: Uint64, id: Utf8, amount: Decimal(22,9), kind: Utf8, run_id: Utf8, created_at: Utf8, actor: Utf8, note: Utf8>>;
DECLARE $runs AS List<Struct<quarter: Utf8, run_id: Utf8, dry_run: Bool, rules_versions: Utf8, rules_digest: Utf8, started_at: Utf8, actor: Utf8, note: Utf8, entries: Uint64>>;
INSERT INTO ledger_entries
SELECT partner_id, quarter, specialization, currency, seq, id, amount, kind, run_id, created_at, actor, note
FROM AS_TABLE($entries);
INSERT INTO accrual_runs
SELECT quarter, run_id, dry_run, rules_versions, rules_digest, started_at, actor, note, entries
FROM AS_TABLE($runs);`;

/** Ledger listing: one query per access path, each a key range (table key or the by_quarter index). */
export const LIST_LEDGER_PAGE = `-- name: list_ledger_page
DECLARE $after_partner_id AS Utf8;
DECLARE $after_quarter AS Utf8;
DECLARE $after_specialization AS Utf8;
DECLARE $after_currency AS Utf8;
DECLARE $after_seq AS Uint64;
DECLARE $limit AS Uint64;
SELECT partner_id, quarter, specialization, currency, seq, id, amount, kind, run_id, created_at, actor, note
FROM ledger_entries
WHERE (partner_id, quarter, specialization, currency, seq) > ($after_partner_id, $after_quarter, $after_specialization, $after_currency, $after_seq)
ORDER BY partner_id, quarter, specialization, currency, seq
LIMIT $limit;`;

export const LIST_LEDGER_BY_PARTNER_PAGE = `-- name: list_ledger_by_partner_page
DECLARE $partner_id AS Utf8;
DECLARE $after_quarter AS Utf8;
DECLARE $after_specialization AS Utf8;
DECLARE $after_currency AS Utf8;
DECLARE $after_seq AS Uint64;
DECLARE $limit AS Uint64;
SELECT partner_id, quarter, specialization, currency, seq, id, amount, kind, run_id, created_at, actor, note
FROM ledger_entries
WHERE partner_id = $partner_id
    AND (quarter, specialization, currency, seq) > ($after_quarter, $after_specialization, $after_currency, $after_seq)
ORDER BY partner_id, quarter, specialization, currency, seq
LIMIT $limit;`;

export const LIST_LEDGER_BY_PARTNER_QUARTER_PAGE = `-- name: list_ledger_by_partner_quarter_page
DECLARE $partner_id AS Utf8;
DECLARE $quarter AS Utf8;
DECLARE $after_specialization AS Utf8;
DECLARE $after_currency AS Utf8;
DECLARE $after_seq AS Uint64;
DECLARE $limit AS Uint64;
SELECT partner_id, quarter, specialization, currency, seq, id, amount, kind, run_id, created_at, actor, note
FROM ledger_entries
WHERE partner_id = $partner_id AND quarter = $quarter
    AND (specialization, currency, seq) > ($after_specialization, $after_currency, $after_seq)
ORDER BY partner_id, quarter, specialization, currency, seq
LIMIT $limit;`;

export const LIST_LEDGER_BY_QUARTER_PAGE = `-- name: list_ledger_by_quarter_page
DECLARE $quarter AS Utf8;
DECLARE $after_partner_id AS Utf8;
DECLARE $after_specialization AS Utf8;
DECLARE $after_currency AS Utf8;
DECLARE $after_seq AS Uint64;
DECLARE $limit AS Uint64;
SELECT partner_id, quarter, specialization, currency, seq, id, amount, kind, run_id, created_at, actor, note
FROM ledger_entries VIEW by_quarter
WHERE quarter = $quarter
    AND (partner_id, specialization, currency, seq) > ($after_partner_id, $after_specialization, $after_currency, $after_seq)
ORDER BY quarter, partner_id, specialization, currency, seq
LIMIT $limit;`;

export const LIST_RUNS_PAGE = `-- name: list_runs_page
DECLARE $after_quarter AS Utf8;
DECLARE $after_run_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT quarter, run_id, dry_run, rules_versions, rules_digest, started_at, actor, note, entries
FROM accrual_runs
WHERE (quarter, run_id) > ($after_quarter, $after_run_id)
ORDER BY quarter, run_id
LIMIT $limit;`;

export const LIST_RUNS_BY_QUARTER_PAGE = `-- name: list_runs_by_quarter_page
DECLARE $quarter AS Utf8;
DECLARE $after_run_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT quarter, run_id, dry_run, rules_versions, rules_digest, started_at, actor, note, entries
FROM accrual_runs
WHERE quarter = $quarter AND run_id > $after_run_id
ORDER BY quarter, run_id
LIMIT $limit;`;
