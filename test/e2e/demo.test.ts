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
  const r = spawnSync(process.execPath, ['--import', TSX, resolve('scripts/demo.ts')], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, REBATES_RULES: '' },
  });
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
    expect(out).toMatch(
      /Re-post 2026-Q1: the correction and the revocation land as adjustments[\s\S]*?partner-beta\s+data-platform\s+RUB\s.*\s-\d+\.\d{2}\n[\s\S]*?\d+ ledger entr\(ies\) appended/,
    );
    expect(out).toMatch(/Rebate accrual balance of partner-gamma\ncurrency\s+amount\n-+\s+-+\nKZT\s+\d+\.\d{2}\n/);
    // Issue 12: the guards in the dry runs, --confirm, bulk links, the impact preview, the report.
    expect(out).toMatch(
      /== Preview 2026-Q1 \(dry run, R10\)\n[\s\S]*?Warnings \(2\)\n[\s\S]*?UNLINKED_USAGE\s+.*dn2beta00bank000003 2026-01-01\.\.2026-01-14/,
    );
    expect(out).toMatch(
      /== Re-post 2026-Q1 without --confirm[^\n]*\n[\s\S]*?LARGE_ADJUSTMENT\s+1 posted amount\(s\) would move by more than 0\.10[\s\S]*?error: nothing posted: /,
    );
    expect(out).toMatch(
      /links-draft\.csv: rejected, nothing imported\n[\s\S]*?\n\s+2\s+subaccount dn2beta00bank000003 is already linked[\s\S]*?\n\s+3\s+from\s+not a calendar day/,
    );
    expect(out).toMatch(/\n2 link\(s\) imported from .*links\.csv\n/);
    const q2 = out.slice(out.indexOf('== Preview 2026-Q2 so far'));
    for (const code of ['MISSING_EXPORT_DAYS', 'UNLINKED_USAGE', 'PENDING_SERVICE', 'FUTURE_OR_OPEN_DATA'])
      expect(q2).toMatch(new RegExp(`\\n${code}\\s`));
    expect(q2).toMatch(
      /MISSING_EXPORT_DAYS\s+3 day\(s\) of 2026-Q2 through 2026-04-19 have no export data at all: 2026-04-09, 2026-04-18, 2026-04-19/,
    );
    expect(out).toMatch(
      /== Reconcile 2026-Q2 for partner-alpha[^\n]*\n[\s\S]*?BILLING_MISMATCH: 5 difference\(s\)\n[\s\S]*?dn2alpha0retail00001\s+SpeechSense\s+2026-04-09\s+RUB\s+110\.995704954\s+0\.00\s+-110\.995704954\n/,
    );
    const reconciled = out.slice(out.indexOf('== Preview 2026-Q2 with --reconcile'), out.indexOf('== Rules-change impact'));
    for (const code of ['MISSING_EXPORT_DAYS', 'UNLINKED_USAGE', 'PENDING_SERVICE', 'FUTURE_OR_OPEN_DATA', 'BILLING_MISMATCH'])
      expect(reconciled).toMatch(new RegExp(`\\n${code}\\s`));
    expect(out).toMatch(
      /Rules-change impact: .*\(current\) → .*next-rules\.json \(proposed\)\npartner\s+specialization\s+cur\s+posted\s+current\s+proposed\s+change\n[\s\S]*?partner-alpha\s+ml-ai\s+RUB\s+3631\.21\s+3631\.21\s+3879\.34\s+248\.13\n/,
    );
    expect(out).toMatch(/== Eligibility 2026[^\n]*\n[\s\S]*?partner-beta\s+data-platform\s+2026-02-15\.\.2026-03-15\s+RUB\s/);
    expect(runDemo().stdout).toBe(out);
  }, 120_000);
});
