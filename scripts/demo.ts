/**
 * `npm start`: the whole flow on one machine, no cloud account. Builds a quarter of daily export
 * files, links subaccounts, grants and revokes specializations, ingests (with a corrected day and
 * a late stale copy), accrues and posts 2026-Q1, shows idempotency and a late correction landing
 * as an adjustment, then prints balances and one statement. Output is deterministic.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandOutput } from '../cli/output';
import { runCli } from '../cli/run-cli';
import type { ActionDeps } from '../shared/actions/deps';
import { createSqliteStore } from '../shared/adapters/sqlite/sqlite-store';
import { loadRules } from '../shared/app/rules-file';
import { createLogger } from '../shared/runtime/logger';
import { dayExport, fileName, SUBACCOUNTS, writeQuarterExports } from './demo/sample-exports';

const ROOT = '.rebates/demo';
const EXPORTS = join(ROOT, 'exports', 'partner');
const QUARTER = '2026-Q1';

function say(title: string, output?: CommandOutput): void {
  process.stdout.write(`\n== ${title}\n`);
  if (!output) return;
  if (output.text) process.stdout.write(`${output.text}\n`);
  for (const e of output.errors) process.stdout.write(`${e}\n`);
  if (output.exitCode !== 0 && !title.includes('rejected')) throw new Error(`demo step failed: ${title}`);
}

async function main(): Promise<void> {
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(ROOT, { recursive: true });
  const files = writeQuarterExports(EXPORTS, QUARTER);

  let now = new Date('2026-04-01T03:00:00Z');
  let counter = 0;
  const store = createSqliteStore(join(ROOT, 'rebates.db'));
  const deps: ActionDeps = {
    store,
    rules: loadRules(),
    clock: () => now,
    newId: () => `demo-${String(++counter).padStart(4, '0')}`,
    logger: createLogger({ level: 'error', write: () => {} }),
    localFiles: true,
    migrate: async () => ({ store: 'sqlite', target: join(ROOT, 'rebates.db'), created: [], existing: [] }),
  };
  /** The operator CLI, in process, on the demo's store and clock. */
  const cli = (...argv: string[]) => runCli(argv, async () => deps);
  const who = ['--actor', 'demo-operator', '--note', 'demo'];

  try {
    say(`Sample: ${files.length} daily export files for ${QUARTER} in ${EXPORTS} (${SUBACCOUNTS.length} subaccounts, RUB/USD/KZT)`);

    say('Link subaccounts to partners (R3)');
    const links: [string, number, string][] = [['partner-alpha', 0, '2025-10-01'], ['partner-alpha', 1, '2025-10-01'], ['partner-beta', 2, '2026-01-15'], ['partner-beta', 3, '2025-07-01'], ['partner-gamma', 4, '2025-01-01']];
    for (const [partner, i, from] of links) {
      process.stdout.write(`${(await cli('partner', 'link', '--partner', partner, '--subaccount', SUBACCOUNTS[i]!.id, '--from', from, ...who)).text}\n`);
    }

    say('Grant specializations (R5) — partner-beta gets data-platform mid-quarter');
    const grants: [string, string, string][] = [
      ['partner-alpha', 'infrastructure-devops', '2025-01-01'], ['partner-alpha', 'ml-ai', '2025-06-01'],
      ['partner-beta', 'ml-ai', '2025-01-01'], ['partner-beta', 'data-platform', '2026-02-15'],
      ['partner-gamma', 'ml-ai', '2025-01-01'], ['partner-gamma', 'infrastructure-devops', '2025-01-01'],
    ];
    for (const [partner, spec, from] of grants) {
      process.stdout.write(`${(await cli('specialization', 'grant', '--partner', partner, '--specialization', spec, '--from', from, ...who)).text}\n`);
    }
    say('Revoke partner-gamma ml-ai effective 2026-03-01 (last active day 2026-02-28)', await cli('specialization', 'revoke', '--partner', 'partner-gamma', '--specialization', 'ml-ai', '--effective', '2026-03-01', ...who));

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
    say('Billing corrects 2026-02-10 (newer updated_at): the account-days are replaced (I1)', await cli('ingest', join(EXPORTS, fileName('2026-02-10'))));
    say('An older copy of 2026-02-10 arrives late: skipped as stale, nothing rolls back (I1)', await cli('ingest', join(backup, fileName('2026-02-10'))));
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
    say('Retroactive revocation: partner-beta loses data-platform effective 2026-03-16 (already posted)', await cli('specialization', 'revoke', '--partner', 'partner-beta', '--specialization', 'data-platform', '--effective', '2026-03-16', ...who));
    say(`Re-post ${QUARTER}: the correction and the revocation land as adjustments (R7, R9)`, await cli('accrue', '--quarter', QUARTER, '--actor', 'timer', '--note', 'quarterly re-post'));

    for (const partner of ['partner-alpha', 'partner-beta', 'partner-gamma']) {
      say(`Balance: ${partner} (R8)`, await cli('balance', '--partner', partner));
    }
    say('Statement: partner-gamma, 2026-Q1 (R11)', await cli('statement', '--partner', 'partner-gamma', '--quarter', QUARTER));
    process.stdout.write(`\nStore: ${join(ROOT, 'rebates.db')} — try: REBATES_STORE=sqlite:${join(ROOT, 'rebates.db')} npm run --silent rebates -- statement --partner partner-beta --quarter ${QUARTER}\n`);
  } finally {
    await store.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
