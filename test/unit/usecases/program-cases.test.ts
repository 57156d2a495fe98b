/**
 * Ending a link or grant (R5) when the effective day hits no period: which answer the operator
 * gets (already ended, starts later, does not exist), whatever order the store lists the periods
 * in; the note an ended-again period keeps (R12); the inputs unlink and revoke refuse; and the
 * posted quarters a change reaches, in quarter order whatever order the ledger answers in.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/domain/model';
import { parseMoney } from '../../../shared/domain/money';
import { grantSpecialization, linkSubaccount, revokeSpecialization, unlinkSubaccount } from '../../../shared/usecases/program';
import { grant, link, rulesWith } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const who = { actor: 'op-1', note: 'test' };
const unlink = (subaccountId: string, effective: string, note = who.note) =>
  unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId, effective, actor: who.actor, note });

beforeEach(() => {
  env = createTestEnv(rulesWith());
  env.setNow('2026-05-01T09:00:00Z');
});
afterEach(() => env.cleanup());

describe('ending a link the effective day does not fall in', () => {
  it('names the link that ends last among the ended ones, whichever order the store lists them in', async () => {
    await env.store.program.insertLink(link('p1', 'acc1', '2025-01-01', '2025-03-31'));
    await env.store.program.insertLink(link('p1', 'acc1', '2025-06-01', '2025-08-31'));
    await env.store.program.insertLink(link('p1', 'acc1', '2026-03-01', '2026-06-30'));
    const expected = {
      ok: false,
      code: 'ALREADY_ENDED',
      message:
        'the link of subaccount acc1 to partner p1 already ends on 2025-08-31 (last day), before 2025-12-01; to end it earlier, give an effective day up to 2025-08-31',
    };
    expect(await unlink('acc1', '2025-12-01')).toEqual(expected);
    const list = env.store.program.listLinks.bind(env.store.program);
    env.store.program.listLinks = async (filter) => (await list(filter)).reverse();
    expect(await unlink('acc1', '2025-12-01')).toEqual(expected);
  });

  it('tells how to cancel a link that starts after the effective day, and leaves it as it is', async () => {
    await env.store.program.insertLink(link('p1', 'acc1', '2026-03-01'));
    expect(await unlink('acc1', '2026-02-01')).toEqual({
      ok: false,
      code: 'NOT_FOUND',
      message:
        'the link of subaccount acc1 to partner p1 starts on 2026-03-01, after 2026-02-01; to cancel it, give --effective 2026-03-01',
    });
    expect(await env.store.program.listLinks()).toEqual([link('p1', 'acc1', '2026-03-01')]);
  });

  it('says a cancelled link does not exist rather than that it already ended', async () => {
    await env.store.program.insertLink(link('p1', 'acc1', '2026-03-01'));
    expect(await unlink('acc1', '2026-03-01')).toMatchObject({ ok: true, cancelled: true });
    expect(await unlink('acc1', '2026-04-01')).toEqual({
      ok: false,
      code: 'NOT_FOUND',
      message: 'the link of subaccount acc1 to partner p1 does not exist',
    });
  });
});

describe('the note of a period ended again', () => {
  it('keeps the earlier end’s audit, without a leading space when the new note is empty', async () => {
    await env.store.program.insertLink(link('p1', 'acc1', '2026-01-01'));
    await unlink('acc1', '2026-02-01', 'first');
    expect(await unlink('acc1', '2026-01-20', '')).toMatchObject({
      ok: true,
      link: { to: '2026-01-19', ended: { note: '[replaces the end on 2026-01-31 by op-1 at 2026-05-01T09:00:00.000Z: first]' } },
    });
  });
});

describe('unlink and revoke input', () => {
  const unlinkWith = (input: { partnerId: string; subaccountId: string; effective: string }) => () =>
    unlinkSubaccount(env.deps, { ...input, ...who });
  const revokeWith = (input: { partnerId: string; specialization: string; effective: string }) => () =>
    revokeSpecialization(env.deps, { ...input, ...who });

  it.each([
    ['an unlink', 'partner id', unlinkWith({ partnerId: 'p/1', subaccountId: 'acc1', effective: '2026-02-01' })],
    ['an unlink', 'subaccount', unlinkWith({ partnerId: 'p1', subaccountId: 'acc 1', effective: '2026-02-01' })],
    ['an unlink', '--effective', unlinkWith({ partnerId: 'p1', subaccountId: 'acc1', effective: '2026-02-30' })],
    ['a revocation', 'partner id', revokeWith({ partnerId: 'p/1', specialization: 'ml-ai', effective: '2026-02-01' })],
    ['a revocation', 'specialization', revokeWith({ partnerId: 'p1', specialization: 'ML AI', effective: '2026-02-01' })],
    ['a revocation', '--effective', revokeWith({ partnerId: 'p1', specialization: 'ml-ai', effective: '2026-02-30' })],
  ])('refuses %s with a bad %s before looking for the period it would end', async (_, what, change) => {
    await env.store.program.insertLink(link('p1', 'acc1', '2026-01-01'));
    await env.store.program.insertSpecialization(grant('p1', 'ml-ai', '2026-01-01'));
    const r = await change();
    expect(r).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(!r.ok && r.message).toContain(what);
  });

  it('revokes a grant of a specialization the current rules no longer define, and refuses to grant it anew', async () => {
    await env.store.program.insertSpecialization(grant('p1', 'retired-spec', '2025-01-01'));
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'retired-spec', effective: '2026-01-01', ...who }),
    ).toMatchObject({
      ok: true,
      cancelled: false,
      period: { to: '2025-12-31' },
    });
    expect(
      await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'retired-spec', from: '2026-02-01', to: null, ...who }),
    ).toMatchObject({ ok: false, code: 'UNKNOWN_SPECIALIZATION' });
  });
});

describe('posted quarters a change reaches', () => {
  it('names each once, in quarter order, whatever order the ledger lists its entries in', async () => {
    const posted = (quarter: string, seq: number): LedgerEntry => ({
      id: `e-${quarter}-${seq}`,
      partnerId: 'p1',
      quarter,
      specialization: 'ml-ai',
      currency: 'RUB',
      seq,
      amount: parseMoney('1'),
      kind: 'accrual',
      runId: `run-${quarter}`,
      createdAt: '2026-04-01T03:00:00.000Z',
      actor: 'op',
      note: '',
    });
    env.store.ledger.listEntries = async () => [posted('2026-Q1', 2), posted('2025-Q4', 1), posted('2026-Q1', 1)];
    expect(await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2025-10-01', to: null, ...who })).toMatchObject({
      ok: true,
      postedQuartersAffected: ['2025-Q4', '2026-Q1'],
    });
  });
});
