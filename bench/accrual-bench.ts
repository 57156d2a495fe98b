/**
 * Accrual capacity (issue 7): `npm run bench` (after the ingest benchmark) or
 * `npx tsx bench/accrual-bench.ts [--aggregates N]`. Seeds a SQLite store with N usage aggregates
 * of one quarter (cached in .bench/), then times what the quarterly timer runs for a quarter — the
 * accrual and its guards (a second scan of the quarter) — as a dry run, a post and an unchanged
 * re-post, each in its own plain-node process, checks each one's peak RSS against the 256 MB of a
 * small function (issue 11; exit 2 when missed), and derives how many aggregates one run of the
 * quarterly function handles within its 10-minute limit. The timer posts two quarters per run
 * (the closed one and the one before, R9), so the figure is per quarter with both in one run.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { SCHEMA_VERSION } from '../shared/adapters/sqlite/schema';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, '.bench');
const FUNCTION_LIMIT_SECONDS = 600;
/** Head-room kept for the store's own latency, retries and a cold start. */
const SAFETY = 0.5;
const TARGETS = { peakRssMb: 256 };

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

function runPhase(bundle: string, args: string[]): Record<string, number | string> {
  const child = spawnSync(process.execPath, [bundle, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) throw new Error(`phase ${args[0]} failed (exit ${child.status}): ${last}`);
  return JSON.parse(last) as Record<string, number | string>;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main(): Promise<number> {
  const aggregates = option('--aggregates', 1_000_000);
  mkdirSync(OUT, { recursive: true });
  // One bundle per bench process, so two benches (1M and 10M) can run side by side.
  const bundle = join(OUT, `accrual-phases-${process.pid}.cjs`);
  await build({
    entryPoints: [join(ROOT, 'bench/accrual-phases.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile: bundle,
    logLevel: 'error',
  });
  // Named by schema version: a store seeded by an older schema would be migrated inside the timed run.
  const db = join(OUT, `accrual-${aggregates}-v${SCHEMA_VERSION}.db`);
  if (!existsSync(db)) {
    process.stderr.write(`seeding ${aggregates} usage aggregates into ${db} …\n`);
    const seeded = runPhase(bundle, ['seed', db, String(aggregates)]);
    process.stderr.write(`seeded in ${round(Number(seeded.seconds))} s\n`);
  }
  // Every run starts from the seeded store with an empty ledger: dry run, first post, unchanged re-post.
  // A -wal left by an interrupted run would be replayed onto the fresh copy: remove it first.
  const run = join(OUT, `accrual-${aggregates}.run.db`);
  const runFiles = [run, `${run}-wal`, `${run}-shm`];
  for (const file of runFiles) rmSync(file, { force: true });
  copyFileSync(db, run);
  const dry = runPhase(bundle, ['accrue', run, 'dry-run']);
  const post = runPhase(bundle, ['accrue', run, 'post']);
  const repost = runPhase(bundle, ['accrue', run, 'post']);
  for (const file of [...runFiles, bundle]) rmSync(file, { force: true });
  const slowest = Math.max(Number(dry.seconds), Number(post.seconds), Number(repost.seconds));
  const perSecond = aggregates / slowest;
  // Two quarters per timer run (R9), each a full scan of its quarter.
  const perQuarterInOneRun = Math.floor((perSecond * FUNCTION_LIMIT_SECONDS * SAFETY) / 2);
  const peakRssMb = Math.max(Number(dry.peakRssMb), Number(post.peakRssMb), Number(repost.peakRssMb));
  const pass = { peakRss: peakRssMb <= TARGETS.peakRssMb };
  process.stderr.write(
    [
      `accrual of ${aggregates} usage aggregates (one quarter, SQLite, ${dry.lines} ledger lines; accrual + guards, as the timer runs it)`,
      `dry run           ${round(Number(dry.seconds), 2)} s  (peak RSS ${round(Number(dry.peakRssMb))} MB)`,
      `post              ${round(Number(post.seconds), 2)} s, ${post.entriesAppended} entries appended  (peak RSS ${round(Number(post.peakRssMb))} MB)`,
      `unchanged re-post ${round(Number(repost.seconds), 2)} s, ${repost.entriesAppended} entries appended  (peak RSS ${round(Number(repost.peakRssMb))} MB)`,
      `peak RSS          ${round(peakRssMb)} MB (target ≤ ${TARGETS.peakRssMb} MB: ${pass.peakRss ? 'met' : 'MISSED'})`,
      `capacity          ${Math.round(perSecond).toLocaleString('en-US')} aggregates/s → one 10-minute timer run (two quarters, ${SAFETY * 100}% head-room) handles ≈ ${perQuarterInOneRun.toLocaleString('en-US')} aggregates per quarter`,
      '',
    ].join('\n'),
  );
  process.stdout.write(
    `${JSON.stringify({ aggregates, dryRunSeconds: round(Number(dry.seconds), 3), postSeconds: round(Number(post.seconds), 3), repostSeconds: round(Number(repost.seconds), 3), aggregatesPerSecond: Math.round(perSecond), perQuarterInOneTimerRun: perQuarterInOneRun, peakRssMb: round(peakRssMb), targets: TARGETS, pass })}\n`,
  );
  return Object.values(pass).every(Boolean) ? 0 : 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
