/** Portal tokens (§9): who may get one, and what a broken store or a broken stored hash leads to. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/domain/model';
import { StoreError } from '../../../shared/ports/store';
import { authenticate, issueToken, revokeToken } from '../../../shared/usecases/tokens';
import { link, rulesWith } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const op = { actor: 'op-anna', note: '' };

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  await env.store.program.insertLink(link('partner-a', 'sub-a', '2025-01-01'));
});
afterEach(() => env.cleanup());

describe('portal token checks', () => {
  it('issues a token only to a partner the program knows: by its own links or its own ledger entries', async () => {
    expect(await issueToken(env.deps, { partnerId: 'partner-z', ...op })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    const entry: LedgerEntry = {
      id: 'e1',
      partnerId: 'partner-l',
      quarter: '2025-Q4',
      specialization: 'ml-ai',
      currency: 'RUB',
      seq: 1,
      amount: 1n,
      kind: 'accrual',
      runId: 'r1',
      createdAt: '2026-01-01T00:00:00.000Z',
      actor: 'op',
      note: '',
    };
    await env.store.ledger.appendRun(
      {
        runId: 'r1',
        quarter: '2025-Q4',
        dryRun: false,
        rulesVersions: [],
        rulesDigest: 't',
        startedAt: entry.createdAt,
        actor: 'op',
        note: '',
        entries: 1,
      },
      [entry],
    );
    expect(await issueToken(env.deps, { partnerId: 'partner-l', ...op })).toMatchObject({ ok: true });
    // Another partner's ledger entries do not make partner-z known.
    expect(await issueToken(env.deps, { partnerId: 'partner-z', ...op })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('passes on a store failure while revoking instead of calling it already revoked', async () => {
    const issued = await issueToken(env.deps, { partnerId: 'partner-a', ...op });
    if (!issued.ok) throw new Error(issued.message);
    env.store.tokens.revokeToken = async () => {
      throw new StoreError('STORE_BUSY', 'locked');
    };
    await expect(revokeToken(env.deps, { partnerId: 'partner-a', tokenId: issued.info.id, ...op })).rejects.toMatchObject({
      code: 'STORE_BUSY',
    });
    env.store.tokens.revokeToken = async () => {
      throw new Error('disk full');
    };
    await expect(revokeToken(env.deps, { partnerId: 'partner-a', tokenId: issued.info.id, ...op })).rejects.toThrow('disk full');
  });

  it('refuses, without throwing, a token whose stored hash has the wrong length', async () => {
    const issued = await issueToken(env.deps, { partnerId: 'partner-a', ...op });
    if (!issued.ok) throw new Error(issued.message);
    const stored = (await env.store.tokens.getToken(issued.info.id))!;
    env.store.tokens.getToken = async () => ({ ...stored, hash: stored.hash.slice(0, 40) });
    expect(await authenticate(env.deps, issued.token)).toBeNull();
  });
});
