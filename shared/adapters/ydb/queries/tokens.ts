/**
 * Portal tokens (§9). INSERT (not UPSERT) so an id is never overwritten; revoking reads the row
 * first (NOT_FOUND / ALREADY_REVOKED) in the same transaction as the UPDATE.
 */

export const INSERT_TOKEN = `-- name: insert_token
DECLARE $rows AS List<Struct<id: Utf8, partner_id: Utf8, salt: Utf8, hash: Utf8, created_actor: Utf8, created_at: Utf8, created_note: Utf8, revoked_actor: Optional<Utf8>, revoked_at: Optional<Utf8>, revoked_note: Optional<Utf8>>>;
INSERT INTO portal_tokens
SELECT id, partner_id, salt, hash, created_actor, created_at, created_note, revoked_actor, revoked_at, revoked_note
FROM AS_TABLE($rows);`;

export const SELECT_TOKEN = `-- name: select_token
DECLARE $id AS Utf8;
SELECT id, partner_id, salt, hash, created_actor, created_at, created_note, revoked_actor, revoked_at, revoked_note
FROM portal_tokens WHERE id = $id;`;

export const REVOKE_TOKEN = `-- name: revoke_token
DECLARE $id AS Utf8;
DECLARE $revoked_actor AS Utf8;
DECLARE $revoked_at AS Utf8;
DECLARE $revoked_note AS Utf8;
UPDATE portal_tokens
SET revoked_actor = $revoked_actor, revoked_at = $revoked_at, revoked_note = $revoked_note
WHERE id = $id;`;

/** One page of every token, by key. */
export const LIST_TOKENS_PAGE = `-- name: list_tokens_page
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, salt, hash, created_actor, created_at, created_note, revoked_actor, revoked_at, revoked_note
FROM portal_tokens
WHERE id > $after_id
ORDER BY id
LIMIT $limit;`;

/** One page of a partner's tokens, through the by_partner index (a key range, one query per access path). */
export const LIST_TOKENS_BY_PARTNER_PAGE = `-- name: list_tokens_by_partner_page
DECLARE $partner_id AS Utf8;
DECLARE $after_id AS Utf8;
DECLARE $limit AS Uint64;
SELECT id, partner_id, salt, hash, created_actor, created_at, created_note, revoked_actor, revoked_at, revoked_note
FROM portal_tokens VIEW by_partner
WHERE partner_id = $partner_id AND id > $after_id
ORDER BY partner_id, id
LIMIT $limit;`;
