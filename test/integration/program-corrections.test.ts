/**
 * Corrections of the program and guarded postings (issue 8, classes 6, 7, 8, 9): use cases on a
 * real SQLite file with a fixed clock (2026-04-01, so 2026-Q1 can be posted).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMoney } from '../../shared/domain/money';
import { ingestExport } from '../../shared/usecases/ingest-export';
import { accrueQuarter } from '../../shared/usecases/accrue';
import { grantSpecialization, linkSubaccount, revokeSpecialization, unlinkSubaccount } from '../../shared/usecases/program';
import { partnerBalance } from '../../shared/usecases/statement';
import { COMPUTE, SPEECHSENSE, rulesWith } from '../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../support/temp-store';

const who = { actor: 'op-1', note: 'setup' };
let env: TestEnv;
beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(async () => env.cleanup());

async function posted(quarter = '2026-Q1', extra: { dryRun?: boolean; confirm?: boolean } = {}) {
  return accrueQuarter(env.deps, { quarter, dryRun: extra.dryRun ?? false, ...(extra.confirm ? { confirm: true } : {}), ...who });
}

describe('cancelling and ending earlier (class 8)', () => {
  it('cancels a mistaken link on its first day: audited, never in force, and the posted quarter it reaches is named', async () => {
    await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2026-01-01', to: null, ...who });
    await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2026-01-01', to: null, ...who });
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000]])));
    expect((await posted()).ok).toBe(true);

    const cancel = await unlinkSubaccount(env.deps, {
      partnerId: 'p1',
      subaccountId: 'acc1',
      effective: '2026-01-01',
      actor: 'op-2',
      note: 'wrong partner',
    });

    expect(cancel).toMatchObject({
      ok: true,
      cancelled: true,
      postedQuartersAffected: ['2026-Q1'],
      link: { from: '2026-01-01', to: '2025-12-31', ended: { actor: 'op-2', note: 'wrong partner' } },
    });
    const repost = await posted();
    if (!repost.ok) throw new Error(repost.message);
    expect(repost.accruals.map((a) => formatMoney(a.delta))).toEqual(['-10.00']);
    // The cancelled link no longer blocks a correct one for the same days (R3).
    expect((await linkSubaccount(env.deps, { partnerId: 'p2', subaccountId: 'acc1', from: '2026-01-01', to: null, ...who })).ok).toBe(true);
  });

  it('ends an ended grant earlier and keeps the first end in the audit note', async () => {
    await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2026-01-01', to: null, ...who });
    await revokeSpecialization(env.deps, {
      partnerId: 'p1',
      specialization: 'ml-ai',
      effective: '2026-03-01',
      actor: 'op-a',
      note: 'lapsed',
    });

    const earlier = await revokeSpecialization(env.deps, {
      partnerId: 'p1',
      specialization: 'ml-ai',
      effective: '2026-02-01',
      actor: 'op-b',
      note: 'lapsed in January',
    });

    expect(earlier).toMatchObject({ ok: true, cancelled: false, period: { to: '2026-01-31', ended: { actor: 'op-b' } } });
    if (!earlier.ok) return;
    expect(earlier.period.ended!.note).toMatch(/^lapsed in January \[replaces the end on 2026-02-28 by op-a at .*: lapsed\]$/);
  });

  it('says a period already ends before the effective day instead of claiming it is not in force', async () => {
    await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2026-01-01', to: '2026-01-31', ...who });
    const later = await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', effective: '2026-03-01', ...who });
    expect(later).toMatchObject({
      ok: false,
      code: 'ALREADY_ENDED',
      message: expect.stringMatching(/already ends on 2026-01-31 .*effective day up to 2026-01-31/),
    });
  });

  it('says an unknown specialization is unknown when revoking it', async () => {
    expect(
      await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'quantum', effective: '2026-03-01', ...who }),
    ).toMatchObject({
      ok: false,
      code: 'UNKNOWN_SPECIALIZATION',
      message: expect.stringMatching(/unknown specialization "quantum"/),
    });
  });
});

describe('input checked at the use case, for the CLI and every function (classes 6, 7)', () => {
  it.each([
    [{ partnerId: 'p1\nerror: forged' }, /partner id contains a control/],
    [{ partnerId: ' p1' }, /partner id has leading or trailing spaces/],
    [{ subaccountId: '' }, /subaccount .* is empty/],
    [{ from: '9999-12-31' }, /outside the supported range/],
    [{ actor: '' }, /actor is empty/],
    [{ actor: ' ' }, /actor is blank/],
  ])('refuses a link with %j', async (override, why) => {
    const result = await linkSubaccount(env.deps, {
      partnerId: 'p1',
      subaccountId: 'acc1',
      from: '2026-01-01',
      to: null,
      ...who,
      ...override,
    });
    expect(result).toMatchObject({ ok: false, code: 'INVALID_INPUT', message: expect.stringMatching(why) });
    expect(await env.store.program.listLinks()).toEqual([]);
  });

  it.each(['0000-Q1', '0099-Q4', '9999-Q4'])('refuses to accrue %s with a reason instead of a RangeError', async (quarter) => {
    expect(await posted(quarter, { dryRun: true })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/supported years/),
    });
  });
});

describe('guarded postings (classes 6, 9)', () => {
  it('refuses in the dry run the amount beyond Decimal(22,9) that the post would refuse', async () => {
    await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2026-01-01', to: null, ...who });
    await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'infrastructure-devops', from: '2026-01-01', to: null, ...who });
    // 40 days of the largest cost a cell holds: each day fits, the quarter's rebate does not.
    for (let d = 1; d <= 40; d++) {
      const day = `2026-${d <= 31 ? '01' : '02'}-${String(d <= 31 ? d : d - 31).padStart(2, '0')}`;
      await ingestExport(env.deps, csvObject(`${day}.csv`, csv([['acc1', COMPUTE, day, '9999999999999', '0', 1000]])));
    }
    const preview = await posted('2026-Q1', { dryRun: true });
    const post = await posted();
    expect(preview).toMatchObject({ ok: false, code: 'OUT_OF_RANGE', message: expect.stringMatching(/does not fit Decimal\(22,9\)/) });
    expect(post).toEqual(preview);
    expect(await env.store.ledger.listEntries()).toEqual([]);
  });

  it('warns in the dry run and refuses the post without --confirm when the rules drop a held specialization', async () => {
    await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2026-01-01', to: null, ...who });
    await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2026-01-01', to: null, ...who });
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000]])));
    expect((await posted()).ok).toBe(true);
    // A new rules file without ml-ai.
    env.deps.rules = {
      rules: rulesWith({ specializations: { 'data-platform': { rate: '0.05', services: [] } } }),
      source: 'next.json',
      digest: 'next',
    };

    const preview = await posted('2026-Q1', { dryRun: true });
    const refused = await posted();
    const entriesBefore = (await env.store.ledger.listEntries()).length;
    const confirmed = await posted('2026-Q1', { confirm: true });

    expect(preview).toMatchObject({
      ok: true,
      reversals: [
        {
          partnerId: 'p1',
          specialization: 'ml-ai',
          message: expect.stringMatching(/no longer define ml-ai; posting reverses the 10.00 already posted/),
        },
      ],
    });
    expect(refused).toMatchObject({ ok: false, code: 'CONFIRMATION_REQUIRED', message: expect.stringMatching(/--confirm/) });
    expect(entriesBefore).toBe(1);
    expect(confirmed).toMatchObject({ ok: true, entriesAppended: 1 });
    // The balance stays a plain sum: 10.00 − 10.00.
    expect((await partnerBalance(env.deps, 'p1')).balances).toEqual([{ currency: 'RUB', amount: 0n }]);
  });
});
