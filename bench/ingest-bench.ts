/**
 * Ingest benchmark (issue 3): `npm run bench [-- --rows N]`.
 *
 * Generates a realistic export into .bench/ (cached per row count), then measures in this run:
 * the raw read floor, parse + validate + aggregate throughput, the full ingest into SQLite, and
 * each phase's peak RSS. Every phase runs in its own child process, from an esbuild bundle run by
 * plain node — the way the functions run — so no phase's memory (or tsx's loader) counts against
 * another. Money is checked against the generator's independent totals; any mismatch exits 1.
 * A missed target exits 2. The last line of output is one JSON object with every figure.
 *
 * It also prints the estimated serverless-YDB request units of ingesting the same export, of
 * ingesting it again (the hourly rewrite) and of accruing its quarter, measured on the YDB
 * protocol fake (`bench/ydb-ru.ts`, run by tsx: the fake lives with the tests, not in a bundle).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { GENERATOR_VERSION } from './export-generator';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, '.bench');
const TARGETS = { parseMbPerSecond: 100, ingestSecondsPer1MRows: 6, peakRssMb: 200 };

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

async function bundlePhases(): Promise<string> {
  const outfile = join(OUT, 'ingest-phases.cjs');
  await build({
    entryPoints: [join(ROOT, 'bench/ingest-phases.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

function runPhase(bundle: string, args: string[]): Record<string, unknown> {
  const child = spawnSync(process.execPath, [bundle, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) throw new Error(`phase ${args[0]} failed (exit ${child.status}): ${last}`);
  return JSON.parse(last) as Record<string, unknown>;
}

/** The YDB request-unit estimate (bench/ydb-ru.ts), in its own tsx process. */
function runYdbRu(file: string): Record<string, Record<string, number | string>> {
  const tsx = join(ROOT, 'node_modules/.bin/tsx');
  const child = spawnSync(tsx, [join(ROOT, 'bench/ydb-ru.ts'), file], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const last = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !last.startsWith('{')) throw new Error(`YDB RU estimate failed (exit ${child.status}): ${last}`);
  return JSON.parse(last) as Record<string, Record<string, number | string>>;
}

const mb = (bytes: number) => bytes / 1e6;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main(): Promise<number> {
  const rows = option('--rows', 1_000_000);
  mkdirSync(OUT, { recursive: true });
  const bundle = await bundlePhases();
  const file = join(OUT, `export-${rows}.csv`);
  const metaFile = `${file}.meta.json`;
  const cached =
    existsSync(file) &&
    existsSync(metaFile) &&
    (JSON.parse(readFileSync(metaFile, 'utf8')) as { generatorVersion: number }).generatorVersion === GENERATOR_VERSION;
  if (!cached) {
    process.stderr.write(`generating ${rows} rows into ${file} …\n`);
    const generated = runPhase(bundle, ['generate', file, String(rows)]);
    process.stderr.write(`generated ${round(mb(generated.bytes as number))} MB in ${round(generated.seconds as number)} s\n`);
  }
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { bytes: number; groups: number; accountDays: number };

  const read = runPhase(bundle, ['read', file]);
  const parse = runPhase(bundle, ['parse', file]);
  const ingest = runPhase(bundle, ['ingest', file, join(OUT, `ingest-${rows}.db`)]);
  const ydb = runYdbRu(file);
  const ru = (phase: string) => Number(ydb[phase]?.['ru'] ?? Number.NaN);

  const bytes = meta.bytes;
  const readMbps = mb(bytes) / (read.seconds as number);
  const parseMbps = mb(bytes) / (parse.seconds as number);
  const parseCpuMbps = mb(bytes) / (parse.cpuSeconds as number);
  const ingestTarget = (TARGETS.ingestSecondsPer1MRows * rows) / 1_000_000;
  const peakRss = Math.max(read.peakRssMb as number, parse.peakRssMb as number, ingest.peakRssMb as number);
  const exact = parse.ok === true && parse.mismatches === 0 && ingest.mismatches === 0 && ingest.status === 'applied';
  const pass = {
    exact,
    parse: parseMbps >= TARGETS.parseMbPerSecond,
    ingest: (ingest.seconds as number) <= ingestTarget,
    peakRss: peakRss <= TARGETS.peakRssMb,
  };

  process.stderr.write(
    [
      `rows ${rows}, ${round(mb(bytes))} MB, ${meta.accountDays} account-days, ${meta.groups} groups`,
      `read floor        ${round(readMbps)} MB/s  (peak RSS ${round(read.peakRssMb as number)} MB)`,
      `parse+aggregate   ${round(parseMbps)} MB/s wall, ${round(parseCpuMbps)} MB/s of CPU time  (peak RSS ${round(parse.peakRssMb as number)} MB)`,
      `full ingest       ${round(ingest.seconds as number, 2)} s into SQLite, re-ingest ${round(ingest.reingestSeconds as number, 2)} s  (peak RSS ${round(ingest.peakRssMb as number)} MB)`,
      `exact             parser ${parse.mismatches} / store ${ingest.mismatches} mismatching groups${exact ? '' : ` ${JSON.stringify([parse.examples, ingest.examples, parse.problems, ingest.reason])}`}`,
      `YDB estimate      ${ydb['aggregates']} aggregates, ${ydb['accountDays']} account-days (protocol fake, serverless pricing: docs/ydb.md)`,
      `  ingest          ${ru('ingest')} RU  (${ydb['ingest']?.['rowsWritten']} rows written, ${ydb['ingest']?.['rowsRead']} read, ${ydb['ingest']?.['kbRows']} BulkUpsert KB-rows)`,
      `  ingest again    ${ru('reingest')} RU  (the hourly rewrite: ${ydb['reingest']?.['rowsDeleted']} rows deleted, ${ydb['reingest']?.['rowsRead']} read)`,
      `  accrue ${ydb['quarter']}  ${ru('accrue')} RU  (${ydb['accrue']?.['rowsRead']} rows read, ${ydb['accrue']?.['entriesAppended']} ledger entries posted)`,
      `  largest transaction locked ${ydb['maxTxKeys']} keys (limit 50,000)`,
      '',
    ].join('\n'),
  );
  const report = {
    rows,
    bytes,
    accountDays: meta.accountDays,
    groups: meta.groups,
    runner: `node ${process.version} (esbuild bundle, one process per phase)`,
    readFloorMbPerSecond: round(readMbps),
    parseMbPerSecond: round(parseMbps),
    parseCpuMbPerSecond: round(parseCpuMbps),
    parseSeconds: round(parse.seconds as number, 3),
    ingestSeconds: round(ingest.seconds as number, 3),
    reingestSeconds: round(ingest.reingestSeconds as number, 3),
    peakRssMb: {
      read: round(read.peakRssMb as number),
      parse: round(parse.peakRssMb as number),
      ingest: round(ingest.peakRssMb as number),
    },
    mismatches: { parser: parse.mismatches, store: ingest.mismatches },
    ydbEstimatedRu: {
      ingest: ru('ingest'),
      reingest: ru('reingest'),
      accrue: ru('accrue'),
      aggregates: ydb['aggregates'],
      accountDays: ydb['accountDays'],
      maxTxKeys: ydb['maxTxKeys'],
    },
    targets: { parseMbPerSecond: TARGETS.parseMbPerSecond, ingestSeconds: ingestTarget, peakRssMb: TARGETS.peakRssMb },
    pass,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  if (!exact) return 1;
  return Object.values(pass).every(Boolean) ? 0 : 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
