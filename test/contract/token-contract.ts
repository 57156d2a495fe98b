/** Contract: portal tokens (§9) — hashes only, one partner per token, revocation audited once. */
import { describe, expect, it } from 'vitest';
import { StoreError, type PortalToken } from '../../shared/ports/store';
import { audit, type ContractContext } from './fixtures';

function token(id: string, partnerId: string, at: string): PortalToken {
  return {
    id,
    partnerId,
    salt: `00${id.length}f`,
    hash: 'ab'.repeat(32),
    created: audit('op-anna', at, `portal access for ${partnerId}, «Кириллица»`),
    revoked: null,
  };
}

async function storeError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StoreError) return error.code;
    throw error;
  }
  throw new Error('expected a StoreError');
}

export function describeTokenContract(ctx: ContractContext): void {
  const tokens = () => ctx.store.tokens;

  describe('portal tokens', () => {
    it('stores a token with every field and reads it back by id', async () => {
      const t = token('tk-1', 'p-1', '2026-04-02T10:00:00.000Z');
      await tokens().insertToken(t);
      expect(await tokens().getToken('tk-1')).toEqual(t);
      expect(await tokens().getToken('tk-2')).toBeNull();
    });

    it('refuses a second token with the same id and keeps the first', async () => {
      const first = token('tk-1', 'p-1', '2026-04-02T10:00:00.000Z');
      await tokens().insertToken(first);
      expect(await storeError(tokens().insertToken(token('tk-1', 'p-2', '2026-04-02T11:00:00.000Z')))).toBe('ALREADY_EXISTS');
      expect(await tokens().getToken('tk-1')).toEqual(first);
    });

    it('lists tokens by creation time, filtered by partner', async () => {
      await tokens().insertToken(token('tk-b', 'p-1', '2026-04-02T12:00:00.000Z'));
      await tokens().insertToken(token('tk-a', 'p-1', '2026-04-02T13:00:00.000Z'));
      await tokens().insertToken(token('tk-c', 'p-2', '2026-04-02T11:00:00.000Z'));
      expect((await tokens().listTokens()).map((t) => t.id)).toEqual(['tk-c', 'tk-b', 'tk-a']);
      expect((await tokens().listTokens({ partnerId: 'p-1' })).map((t) => t.id)).toEqual(['tk-b', 'tk-a']);
      expect(await tokens().listTokens({ partnerId: 'p-9' })).toEqual([]);
    });

    it('revokes a token once, with its audit, and refuses unknown or already revoked ones', async () => {
      await tokens().insertToken(token('tk-1', 'p-1', '2026-04-02T10:00:00.000Z'));
      const revoked = audit('op-boris', '2026-04-03T09:00:00.000Z', 'partner asked');
      await tokens().revokeToken('tk-1', revoked);
      expect((await tokens().getToken('tk-1'))?.revoked).toEqual(revoked);
      expect(await storeError(tokens().revokeToken('tk-1', audit('op-anna', '2026-04-04T09:00:00.000Z', 'again')))).toBe('ALREADY_REVOKED');
      expect((await tokens().getToken('tk-1'))?.revoked).toEqual(revoked);
      expect(await storeError(tokens().revokeToken('tk-404', revoked))).toBe('NOT_FOUND');
    });
  });
}
