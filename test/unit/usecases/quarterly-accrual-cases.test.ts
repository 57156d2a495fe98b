/**
 * The quarterly run's confirmations (issue 12, issue 8): without an operator, the timer confirms a
 * large adjustment for itself and posts it, but never a reversal caused by a rules change — that
 * quarter fails with CONFIRMATION_REQUIRED until confirmReversals is given.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../shared/runtime/logger';
import { accrueQuarter } from '../../../shared/usecases/accrue';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { runQuarterlyAccrual } from '../../../shared/usecases/quarterly-accrual';
import { grant, link, rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => quiet };
const timer = { dryRun: false, actor: 'timer', note: '' };

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  await env.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('p1', 'ml-ai', '2025-01-01'));
  await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000]])));
  expect(await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, actor: 'op', note: '' })).toMatchObject({ ok: true });
});
afterEach(() => env.cleanup());

describe('the quarterly run’s confirmations', () => {
  it('posts a large adjustment without confirm, reporting it as a warning', async () => {
    // A correction ten times the posted usage: the 10.00 posted moves by 90.00.
    await ingestExport(env.deps, csvObject('fix.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '1000', '0', 2000]])));
    const summary = await runQuarterlyAccrual({ ...env.deps, logger: quiet }, { quarter: '2026-Q1', ...timer });

    expect(summary.ok).toBe(true);
    expect(summary.quarters).toEqual([
      expect.objectContaining({ error: null, entriesAppended: 1, deltas: [{ currency: 'RUB', amount: '90.00' }] }),
    ]);
    expect(summary.quarters[0]!.warnings.map((w) => w.code)).toContain('LARGE_ADJUSTMENT');
  });

  it('stops at a large adjustment when confirm is false', async () => {
    await ingestExport(env.deps, csvObject('fix.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '1000', '0', 2000]])));
    const summary = await runQuarterlyAccrual({ ...env.deps, logger: quiet }, { quarter: '2026-Q1', ...timer, confirm: false });
    expect(summary.quarters.map((q) => [q.error?.code, q.entriesAppended])).toEqual([['CONFIRMATION_REQUIRED', 0]]);
  });

  describe('when the rules no longer define a posted specialization', () => {
    beforeEach(() => {
      env.deps.rules = {
        rules: rulesWith({ specializations: { 'data-platform': { rate: '0.05', services: [] } } }),
        source: 'next',
        digest: 'next',
      };
    });

    it('fails that quarter with CONFIRMATION_REQUIRED instead of reversing it, even though it confirms the rest', async () => {
      const summary = await runQuarterlyAccrual({ ...env.deps, logger: quiet }, { quarter: '2026-Q1', ...timer });
      expect(summary.ok).toBe(false);
      expect(summary.quarters.map((q) => [q.error?.code, q.entriesAppended])).toEqual([['CONFIRMATION_REQUIRED', 0]]);
      expect(await env.store.ledger.listEntries({ quarter: '2026-Q1' })).toHaveLength(1);
    });

    it('posts the reversal when confirmReversals is given', async () => {
      const summary = await runQuarterlyAccrual({ ...env.deps, logger: quiet }, { quarter: '2026-Q1', ...timer, confirmReversals: true });
      expect(summary.ok).toBe(true);
      expect(summary.quarters).toEqual([
        expect.objectContaining({ error: null, entriesAppended: 1, deltas: [{ currency: 'RUB', amount: '-10.00' }] }),
      ]);
    });
  });
});
