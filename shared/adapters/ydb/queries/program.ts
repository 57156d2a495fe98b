/**
 * Subaccount links (R3) and specialization periods (R5). Query texts are constants; values are
 * DECLAREd, typed parameters. INSERT (not UPSERT) so an id can never be silently overwritten;
 * ending reads the row first (NOT_FOUND / ALREADY_ENDED) in the same transaction as the UPDATE.
 * Listing has one query per access path (all, by partner, by subject), each a key range of the
 * table or of one of its indexes: no `($p IS NULL OR col = $p)`, which YDB cannot turn into a range.
 */

export const INSERT_LINK = `-- name: insert_link
DECLARE $rows AS List<Struct<id: Utf8, partner_id: Utf8, subaccount_id: Utf8, from_day: Date, to_day: Optional<Date>, created_actor: Utf8, created_at: Utf8, created_note: Utf8, ended_actor: Optional<Utf8>, ended_at: Optional<Utf8>, ended_note: Optional<Utf8>>>;
INSERT INTO subaccount_links
SELECT id, partner_id, subaccount_id, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM AS_TABLE($rows);`;

export const SELECT_LINK = `-- name: select_link
DECLARE $id AS Utf8;
SELECT id, partner_id, subaccount_id, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM subaccount_links WHERE id = $id;`;

export const END_LINK = `-- name: end_link
DECLARE $id AS Utf8;
DECLARE $to_day AS Date;
DECLARE $ended_actor AS Utf8;
DECLARE $ended_at AS Utf8;
DECLARE $ended_note AS Utf8;
UPDATE subaccount_links
SET to_day = $to_day, ended_actor = $ended_actor, ended_at = $ended_at, ended_note = $ended_note
WHERE id = $id;`;

/** One page of every subaccount_links row, by id (no filter: the whole table is the answer). */
export const LIST_LINKS_PAGE = `-- name: list_links_page
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, subaccount_id, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM subaccount_links
WHERE id > $after_id
ORDER BY id
LIMIT $limit;`;

/** One page of a partner's subaccount_links rows, through the by_partner index (a key range). */
export const LIST_LINKS_BY_PARTNER_PAGE = `-- name: list_links_by_partner_page
DECLARE $partner_id AS Utf8;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, subaccount_id, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM subaccount_links VIEW by_partner
WHERE partner_id = $partner_id AND id > $after_id
ORDER BY partner_id, id
LIMIT $limit;`;

/** One page of the subaccount_links rows of one subaccount_id, through the by_subaccount index (a key range). */
export const LIST_LINKS_BY_SUBACCOUNT_PAGE = `-- name: list_links_by_subaccount_page
DECLARE $subaccount_id AS Utf8;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, subaccount_id, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM subaccount_links VIEW by_subaccount
WHERE subaccount_id = $subaccount_id AND id > $after_id
ORDER BY subaccount_id, id
LIMIT $limit;`;

export const INSERT_SPECIALIZATION = `-- name: insert_specialization
DECLARE $rows AS List<Struct<id: Utf8, partner_id: Utf8, specialization: Utf8, from_day: Date, to_day: Optional<Date>, created_actor: Utf8, created_at: Utf8, created_note: Utf8, ended_actor: Optional<Utf8>, ended_at: Optional<Utf8>, ended_note: Optional<Utf8>>>;
INSERT INTO specialization_periods
SELECT id, partner_id, specialization, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM AS_TABLE($rows);`;

export const SELECT_SPECIALIZATION = `-- name: select_specialization
DECLARE $id AS Utf8;
SELECT id, partner_id, specialization, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM specialization_periods WHERE id = $id;`;

export const END_SPECIALIZATION = `-- name: end_specialization
DECLARE $id AS Utf8;
DECLARE $to_day AS Date;
DECLARE $ended_actor AS Utf8;
DECLARE $ended_at AS Utf8;
DECLARE $ended_note AS Utf8;
UPDATE specialization_periods
SET to_day = $to_day, ended_actor = $ended_actor, ended_at = $ended_at, ended_note = $ended_note
WHERE id = $id;`;

/** One page of every specialization_periods row, by id (no filter: the whole table is the answer). */
export const LIST_SPECIALIZATIONS_PAGE = `-- name: list_specializations_page
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, specialization, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM specialization_periods
WHERE id > $after_id
ORDER BY id
LIMIT $limit;`;

/** One page of a partner's specialization_periods rows, through the by_partner index (a key range). */
export const LIST_SPECIALIZATIONS_BY_PARTNER_PAGE = `-- name: list_specializations_by_partner_page
DECLARE $partner_id AS Utf8;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, specialization, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM specialization_periods VIEW by_partner
WHERE partner_id = $partner_id AND id > $after_id
ORDER BY partner_id, id
LIMIT $limit;`;

/** One page of the specialization_periods rows of one specialization, through the by_specialization index (a key range). */
export const LIST_SPECIALIZATIONS_BY_SPECIALIZATION_PAGE = `-- name: list_specializations_by_specialization_page
DECLARE $specialization AS Utf8;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, specialization, from_day, to_day, created_actor, created_at, created_note, ended_actor, ended_at, ended_note
FROM specialization_periods VIEW by_specialization
WHERE specialization = $specialization AND id > $after_id
ORDER BY specialization, id
LIMIT $limit;`;
