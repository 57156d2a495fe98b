/**
 * accrueQuarter case by case on a real SQLite store: a post that would reverse rebates because the
 * rules no longer define their specialization (issue 8) is refused until confirmed, and the refusal
 * names every reversal as the dry run lists it; the guarded post's `--confirm` covers the reversals
 * unless they are explicitly left unconfirmed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accrueQuarter } from '../../../shared/usecases/accrue';
import { accrueWithGuards } from '../../../shared/usecases/accrual-guards';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { grant, link, rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const who = { actor: 'op-1', note: 'q1' };

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  for (const [partner, account] of [
    ['p1', 'acc1'],
    ['p2', 'acc2'],
  ] as const) {
    await env.store.program.insertLink(link(partner, account, '2025-01-01'));
    await env.store.program.insertSpecialization(grant(partner, 'ml-ai', '2025-01-01'));
  }
  await ingestExport(
    env.deps,
    csvObject(
      'd.csv',
      csv([
        ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000],
        ['acc2', SPEECHSENSE, '2026-02-10', '40', '0', 1000],
      ]),
    ),
  );
  expect(await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who })).toMatchObject({ ok: true, entriesAppended: 2 });
  // The next rules file drops ml-ai: both posted rebates would be reversed.
  env.deps.rules = {
    rules: rulesWith({ specializations: { 'data-platform': { rate: '0.05', services: [] } } }),
    source: 'next',
    digest: 'next',
  };
});
afterEach(() => env.cleanup());

describe('a post that reverses rebates of a dropped specialization', () => {
  it('is refused without --confirm, naming each reversal on its own line as the dry run lists them', async () => {
    const preview = await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: true, ...who });
    const refused = await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who });

    const p1 =
      'p1 ml-ai RUB: the rules in force for 2026-Q1 no longer define ml-ai; posting reverses the 10.00 already posted (delta -10.00)';
    const p2 =
      'p2 ml-ai RUB: the rules in force for 2026-Q1 no longer define ml-ai; posting reverses the 4.00 already posted (delta -4.00)';
    expect(preview.ok && preview.reversals.map((w) => w.message)).toEqual([p1, p2]);
    expect(refused).toEqual({
      ok: false,
      code: 'CONFIRMATION_REQUIRED',
      message: `posting 2026-Q1 would reverse rebates whose specialization the rules no longer define:\n  ${p1}\n  ${p2}\nif that is intended, post again with --confirm (the dry run shows the same list)`,
    });
    expect(await env.store.ledger.listEntries({ quarter: '2026-Q1' })).toHaveLength(2);
  });

  it('posts both reversals when confirmed', async () => {
    const posted = await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, confirm: true, ...who });
    expect(posted).toMatchObject({ ok: true, entriesAppended: 2 });
    expect(posted.ok && posted.reversals.map((w) => [w.partnerId, w.delta])).toEqual([
      ['p1', -10_000_000_000n],
      ['p2', -4_000_000_000n],
    ]);
  });
});

describe('the guarded post (the CLI and the operator function) and its reversal confirmation', () => {
  it('takes --confirm as confirming the reversals too when nothing is said about them', async () => {
    const posted = await accrueWithGuards(env.deps, { quarter: '2026-Q1', dryRun: false, confirm: true, ...who });
    expect(posted).toMatchObject({ ok: true, entriesAppended: 2 });
    expect(await env.store.ledger.listEntries({ quarter: '2026-Q1' })).toHaveLength(4);
  });

  it('still refuses the reversals when they are explicitly not confirmed, whatever --confirm says', async () => {
    const refused = await accrueWithGuards(env.deps, { quarter: '2026-Q1', dryRun: false, confirm: true, confirmReversals: false, ...who });
    expect(refused).toMatchObject({ ok: false, code: 'CONFIRMATION_REQUIRED' });
    expect(await env.store.ledger.listEntries({ quarter: '2026-Q1' })).toHaveLength(2);
  });
});
