/**
 * The demo's story as one function, so that `npm start` prints it and `npm run portal` can load
 * the same data into its store: sample exports for 2026-Q1 written under `root`, links, grants,
 * ingests (a corrected day, a stale copy, a malformed file), postings and adjustments.
 * Deterministic: its own clock and ids.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandOutput } from '../../cli/output';
import { runCli } from '../../cli/run-cli';
import type { ActionDeps } from '../../shared/actions/deps';
import { loadRules } from '../../shared/runtime/rules-file';
import type { Store } from '../../shared/ports/store';
import { createLogger } from '../../shared/runtime/logger';
import { runOperatorTrustSteps } from './operator-trust-flow';
import { dayExport, fileName, SUBACCOUNTS, writeQuarterExports } from './sample-exports';

export const DEMO_QUARTER = '2026-Q1';
const QUARTER = DEMO_QUARTER;

export interface DemoOutput {
  /** A titled step, with the command output it produced (a failed step throws unless its title says "rejected"). */
  say(title: string, output?: CommandOutput): void;
  /** A line of plain text. */
  write(text: string): void;
}

/** A DemoOutput that prints nothing but still stops on a failed step. */
export const QUIET_DEMO: DemoOutput = {
  say(title, output) {
    if (output && output.exitCode !== 0 && !title.includes('rejected'))
      throw new Error(`demo step failed: ${title}: ${output.errors.join('; ')}`);
  },
  write() {},
};

