/**
 * The portal-api bundle carries the page (inlined by the build's esbuild plugin) and loads with
 * plain node and no files beside it, exporting `handler` and `authorize`; misconfigured, it answers
 * a JSON 500 without internals rather than crashing into the gateway's 502.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build';
import { readPageFiles } from '../../shared/portal/page-assets';

let out: string;
let bundle: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'rebates-portal-build-'));
  const built = await buildFunctions(out);
  bundle = built.find((b) => b.name === 'portal-api')!.bundle;
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('portal-api bundle', () => {
  it('contains the page files', () => {
    const code = readFileSync(bundle, 'utf8');
    const files = readPageFiles();
    // A distinctive line of each file, as esbuild writes it into a string literal.
    const marker = (file: string, line: string) => {
      expect(files[file]).toContain(line);
      expect(code).toContain(JSON.stringify(line).slice(1, -1));
    };
    marker('index.html', '<title>Rebate accrual balance</title>');
    marker('app.js', 'function takeTokenFromFragment() {');
    marker('app.css', '.chart .bar-preview {');
  });

  it('loads alone with plain node, exports handler and authorize, and answers a JSON 500 when misconfigured', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebates-portal-bundle-'));
    try {
      copyFileSync(bundle, join(dir, 'index.js'));
      const script = `const m = require('./index.js');
        m.handler({ httpMethod: 'GET', url: '/v1/balance', headers: {} }, { requestId: 'r1' })
          .then((r) => process.stdout.write(JSON.stringify({ handler: typeof m.handler, authorize: typeof m.authorize, response: r })));`;
      const probe = spawnSync(process.execPath, ['-e', script], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', REBATES_STORE: 'ydb' },
      });
      const lines = probe.stdout.split('\n');
      const result = JSON.parse(lines.pop()!);
      // The cause goes to the function's log (one JSON line), not to the client.
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['portal-api cannot start']);
      expect(lines[0]).toContain('YDB_ENDPOINT');
      expect(result.handler).toBe('function');
      expect(result.authorize).toBe('function');
      expect(result.response.statusCode).toBe(500);
      expect(JSON.parse(result.response.body)).toEqual({
        error: { code: 'internal', message: 'something went wrong on our side; try again later' },
      });
      expect(probe.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
