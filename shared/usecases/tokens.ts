/**
 * Portal tokens (§9): operators issue and revoke them; the portal API authenticates with them.
 *
 * A token reads `<id>.<secret>`: the id (12 random bytes, hex) is the key the store looks the
 * token up by, so authentication never scans; the secret (32 random bytes, base64url) is shown
 * once and only sha256(salt ‖ secret) with a per-token 16-byte salt is stored. A slow KDF would
 * add nothing here: the secret is 256 random bits, not a password a dictionary could guess.
 * The hash comparison is constant-time (timingSafeEqual).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { StoreError, type PortalToken, type Store } from '../ports/store';
import { fail, type Actor, type Failure } from './deps';

export interface TokenDeps {
  store: Store;
  clock: () => Date;
}

const TOKEN_RE = /^([0-9a-f]{24})\.([A-Za-z0-9_-]{43})$/;
const PARTNER_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function hashSecret(salt: Buffer, secret: string): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}

/** What a listing shows: never the salt or the hash. */
export interface TokenInfo {
  id: string;
  partnerId: string;
  created: PortalToken['created'];
  revoked: PortalToken['revoked'];
}

const info = (t: PortalToken): TokenInfo => ({ id: t.id, partnerId: t.partnerId, created: t.created, revoked: t.revoked });

export interface IssuedToken {
  ok: true;
  /** The whole token, shown once; only its hash is stored. */
  token: string;
  info: TokenInfo;
}

/** Issues a new token for a partner that the program knows (it has a link or ledger entries). */
export async function issueToken(deps: TokenDeps, input: { partnerId: string } & Actor): Promise<IssuedToken | Failure> {
  if (!PARTNER_RE.test(input.partnerId)) return fail('INVALID_INPUT', `--partner ${JSON.stringify(input.partnerId)} is not a partner id`);
  const [links, entries] = await Promise.all([
    deps.store.program.listLinks({ partnerId: input.partnerId }),
    deps.store.ledger.listEntries({ partnerId: input.partnerId }),
  ]);
  if (links.length === 0 && entries.length === 0)
    return fail('NOT_FOUND', `partner ${input.partnerId} has no subaccount links and no ledger entries; link a subaccount first`);
  const id = randomBytes(12).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16);
  const record: PortalToken = {
    id,
    partnerId: input.partnerId,
    salt: salt.toString('hex'),
    hash: hashSecret(salt, secret).toString('hex'),
    created: { actor: input.actor, at: deps.clock().toISOString(), note: input.note },
    revoked: null,
  };
  await deps.store.tokens.insertToken(record);
  return { ok: true, token: `${id}.${secret}`, info: info(record) };
}

/** Revokes one of the partner's tokens (R12: who, when, why). A token of another partner is NOT_FOUND. */
export async function revokeToken(
  deps: TokenDeps,
  input: { partnerId: string; tokenId: string } & Actor,
): Promise<{ ok: true; info: TokenInfo } | Failure> {
  const found = await deps.store.tokens.getToken(input.tokenId);
  if (found === null || found.partnerId !== input.partnerId)
    return fail('NOT_FOUND', `partner ${input.partnerId} has no token ${input.tokenId}`);
  const revoked = { actor: input.actor, at: deps.clock().toISOString(), note: input.note };
  try {
    await deps.store.tokens.revokeToken(input.tokenId, revoked);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'ALREADY_REVOKED')
      return fail('ALREADY_ENDED', `token ${input.tokenId} was already revoked`);
    throw error;
  }
  return { ok: true, info: { ...info(found), revoked } };
}

/** The partner's tokens, oldest first, without secrets or hashes. */
export async function listTokens(deps: TokenDeps, input: { partnerId: string }): Promise<{ ok: true; tokens: TokenInfo[] }> {
  return { ok: true, tokens: (await deps.store.tokens.listTokens({ partnerId: input.partnerId })).map(info) };
}

/** A fixed salt and hash to compare against when the id is unknown, so both paths do the same work. */
const DECOY = { salt: Buffer.alloc(16), hash: Buffer.alloc(32) };

/**
 * The partner a token belongs to, or null when it is malformed, unknown or revoked. Only the
 * token's id selects the stored row; the secret is then checked against that row's hash.
 */
export async function authenticate(deps: { store: Store }, token: string): Promise<string | null> {
  const match = TOKEN_RE.exec(token);
  if (!match) return null;
  const [, id = '', secret = ''] = match;
  const stored = await deps.store.tokens.getToken(id);
  const salt = stored ? Buffer.from(stored.salt, 'hex') : DECOY.salt;
  const expected = stored ? Buffer.from(stored.hash, 'hex') : DECOY.hash;
  const actual = hashSecret(salt, secret);
  const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
  if (!stored || !equal || stored.revoked !== null) return null;
  return stored.partnerId;
}
