/**
 * The deployable artefacts: every function bundle is built by esbuild and loaded by plain `node`
 * from a directory with no node_modules beside it, as the nodejs22 runtime loads `index.handler`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions, functionNames } from '../../scripts/build';
import { nodeRuntimes } from '../support/node-runtimes';

let out: string;
let built: Awaited<ReturnType<typeof buildFunctions>>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'rebates-build-'));
  built = await buildFunctions(out);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('function bundles', () => {
  it('builds one bundle per function directory', () => {
    expect(built.map((b) => b.name)).toEqual(functionNames());
    expect(built.length).toBeGreaterThan(0);
  });

  it.each(nodeRuntimes().map((r) => [r.name, r.path] as const))(
    'loads each bundle under %s with no node_modules, exporting handler',
    (_name, node) => {
      for (const b of built) {
        const dir = mkdtempSync(join(tmpdir(), `rebates-${b.name}-`));
        try {
          copyFileSync(b.bundle, join(dir, 'index.js'));
          const probe = spawnSync(node, ['-e', "const m = require('./index.js'); process.stdout.write(typeof m.handler)"], {
            cwd: dir,
            encoding: 'utf8',
            env: { PATH: process.env.PATH ?? '' },
          });
          expect(probe.stderr).toBe('');
          expect(probe.stdout).toBe('function');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    },
  );

  it('zips each bundle as index.js so the zip unpacks to the same bytes', () => {
    for (const b of built) {
      const zip = readFileSync(b.zip);
      const nameLength = zip.readUInt16LE(26);
      const extraLength = zip.readUInt16LE(28);
      const compressedSize = zip.readUInt32LE(18);
      expect(zip.subarray(30, 30 + nameLength).toString()).toBe('index.js');
      const start = 30 + nameLength + extraLength;
      const data = inflateRawSync(zip.subarray(start, start + compressedSize));
      expect(data.equals(readFileSync(b.bundle))).toBe(true);
      expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