export async function runDemoFlow(store: Store, root: string, out: DemoOutput, options: { operatorTrust?: boolean } = {}): Promise<void> {
  const { say } = out;
  const EXPORTS = join(root, 'exports', 'partner');
  const ROOT = root;
  const files = writeQuarterExports(EXPORTS, QUARTER);

  let now = new Date('2026-04-01T03:00:00Z');
  let counter = 0;
  const deps: ActionDeps = {
    store,
    rules: loadRules(),
    clock: () => now,
    newId: () => `demo-${String(++counter).padStart(4, '0')}`,
    logger: createLogger({ level: 'error', write: () => {} }),
    localFiles: true,
    migrate: async () => ({ store: 'sqlite', target: root, created: [], existing: [] }),
  };
  /** The operator CLI, in process, on the demo's store and clock. */
  const cli = (...argv: string[]) => runCli(argv, async () => deps);
  const who = ['--actor', 'demo-operator', '--note', 'demo'];

  say(`Sample: ${files.length} daily export files for ${QUARTER} in ${EXPORTS} (${SUBACCOUNTS.length} subaccounts, RUB/USD/KZT)`);

  say('Link subaccounts to partners (R3)');
  const links: [string, number, string][] = [
    ['partner-alpha', 0, '2025-10-01'],
    ['partner-alpha', 1, '2025-10-01'],
    ['partner-beta', 2, '2026-01-15'],
    ['partner-beta', 3, '2025-07-01'],
    ['partner-gamma', 4, '2025-01-01'],
  ];
  for (const [partner, i, from] of links) {
    out.write(`${(await cli('partner', 'link', '--partner', partner, '--subaccount', SUBACCOUNTS[i]!.id, '--from', from, ...who)).text}\n`);
  }

  say('Grant specializations (R5) — partner-beta gets data-platform mid-quarter');
  const grants: [string, string, string][] = [
    ['partner-alpha', 'infrastructure-devops', '2025-01-01'],
    ['partner-alpha', 'ml-ai', '2025-06-01'],
    ['partner-beta', 'ml-ai', '2025-01-01'],
    ['partner-beta', 'data-platform', '2026-02-15'],
    ['partner-gamma', 'ml-ai', '2025-01-01'],
    ['partner-gamma', 'infrastructure-devops', '2025-01-01'],
  ];
  for (const [partner, spec, from] of grants) {
    out.write(`${(await cli('specialization', 'grant', '--partner', partner, '--specialization', spec, '--from', from, ...who)).text}\n`);
  }
  say(
    'Revoke partner-gamma ml-ai effective 2026-03-01 (last active day 2026-02-28)',
    await cli('specialization', 'revoke', '--partner', 'partner-gamma', '--specialization', 'ml-ai', '--effective', '2026-03-01', ...who),
  );

  const ingestSummary = async (title: string, args: string[]) => {
    const out = await cli('ingest', ...args);
    say(title, { ...out, text: out.text.split('\n').slice(-1)[0]! });
  };
  await ingestSummary(`Ingest ${EXPORTS}`, [EXPORTS]);

  // Billing rewrites 2026-02-10 with corrected amounts; the previous copy survives elsewhere.
  const backup = join(ROOT, 'exports', 'backup');
  mkdirSync(backup, { recursive: true });
  copyFileSync(join(EXPORTS, fileName('2026-02-10')), join(backup, fileName('2026-02-10')));
  writeFileSync(join(EXPORTS, fileName('2026-02-10')), dayExport('2026-02-10', 1));
  say(
    'Billing corrects 2026-02-10 (newer updated_at): the account-days are replaced (I1)',
    await cli('ingest', join(EXPORTS, fileName('2026-02-10'))),
  );
  say(
    'An older copy of 2026-02-10 arrives late: skipped as stale, nothing rolls back (I1)',
    await cli('ingest', join(backup, fileName('2026-02-10'))),
  );
  await ingestSummary('Re-ingesting the whole directory: same versions, same data, accruals unchanged (I1)', [EXPORTS]);
  const malformed = join(ROOT, 'exports', 'malformed.csv');
  writeFileSync(malformed, dayExport('2026-03-03').replace(/,RUB,/, ',EUR,'));
  say('A malformed file is rejected whole, with line numbers (I2) — the demo expects this rejected', await cli('ingest', malformed));

  say(`Preview ${QUARTER} (dry run, R10)`, await cli('accrue', '--quarter', QUARTER, '--dry-run', ...who));
  say(`Post ${QUARTER} (R6, R7)`, await cli('accrue', '--quarter', QUARTER, ...who));
  say(`Post ${QUARTER} again: unchanged inputs append nothing (R7)`, await cli('accrue', '--quarter', QUARTER, ...who));

  now = new Date('2026-04-20T03:00:00Z');
  writeFileSync(join(EXPORTS, fileName('2026-03-15')), dayExport('2026-03-15', 2));
  say('Late correction of 2026-03-15 arrives after posting (R9)', await cli('ingest', join(EXPORTS, fileName('2026-03-15'))));
  say(
    'Retroactive revocation: partner-beta loses data-platform effective 2026-03-16 (already posted)',
    await cli(
      'specialization',
      'revoke',
      '--partner',
      'partner-beta',
      '--specialization',
      'data-platform',
      '--effective',
      '2026-03-16',
      ...who,
    ),
  );
  // Issue 12: the revocation moves a posted amount by more than 10% — an operator's post stops until confirmed.
  say(
    `Re-post ${QUARTER} without --confirm: LARGE_ADJUSTMENT stops it, nothing written — the demo expects this rejected`,
    await cli('accrue', '--quarter', QUARTER, '--actor', 'timer', '--note', 'quarterly re-post'),
  );
  say(
    `Re-post ${QUARTER}: the correction and the revocation land as adjustments (R7, R9)`,
    await cli('accrue', '--quarter', QUARTER, '--actor', 'timer', '--note', 'quarterly re-post', '--confirm'),
  );

  for (const partner of ['partner-alpha', 'partner-beta', 'partner-gamma']) {
    say(`Balance: ${partner} (R8)`, await cli('balance', '--partner', partner));
  }
  say('Statement: partner-gamma, 2026-Q1 (R11)', await cli('statement', '--partner', 'partner-gamma', '--quarter', QUARTER));
  if (options.operatorTrust) await runOperatorTrustSteps({ cli, out, root: ROOT, who, deps });
}
