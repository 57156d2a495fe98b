/** `npm start`: the demo runs from a fresh directory, prints the accruals, and is deterministic. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** tsx's loader by absolute URL: the demo runs in an empty directory with no node_modules. */
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

const dirs: string[] = [];
function runDemo(): { code: number | null; stdout: string; stderr: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'rebates-demo-'));
  dirs.push(cwd);
  const r = spawnSync(process.execPath, ['--import', TSX, resolve('scripts/demo.ts')], { cwd, encoding: 'utf8', env: { ...process.env, REBATES_RULES: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('demo (npm start)', () => {
  it('walks link → grant → ingest → accrue and prints the same output every time', () => {
    const first = runDemo();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const out = first.stdout;
    expect(out).toMatch(/90 file\(s\): 90 applied, 0 stale, 0 rejected; 450 account-day\(s\) replaced/);
    expect(out).toMatch(/20260210\.csv\s+stale/);
    expect(out).toMatch(/malformed\.csv rejected: line 2, column currency/);
    expect(out).toMatch(/== Post 2026-Q1 \(R6, R7\)\n[\s\S]*?7 ledger entr\(ies\) appended/);
    expect(out).toMatch(/== Post 2026-Q1 again[\s\S]*?0 ledger entr\(ies\) appended/);
    expect(out).toMatch(/Re-post 2026-Q1: the correction and the revocation land as adjustments[\s\S]*?partner-beta\s+data-platform\s+RUB\s.*\s-\d+\.\d{2}\n[\s\S]*?\d+ ledger entr\(ies\) appended/);
    expect(out).toMatch(/Rebate accrual balance of partner-gamma\ncurrency\s+amount\n-+\s+-+\nKZT\s+\d+\.\d{2}\n/);
    expect(runDemo().stdout).toBe(out);
  }, 120_000);
});
