/**
 * `npm run rebates -- <command>`: runs the operator CLI from its esbuild bundle
 * (dist/cli/rebates.cjs — CommonJS, Node 20; better-sqlite3 and the cloud SDKs left to node_modules), building it
 * first when it is missing or older than any source it is built from. Plain JavaScript, so the
 * CLI starts without a TypeScript loader; `npx tsx cli/main.ts` still runs the sources directly.
 *
 * `node scripts/rebates.mjs --build-only` only (re)builds, unconditionally, and prints the bundle's path.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import vm from 'node:vm';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = join(ROOT, 'dist/cli/rebates.cjs');
/** What the bundle is built from: its sources, the shipped rules, the dependency versions, this file. */
const INPUTS = ['cli', 'shared', 'rules', 'package-lock.json', 'scripts/rebates.mjs'];
/** The cloud SDKs the CLI loads on demand from node_modules (see the build below). */
const RUNTIME_SDKS = [
  '@aws-sdk/*',
  '@smithy/*',
  '@yandex-cloud/nodejs-sdk',
  '@yandex-cloud/nodejs-sdk/*',
  '@grpc/grpc-js',
  'ydb-sdk',
  'ydb-sdk-proto',
];

/** The newest modification time under `path` (a file or a directory tree), in ms. */
function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function isStale(bundle) {
  const built = statSync(bundle, { throwIfNoEntry: false });
  return (
    !built ||
    !statSync(join(dirname(bundle), 'parse-worker.cjs'), { throwIfNoEntry: false }) ||
    INPUTS.some((input) => newestMtime(join(ROOT, input)) > built.mtimeMs)
  );
}

/** One CommonJS bundle for Node 20, built into a temporary file and renamed, so concurrent runs never see half a file. */
async function buildInto(outfile, entry, options = {}) {
  const { build } = await import('esbuild');
  const partial = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    ...options,
  });
  renameSync(partial, outfile);
}

/** Builds the CLI bundle, and beside it the parse worker it starts for large files (shared/ingest/parse-worker.ts). */
export async function buildCliBundle(outfile = BUNDLE) {
  mkdirSync(dirname(outfile), { recursive: true });
  await buildInto(join(dirname(outfile), 'parse-worker.cjs'), 'shared/ingest/parse-worker-entry.ts');
  await buildInto(outfile, 'cli/main.ts', {
    // The native SQLite module and the cloud SDKs resolve from node_modules at run time (all are
    // runtime dependencies): only the commands that talk to Object Storage, the Billing API or
    // YDB load an SDK, so every other command starts without parsing 3.7 MB of SDK code —
    // measured: `--help` in 0.09 s and 59 MB instead of 0.17 s and 92 MB, which is memory a large
    // ingest keeps. The function bundles (scripts/build.ts) stay self-contained.
    external: ['better-sqlite3', ...RUNTIME_SDKS],
  });
  return outfile;
}

const args = process.argv.slice(2);
if (args[0] === '--build-only') {
  console.log(await buildCliBundle());
} else {
  if (isStale(BUNDLE)) await buildCliBundle();
  runWithCodeCache(BUNDLE);
}

/**
 * Runs the bundle as a CommonJS module, with V8's compiled code kept beside it: compiling the
 * bundle is most of a cold start, and a code cache makes the next start skip it. The cache is
 * written after the run (so it holds the functions that ran) and ignored when the bundle changed.
 */
function runWithCodeCache(bundle) {
  const cacheFile = `${bundle}.v8-cache`;
  const source = readFileSync(bundle, 'utf8');
  const cacheStat = statSync(cacheFile, { throwIfNoEntry: false });
  const cachedData = cacheStat && cacheStat.mtimeMs >= statSync(bundle).mtimeMs ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(source), {
    filename: bundle,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const partial = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // A read-only checkout only loses the speed-up.
      }
    });
  }
  const module = new Module(bundle);
  module.filename = bundle;
  module.paths = Module._nodeModulePaths(dirname(bundle));
  // The bundle reads process.argv.slice(2) — the same arguments, as if it were the script.
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}
