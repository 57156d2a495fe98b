/**
 * `npm run build`: one esbuild bundle per function (§7) — CommonJS, platform node, target node22,
 * exporting `handler` — written to dist/functions/<name>/index.js, plus a zip per function for
 * Terraform (dist/functions/<name>.zip) and a manifest with each zip's sha256 (`user_hash`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { readPageFiles } from '../shared/portal/page-assets';
import { zipSingleFile } from './zip';

const OUT = 'dist/functions';

/**
 * Never bundled: the native SQLite module (functions use YDB; SQLite is loaded only when
 * REBATES_STORE=sqlite, which the cloud never sets — open-store.ts then says what to set), and the
 * v2 token-service paths ydb-sdk's MetadataAuthService would load (never reached: driver.ts refuses
 * the metadata fallback). `@yandex-cloud/nodejs-sdk` 3.x itself is bundled (the Billing API).
 */
export const EXTERNAL = ['better-sqlite3', '@yandex-cloud/nodejs-sdk/dist/token-service/*'];

/**
 * The portal page (portal/*) goes into the bundle as text: shared/portal/page-assets.ts, which
 * reads the files from disk in local runs, is replaced by a module returning them inlined.
 */
export const inlinePageAssets: Plugin = {
  name: 'inline-page-assets',
  setup(b) {
    b.onLoad({ filter: /shared[\\/]portal[\\/]page-assets\.ts$/ }, () => ({
      contents: `export function loadPageAssets() { return ${JSON.stringify(readPageFiles())}; }`,
      loader: 'js',
    }));
  },
};

export function functionNames(root = 'functions'): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'handler.ts')))
    .map((d) => d.name)
    .sort();
}

export async function buildFunctions(
  outDir = OUT,
): Promise<{ name: string; bundle: string; zip: string; sha256: string; bytes: number }[]> {
  rmSync(outDir, { recursive: true, force: true });
  const results = [];
  for (const name of functionNames()) {
    const dir = join(outDir, name);
    mkdirSync(dir, { recursive: true });
    const bundle = join(dir, 'index.js');
    await build({
      entryPoints: [join('functions', name, 'handler.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      external: EXTERNAL,
      plugins: [inlinePageAssets],
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
    });
    const code = readFileSync(bundle);
    const zip = join(outDir, `${name}.zip`);
    writeFileSync(zip, zipSingleFile('index.js', code));
    const sha256 = createHash('sha256').update(readFileSync(zip)).digest('hex');
    results.push({ name, bundle, zip, sha256, bytes: code.length });
  }
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(results, null, 2)}\n`);
  return results;
}
