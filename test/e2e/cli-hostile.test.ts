/**
 * The real CLI under bad input (issue 8): usage errors instead of stack traces, exit 70 never
 * for input, per-file ingest of a directory, conflicts and errors in `--json`, missing stores.
 * Dates are safely in the past, so nothing depends on the real clock.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
const store = () => join(dir, 'rebates.db');

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    env: { ...process.env, REBATES_STORE: `sqlite:${store()}`, REBATES_RULES: '', ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
const row = (account: string, cost: string, version = 1768100000) =>
  `${account},dn2m45g7b9fhfnpqs0je,sku-1,2026-01-10,RUB,${cost},0,${version}`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebates-cli-hostile-'));
  expect(cli(['partner', 'link', '--partner', 'p1', '--subaccount', 'acc-1', '--from', '2025-01-01']).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI: usage errors, never a crash (class 6)', () => {
  it.each([
    [['accrue', '--quarter', '0000-Q1'], /supported years/],
    [['accrue', '--quarter', '0099-Q4', '--dry-run'], /supported years/],
    [['accrue', '--quarter', '9999-Q4', '--dry-run'], /supported years/],
    [['statement', '--partner', 'p1', '--quarter', '0050-Q2'], /supported years/],
    [['partner', 'link', '--partner', 'p1', '--subaccount', 'acc-9', '--from', '2026-01-01', '--actor', ''], /actor is empty/],
    [['partner', 'link', '--partner', 'p1', '--subaccount', 'acc-9', '--from', '2026-01-01', '--actor', ' '], /actor is blank/],
    [
      ['partner', 'link', '--partner', 'p1\nerror: forged', '--subaccount', 'acc-9', '--from', '2026-01-01'],
      /partner id contains a control or invisible character \(U\+000A/,
    ],
    [['partner', 'link', '--partner', 'p1', '--subaccount', ' acc-9', '--from', '2026-01-01'], /leading or trailing spaces/],
    [['balance', '--partner', 'p1', 'extra'], /unexpected argument "extra"/],
    [['accrue', '--quarter', '2026-Q1', 'now'], /unexpected argument "now"/],
  ])('exits 2 with the reason for %j', (args, why) => {
    const r = cli([...args, '--json']);
    expect(r.code).toBe(2);
    expect(r.json().error.code).toBe('USAGE');
    expect(r.stderr).toMatch(why);
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
  });

  it('prints a command’s usage for COMMAND --help with exit 0', () => {
    const r = cli(['accrue', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: accrue --quarter YYYY-Qn \[--dry-run .*\[--confirm\]/);
  });
});

describe('CLI: stores that are not there (class 10)', () => {
  it('refuses to read a store that does not exist instead of showing a zero balance', () => {
    const r = cli(['balance', '--partner', 'p1', '--json'], { REBATES_STORE: `sqlite:${join(dir, 'typo.db')}` });
    expect(r.code).toBe(1);
    expect(r.json().error).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(/no store at .*typo\.db/) });
  });

  it('refuses to create a store in a directory that does not exist, naming it', () => {
    const r = cli(['partner', 'link', '--partner', 'p1', '--subaccount', 'acc-8', '--from', '2026-01-01'], {
      REBATES_STORE: `sqlite:${join(dir, 'no-such-dir', 'x.db')}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/store directory .*no-such-dir does not exist/);
  });
});

describe('CLI: ingest of a directory with bad entries, conflicts in --json (classes 2, 4, 10)', () => {
  it('ingests every good file, rejects and logs each bad one, and carries the errors in --json', () => {
    const exports = join(dir, 'exports');
    mkdirSync(exports);
    writeFileSync(join(exports, 'a.csv'), `${HEADER}\n${row('acc-1', '10')}\n`);
    symlinkSync(join(exports, 'b.csv'), join(exports, 'b.csv'));
    writeFileSync(join(exports, 'c.csv'), `${HEADER.replaceAll(',', ';')}\n`);
    writeFileSync(join(exports, 'd.csv'), `${HEADER}\n${row('acc-2', '20')}\n`);

    const r = cli(['ingest', exports, '--json']);
    const doc = r.json();

    expect(r.code).toBe(1);
    expect(doc.files.map((f: { objectKey: string; status: string }) => [f.objectKey.split('/').pop(), f.status])).toEqual([
      ['a.csv', 'applied'],
      ['b.csv', 'rejected'],
      ['c.csv', 'rejected'],
      ['d.csv', 'applied'],
    ]);
    expect(doc.totals).toMatchObject({ files: 4, applied: 2, rejected: 2 });
    expect(doc.error.details).toEqual([
      expect.stringMatching(/b\.csv: symbolic link loop/),
      expect.stringMatching(/c\.csv rejected: .*semicolon-separated/),
    ]);
    const log = cli(['ingest-log', '--json']).json();
    expect(log.entries.map((e: { objectKey: string }) => e.objectKey.split('/').pop()).sort()).toEqual([
      'a.csv',
      'b.csv',
      'c.csv',
      'd.csv',
    ]);
  });

  it('reports a same-version conflict with exit 1, in --json and in the ingest log', () => {
    const other = join(dir, 'other.csv');
    writeFileSync(other, `${HEADER}\n${row('acc-1', '11')}\n`);
    const r = cli(['ingest', other, '--json']);
    expect(r.code).toBe(1);
    expect(r.json().files[0]).toMatchObject({
      conflicts: 1,
      reason: expect.stringMatching(/^CONFLICT: acc-1 2026-01-10 version 1768100000/),
    });
    expect(r.json().totals.conflicts).toBe(1);
    expect(r.stderr).toMatch(/CONFLICT/);
  });
});
