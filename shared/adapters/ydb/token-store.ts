/**
 * Portal tokens (§9) in YDB, with the same semantics as the SQLite adapter: ALREADY_EXISTS on a
 * taken id, NOT_FOUND / ALREADY_REVOKED when revoking; a retry that finds its own committed
 * write treats it as success.
 */
import { isDeepStrictEqual } from 'node:util';
import { StoreError, type PortalToken, type TokenStore } from '../../ports/store';
import { INSERT_TOKEN, LIST_TOKENS_BY_PARTNER_PAGE, LIST_TOKENS_PAGE, REVOKE_TOKEN, SELECT_TOKEN } from './queries';
import { readToken } from './rows';
import { withTransaction, ydbFailure, ydbStatus, type YdbRunner, type Tx } from './runner';
import { StatusCode } from './sdk';
import { decodeRows, param, structList, type StructFields } from './values';

const FIELDS: StructFields = {
  id: { scalar: 'Utf8' },
  partner_id: { scalar: 'Utf8' },
  salt: { scalar: 'Utf8' },
  hash: { scalar: 'Utf8' },
  created_actor: { scalar: 'Utf8' },
  created_at: { scalar: 'Utf8' },
  created_note: { scalar: 'Utf8' },
  revoked_actor: { scalar: 'Utf8', optional: true },
  revoked_at: { scalar: 'Utf8', optional: true },
  revoked_note: { scalar: 'Utf8', optional: true },
};

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

async function selectToken(tx: Tx, id: string): Promise<PortalToken | undefined> {
  return decodeRows((await tx.query(SELECT_TOKEN, { $id: param.utf8(id) })).resultSets[0]).map(readToken)[0];
}

const byCreation = (a: PortalToken, b: PortalToken): number =>
  a.created.at !== b.created.at ? (a.created.at < b.created.at ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export function createYdbTokenStore(runner: YdbRunner): TokenStore {
  const alreadyExists = (id: string) => new StoreError('ALREADY_EXISTS', `token ${id} already exists`);
  return {
    async insertToken(token) {
      let attempt = 0;
      try {
        await runner.retry((session) =>
          withTransaction(runner, session, async (tx) => {
            attempt += 1;
            const found = await selectToken(tx, token.id);
            if (found !== undefined) {
              if (attempt > 1 && isDeepStrictEqual(found, token)) return;
              throw alreadyExists(token.id);
            }
            await tx.query(INSERT_TOKEN, { $rows: structList(FIELDS, [toRow(token)]) }, true);
          }),
        );
      } catch (error) {
        if (ydbStatus(error) === StatusCode.PRECONDITION_FAILED) throw alreadyExists(token.id);
        throw ydbFailure(`insert token ${token.id}`, error);
      }
    },

    async getToken(id) {
      try {
        const rows = await runner.retry(async (session) =>
          decodeRows((await runner.execute(session, SELECT_TOKEN, { $id: param.utf8(id) })).resultSets[0]).map(readToken),
        );
        return rows[0] ?? null;
      } catch (error) {
        throw ydbFailure(`read token ${id}`, error);
      }
    },

    async listTokens(filter) {
      try {
        const rows = await runner.readAll(
          {
            ...(filter?.partnerId === undefined
              ? { text: LIST_TOKENS_PAGE, params: {} }
              : { text: LIST_TOKENS_BY_PARTNER_PAGE, params: { $partner_id: param.utf8(filter.partnerId) } }),
            cursor: (last) => ({ $after_id: param.utf8(last === undefined ? '' : String(last['id'])) }),
          },
          readToken,
        );
        return rows.sort(byCreation);
      } catch (error) {
        throw ydbFailure('list tokens', error);
      }
    },

    async revokeToken(id, revoked) {
      let attempt = 0;
      try {
        await runner.retry((session) =>
          withTransaction(runner, session, async (tx) => {
            attempt += 1;
            const current = await selectToken(tx, id);
            if (current === undefined) throw new StoreError('NOT_FOUND', `token ${id} not found`);
            if (current.revoked !== null) {
              // A retry after a lost commit finds exactly what it wrote.
              if (attempt > 1 && isDeepStrictEqual(current.revoked, revoked)) return;
              throw new StoreError('ALREADY_REVOKED', `token ${id} is already revoked`);
            }
            await tx.query(
              REVOKE_TOKEN,
              {
                $id: param.utf8(id),
                $revoked_actor: param.utf8(revoked.actor),
                $revoked_at: param.utf8(revoked.at),
                $revoked_note: param.utf8(revoked.note),
              },
              true,
            );
          }),
        );
      } catch (error) {
        throw ydbFailure(`revoke token ${id}`, error);
      }
    },
  };
}
