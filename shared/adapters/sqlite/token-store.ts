/**
 * Portal tokens (§9) on SQLite: id, partner, salt and hash with the audit of issue and revocation.
 * The row schema lives here (one concept per file); it validates rows both ways, as row-schemas does.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { StoreError, type PortalToken, type TokenStore } from '../../ports/store';
import { checkRow, decodeRow } from './row-schemas';

const text = z.string().min(1);
const hex = z.string().regex(/^[0-9a-f]+$/, 'expected lower-case hex');
const KEY = ['id'] as const;

export const tokenRow = z
  .object({
    id: text,
    partner_id: text,
    salt: hex,
    hash: hex,
    created_actor: text,
    created_at: text,
    created_note: z.string(),
    revoked_actor: text.nullable(),
    revoked_at: text.nullable(),
    revoked_note: z.string().nullable(),
  })
  .refine(
    (r) => [r.revoked_actor, r.revoked_at, r.revoked_note].filter((v) => v !== null).length % 3 === 0,
    'revoked_actor, revoked_at and revoked_note must be all set or all null',
  )
  .transform(
    (r): PortalToken => ({
      id: r.id,
      partnerId: r.partner_id,
      salt: r.salt,
      hash: r.hash,
      created: { actor: r.created_actor, at: r.created_at, note: r.created_note },
      revoked:
        r.revoked_actor === null || r.revoked_at === null || r.revoked_note === null
          ? null
          : { actor: r.revoked_actor, at: r.revoked_at, note: r.revoked_note },
    }),
  );

function toRow(token: PortalToken) {
  return {
    id: token.id,
    partner_id: token.partnerId,
    salt: token.salt,
    hash: token.hash,
    created_actor: token.created.actor,
    created_at: token.created.at,
    created_note: token.created.note,
    revoked_actor: token.revoked?.actor ?? null,
    revoked_at: token.revoked?.at ?? null,
    revoked_note: token.revoked?.note ?? null,
  };
}

export function createSqliteTokenStore(db: Database.Database): TokenStore {
  const insert = db.prepare(
    `INSERT INTO portal_tokens (id, partner_id, salt, hash, created_actor, created_at, created_note, revoked_actor, revoked_at, revoked_note)
     VALUES (@id, @partner_id, @salt, @hash, @created_actor, @created_at, @created_note, @revoked_actor, @revoked_at, @revoked_note)`,
  );
  const select = db.prepare('SELECT * FROM portal_tokens WHERE id = ?');
  const list = db.prepare('SELECT * FROM portal_tokens WHERE (@partner IS NULL OR partner_id = @partner) ORDER BY created_at, id');
  const revoke = db.prepare(
    'UPDATE portal_tokens SET revoked_actor = @actor, revoked_at = @at, revoked_note = @note WHERE id = @id AND revoked_at IS NULL',
  );

  const read = (raw: unknown) => decodeRow(tokenRow, 'portal_tokens', KEY, raw);

  const revokeOnce = db.transaction((id: string, audit: { actor: string; at: string; note: string }) => {
    const raw = select.get(id);
    if (raw === undefined) throw new StoreError('NOT_FOUND', `token ${id} not found`);
    if (read(raw).revoked !== null) throw new StoreError('ALREADY_REVOKED', `token ${id} is already revoked`);
    revoke.run({ id, ...audit });
  });

  return {
    async insertToken(token) {
      const row = checkRow(tokenRow, 'portal_tokens', KEY, toRow(token));
      if (select.get(token.id) !== undefined) throw new StoreError('ALREADY_EXISTS', `token ${token.id} already exists`);
      insert.run(row);
    },
    async getToken(id) {
      const raw = select.get(id);
      return raw === undefined ? null : read(raw);
    },
    async listTokens(filter) {
      return list.all({ partner: filter?.partnerId ?? null }).map(read);
    },
    async revokeToken(id, revoked) {
      revokeOnce.immediate(id, revoked);
    },
  };
}
