/**
 * `npm start`: the whole flow on one machine, no cloud account. Builds a quarter of daily export
 * files, links subaccounts, grants and revokes specializations, ingests (with a corrected day and
 * a late stale copy), accrues and posts 2026-Q1, shows idempotency and a late correction landing
 * as an adjustment, then prints balances and one statement. Output is deterministic.
 * The story itself is scripts/demo/demo-flow.ts (`npm run portal` loads the same data).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandOutput } from '../cli/output';
import { createSqliteStore } from '../shared/adapters/sqlite/sqlite-store';
import { DEMO_QUARTER, runDemoFlow } from './demo/demo-flow';

const ROOT = '.rebates/demo';

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
  const store = createSqliteStore(join(ROOT, 'rebates.db'));
  try {
    await runDemoFlow(store, ROOT, { say, write: (text) => process.stdout.write(text) }, { operatorTrust: true });
    process.stdout.write(
      `\nStore: ${join(ROOT, 'rebates.db')} — try: REBATES_STORE=sqlite:${join(ROOT, 'rebates.db')} npm run --silent rebates -- statement --partner partner-beta --quarter ${DEMO_QUARTER}\n`,
    );
  } finally {
    await store.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
