/**
 * Links and specializations (R3, R5) on a SQLite store: which posted quarters a retroactive change
 * reaches (R7) — only the quarters posted for what the change affects.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/domain/model';
import { grantSpecialization, linkSubaccount, revokeSpecialization, unlinkSubaccount } from '../../../shared/usecases/program';
import { grant, link, rulesWith } from '../../support/domain-builders';
import { ledgerEntry, postEntries } from '../../support/ledger-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const who = { actor: 'op-1', note: 'test' };

const entry = (partnerId: string, quarter: string, specialization: string, kind: LedgerEntry['kind'] = 'accrual') =>
  ledgerEntry(partnerId, quarter, specialization, { kind });
const posted = (...entries: LedgerEntry[]) => postEntries(env.store, ...entries);

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  env.setNow('2026-05-01T09:00:00Z');
  await env.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('p1', 'ml-ai', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('p1', 'infrastructure-devops', '2025-01-01'));
  // 2025-Q4 was posted for infrastructure only, 2026-Q1 for both.
  await posted(
    entry('p1', '2025-Q4', 'infrastructure-devops'),
    entry('p1', '2026-Q1', 'infrastructure-devops'),
    entry('p1', '2026-Q1', 'ml-ai'),
  );
});
afterEach(() => env.cleanup());

describe('posted quarters a retroactive change reaches', () => {
  it('names for a revocation only the quarters posted for that specialization', async () => {
    const revoked = await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', effective: '2025-11-01', ...who });
    expect(revoked).toMatchObject({ ok: true, postedQuartersAffected: ['2026-Q1'], period: { to: '2025-10-31' } });
  });

  it('names for a grant only the quarters posted for that specialization', async () => {
    await env.store.program.insertSpecialization(grant('p1', 'data-platform', '2026-01-01', '2026-01-31'));
    const granted = await grantSpecialization(env.deps, {
      partnerId: 'p1',
      specialization: 'data-platform',
      from: '2025-10-01',
      to: '2025-12-31',
      ...who,
    });
    expect(granted).toMatchObject({ ok: true, postedQuartersAffected: [] });
  });

  it('names for an unlink every quarter posted for the partner from the effective day on', async () => {
    const unlinked = await unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', effective: '2025-12-01', ...who });
    expect(unlinked).toMatchObject({ ok: true, postedQuartersAffected: ['2025-Q4', '2026-Q1'], link: { to: '2025-11-30' } });
  });

  it('does not count a withdrawal as a posting a change reaches', async () => {
    await posted(entry('p1', '2025-Q3', 'infrastructure-devops', 'withdrawal'));
    const linked = await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc2', from: '2025-07-01', to: '2025-09-30', ...who });
    expect(linked).toMatchObject({ ok: true, postedQuartersAffected: [] });
  });

  it('ignores other partners’ postings', async () => {
    const linked = await linkSubaccount(env.deps, { partnerId: 'p2', subaccountId: 'acc3', from: '2025-10-01', to: null, ...who });
    expect(linked).toMatchObject({ ok: true, postedQuartersAffected: [] });
  });
});

describe('link, unlink, grant and revoke input', () => {
  it('refuses a bad "to" day even when "from" is good, and names an empty period as invalid input, not an overlap', async () => {
    expect(
      await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc7', from: '2026-01-01', to: '2026-02-30', ...who }),
    ).toMatchObject({ ok: false, code: 'INVALID_INPUT', message: expect.stringMatching(/--to "2026-02-30" is not a calendar day/) });
    expect(
      await grantSpecialization(env.deps, {
        partnerId: 'p1',
        specialization: 'data-platform',
        from: '2026-01-01',
        to: '2026-13-01',
        ...who,
      }),
    ).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(
      await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc7', from: '2026-02-02', to: '2026-02-01', ...who }),
    ).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(
      await grantSpecialization(env.deps, {
        partnerId: 'p1',
        specialization: 'data-platform',
        from: '2026-02-02',
        to: '2026-02-01',
        ...who,
      }),
    ).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(
      await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2026-02-02', to: null, ...who }),
    ).toMatchObject({ ok: false, code: 'OVERLAP' });
  });

  it('ends a link only earlier than it ends now, an ended one too (issue 8: a correction), and says when it already ends', async () => {
    await env.store.program.insertLink(link('p1', 'acc5', '2026-01-01', '2026-01-31'));
    expect(await unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc5', effective: '2026-02-01', ...who })).toMatchObject({
      ok: false,
      code: 'ALREADY_ENDED',
      message: expect.stringMatching(/already ends on 2026-01-31/),
    });
    // A link whose last day is the effective day can still be ended, leaving it the days before.
    expect(await unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc5', effective: '2026-01-31', ...who })).toMatchObject({
      ok: true,
      link: { to: '2026-01-30' },
    });
    expect(await unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc5', effective: '2026-01-20', ...who })).toMatchObject({
      ok: true,
      link: { to: '2026-01-19' },
    });
  });

  it('ends a link or grant after its first day, and cancels it when the effective day is its first (issue 8)', async () => {
    await env.store.program.insertLink(link('p1', 'acc6', '2026-03-01'));
    expect(await unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc6', effective: '2026-03-02', ...who })).toMatchObject({
      ok: true,
      cancelled: false,
      link: { from: '2026-03-01', to: '2026-03-01' },
    });
    await env.store.program.insertLink(link('p1', 'acc7', '2026-03-01'));
    expect(await unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc7', effective: '2026-03-01', ...who })).toMatchObject({
      ok: true,
      cancelled: true,
      link: { from: '2026-03-01', to: '2026-02-28' },
    });
    await env.store.program.insertSpecialization(grant('p1', 'data-platform', '2026-03-01'));
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'data-platform', effective: '2026-03-02', ...who }),
    ).toMatchObject({ ok: true, cancelled: false, period: { to: '2026-03-01' } });
  });

  it('revokes only the partner’s own grant, and an ended one only earlier than it ends now', async () => {
    await env.store.program.insertSpecialization(grant('p2', 'business-tools', '2026-01-01'));
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'business-tools', effective: '2026-02-01', ...who }),
    ).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', effective: '2026-02-01', ...who }),
    ).toMatchObject({ ok: true });
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', effective: '2026-01-15', ...who }),
    ).toMatchObject({ ok: true, period: { to: '2026-01-14' } });
    await env.store.program.insertSpecialization(grant('p1', 'data-platform', '2026-01-01', '2026-01-31'));
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'data-platform', effective: '2026-02-01', ...who }),
    ).toMatchObject({ ok: false, code: 'ALREADY_ENDED' });
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'data-platform', effective: '2026-01-31', ...who }),
    ).toMatchObject({ ok: true, period: { to: '2026-01-30' } });
  });
});
