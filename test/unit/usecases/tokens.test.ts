/** Portal tokens: shown once, stored as a salted hash, one partner each, revocable (§9). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PortalToken, Store } from '../../../shared/ports/store';
import { authenticate, issueToken, listTokens, revokeToken } from '../../../shared/usecases/tokens';
import { grant, link, rulesWith } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const op = { actor: 'op-anna', note: 'portal access' };

async function issue(partnerId: string): Promise<{ token: string; id: string }> {
  const issued = await issueToken(env.deps, { partnerId, ...op });
  if (!issued.ok) throw new Error(issued.message);
  return { token: issued.token, id: issued.info.id };
}

/** The store, with every token id it is asked for recorded. */
function spying(store: Store): { store: Store; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    store: {
      ...store,
      tokens: {
        ...store.tokens,
        getToken: (id: string) => {
          asked.push(id);
          return store.tokens.getToken(id);
        },
      },
    },
  };
}

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  await env.store.program.insertLink(link('partner-a', 'sub-a', '2025-01-01'));
  await env.store.program.insertLink(link('partner-b', 'sub-b', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('partner-a', 'ml-ai', '2025-01-01'));
});
afterEach(() => env.cleanup());

describe('tokens', () => {
  it('issues `<id>.<secret>` and stores only the id, a salt and sha256(salt ‖ secret) with the audit', async () => {
    const { token, id } = await issue('partner-a');
    expect(token).toMatch(/^[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/);
    const [tokenId, secret] = token.split('.') as [string, string];
    expect(tokenId).toBe(id);
    const stored = (await env.store.tokens.getToken(id)) as PortalToken;
    expect(stored).toMatchObject({
      id,
      partnerId: 'partner-a',
      created: { actor: 'op-anna', at: '2026-04-01T03:00:00.000Z', note: 'portal access' },
      revoked: null,
    });
    expect(stored.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(secret);
    const { createHash } = await import('node:crypto');
    expect(stored.hash).toBe(createHash('sha256').update(Buffer.from(stored.salt, 'hex')).update(secret).digest('hex'));
  });

  it('gives every token its own id, secret and salt', async () => {
    const first = await issue('partner-a');
    const second = await issue('partner-a');
    expect(first.token).not.toBe(second.token);
    const [a, b] = await Promise.all([env.store.tokens.getToken(first.id), env.store.tokens.getToken(second.id)]);
    expect(a?.salt).not.toBe(b?.salt);
  });

  it('authenticates the token that was sent: its id selects the row, its secret must match that row', async () => {
    const a = await issue('partner-a');
    const b = await issue('partner-b');
    const spy = spying(env.store);
    expect(await authenticate(spy, a.token)).toBe('partner-a');
    expect(await authenticate(spy, b.token)).toBe('partner-b');
    expect(spy.asked).toEqual([a.id, b.id]);
    // A's id with B's secret: the row found is A's and the secret does not match it.
    expect(await authenticate(spy, `${a.id}.${b.token.split('.')[1]}`)).toBeNull();
    expect(spy.asked.at(-1)).toBe(a.id);
  });

  it('refuses a changed secret, an unknown id and malformed tokens without a store lookup for the latter', async () => {
    const { token } = await issue('partner-a');
    const [id, secret] = token.split('.') as [string, string];
    const flipped = `${secret.slice(0, 10)}${secret[10] === 'x' ? 'y' : 'x'}${secret.slice(11)}`;
    const spy = spying(env.store);
    expect(await authenticate(spy, `${id}.${flipped}`)).toBeNull();
    expect(await authenticate(spy, `${'f'.repeat(24)}.${secret}`)).toBeNull();
    for (const bad of ['', token.toUpperCase(), `${token}x`, `${id}:${secret}`, ` ${token}`, `${id}.${secret}.${secret}`])
      expect(await authenticate(spy, bad)).toBeNull();
    expect(spy.asked).toEqual([id, 'f'.repeat(24)]);
  });

  it('refuses a revoked token; revoking records who, when and why, once', async () => {
    const { token, id } = await issue('partner-a');
    env.setNow('2026-05-01T08:00:00Z');
    const revoked = await revokeToken(env.deps, { partnerId: 'partner-a', tokenId: id, actor: 'op-boris', note: 'leaked in a ticket' });
    expect(revoked).toMatchObject({
      ok: true,
      info: { id, revoked: { actor: 'op-boris', at: '2026-05-01T08:00:00.000Z', note: 'leaked in a ticket' } },
    });
    expect(await authenticate(env.deps, token)).toBeNull();
    expect(await revokeToken(env.deps, { partnerId: 'partner-a', tokenId: id, ...op })).toMatchObject({ ok: false, code: 'ALREADY_ENDED' });
  });

  it("does not let one partner revoke or list another partner's token", async () => {
    const { token, id } = await issue('partner-a');
    expect(await revokeToken(env.deps, { partnerId: 'partner-b', tokenId: id, ...op })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await authenticate(env.deps, token)).toBe('partner-a');
    expect((await listTokens(env.deps, { partnerId: 'partner-b' })).tokens).toEqual([]);
  });

  it("lists a partner's tokens without salt or hash", async () => {
    const { id } = await issue('partner-a');
    const listed = await listTokens(env.deps, { partnerId: 'partner-a' });
    expect(listed.tokens).toEqual([
      { id, partnerId: 'partner-a', created: { actor: 'op-anna', at: '2026-04-01T03:00:00.000Z', note: 'portal access' }, revoked: null },
    ]);
  });

  it('refuses to issue for a partner the program does not know, or a malformed partner id', async () => {
    expect(await issueToken(env.deps, { partnerId: 'partner-zzz', ...op })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await issueToken(env.deps, { partnerId: '../etc', ...op })).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(await env.store.tokens.listTokens()).toEqual([]);
  });
});
