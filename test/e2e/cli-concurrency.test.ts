/**
 * Concurrency on one SQLite file with real CLI processes (issue 8, class 5): two postings at once,
 * two ingests at once, an ingest during a posting, reads while a large ingest writes, and a writer
 * that waits too long. Readers never fail; writers wait or exit 1 saying what to retry; the ledger
 * never holds a posting twice. Dates are safely in the past.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
const db = () => join(dir, 'rebates.db');
const ENV = () => ({ ...process.env, REBATES_STORE: `sqlite:${db()}`, REBATES_RULES: '' });
const ARGS = ['--import', 'tsx', 'cli/main.ts'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  startedAt: number;
  endedAt: number;
}

function cliSync(args: string[], env: NodeJS.ProcessEnv = ENV()): Run {
  const startedAt = Date.now();
  const r = spawnSync(process.execPath, [...ARGS, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, startedAt, endedAt: Date.now() };
}

function cli(args: string[], env: NodeJS.ProcessEnv = ENV()): Promise<Run> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...ARGS, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, startedAt, endedAt: Date.now() }));
  });
}

const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
const SPEECHSENSE = 'dn2m45g7b9fhfnpqs0je';

/** An export of `accounts` × 31 days × `skus` rows of 1.000000001 RUB each, version `version`. */
function bigExport(path: string, accounts: number, skus: number, version: number): void {
  const lines = [HEADER];
  for (let a = 0; a < accounts; a++) {
    for (let d = 1; d <= 31; d++) {
      for (let k = 0; k < skus; k++)
        lines.push(`acc-${a},${SPEECHSENSE},sku-${k},2026-01-${String(d).padStart(2, '0')},RUB,1.000000001,0,${version}`);
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebates-concurrency-'));
  for (const args of [
    ['partner', 'link', '--partner', 'p1', '--subaccount', 'acc-0', '--from', '2025-01-01'],
    ['partner', 'link', '--partner', 'p2', '--subaccount', 'acc-1', '--from', '2025-01-01'],
    ['specialization', 'grant', '--partner', 'p1', '--specialization', 'ml-ai', '--from', '2025-01-01'],
    ['specialization', 'grant', '--partner', 'p2', '--specialization', 'ml-ai', '--from', '2025-01-01'],
  ])
    expect(cliSync(args).code).toBe(0);
  bigExport(join(dir, 'jan-a.csv'), 40, 40, 1768000000);
  bigExport(join(dir, 'jan-b.csv'), 40, 40, 1768000100);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI processes on one SQLite file', () => {
  it('ingest × ingest: both finish, both are logged, the newer version is what stays', async () => {
    const [a, b] = await Promise.all([
      cli(['ingest', join(dir, 'jan-a.csv'), '--json']),
      cli(['ingest', join(dir, 'jan-b.csv'), '--json']),
    ]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const log = JSON.parse(cliSync(['ingest-log', '--json']).stdout)
      .entries.map((e: { objectKey: string }) => e.objectKey.split('/').pop())
      .sort();
    expect(log).toEqual(['jan-a.csv', 'jan-b.csv']);
    // Whatever the order, jan-b's newer version is stored for every account-day (I1).
    const versions = new Database(db(), { readonly: true }).prepare('SELECT DISTINCT version FROM account_days').all();
    expect(versions).toEqual([{ version: 1768000100 }]);
  }, 120_000);

  it('reads during writes: balance, statement and ingest-log never fail while a large ingest writes', async () => {
    bigExport(join(dir, 'jan-c.csv'), 40, 40, 1768000200);
    const ingest = cli(['ingest', join(dir, 'jan-c.csv'), '--json']);
    let done = false;
    void ingest.then(() => (done = true));
    const reads: Run[] = [];
    while (!done || reads.length < 3) {
      for (const args of [
        ['balance', '--partner', 'p1', '--json'],
        ['statement', '--partner', 'p1', '--quarter', '2026-Q1', '--json'],
        ['ingest-log', '--json'],
      ]) {
        reads.push(await cli(args));
      }
    }
    const finished = await ingest;
    expect(finished.code).toBe(0);
    expect(reads.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    expect(reads.some((r) => r.startedAt < finished.endedAt)).toBe(true);
  }, 180_000);

  it('accrue × accrue: one posting, never two — the ledger holds each key once', async () => {
    const [a, b] = await Promise.all([
      cli(['accrue', '--quarter', '2026-Q1', '--json']),
      cli(['accrue', '--quarter', '2026-Q1', '--json']),
    ]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const appended = [JSON.parse(a.stdout), JSON.parse(b.stdout)].map(
      (d) => d.accruals.filter((x: { delta: string }) => x.delta !== '0.00').length,
    );
    expect(appended.sort()).toEqual([0, 2]);
    // 40 skus × 31 days × 1.000000001 = 1240.00000124 per account → 124.00 each (10%).
    expect(JSON.parse(cliSync(['balance', '--partner', 'p1', '--json']).stdout).balances).toEqual([{ currency: 'RUB', amount: '124.00' }]);
    expect(JSON.parse(cliSync(['balance', '--partner', 'p2', '--json']).stdout).balances).toEqual([{ currency: 'RUB', amount: '124.00' }]);
  }, 120_000);

  it('ingest × accrue: both finish, and a re-post afterwards brings the ledger to exactly the new data', async () => {
    bigExport(join(dir, 'jan-d.csv'), 40, 41, 1768000300);
    const [ingest, accrue] = await Promise.all([
      cli(['ingest', join(dir, 'jan-d.csv'), '--json']),
      cli(['accrue', '--quarter', '2026-Q1', '--json']),
    ]);
    expect([ingest.code, accrue.code, ingest.stderr, accrue.stderr]).toEqual([0, 0, '', '']);
    expect(cliSync(['accrue', '--quarter', '2026-Q1']).code).toBe(0);
    const preview = JSON.parse(cliSync(['accrue', '--quarter', '2026-Q1', '--dry-run', '--json']).stdout);
    // 41 skus × 31 days × 1.000000001 = 1271.000001271 → 127.10 each, and nothing left to append.
    expect(
      preview.accruals.map((a: { partnerId: string; amount: string; posted: string; delta: string }) => [
        a.partnerId,
        a.amount,
        a.posted,
        a.delta,
      ]),
    ).toEqual([
      ['p1', '127.10', '127.10', '0.00'],
      ['p2', '127.10', '127.10', '0.00'],
    ]);
  }, 120_000);

  it('a writer that waits longer than the bound exits 1 saying what to retry; a reader still answers', async () => {
    const holder = new Database(db());
    holder.prepare('BEGIN IMMEDIATE').run();
    try {
      const env = { ...ENV(), SQLITE_BUSY_TIMEOUT_MS: '300' };
      const [write, read] = await Promise.all([
        cli(['partner', 'link', '--partner', 'p3', '--subaccount', 'acc-5', '--from', '2025-01-01', '--json'], env),
        cli(['balance', '--partner', 'p1', '--json'], env),
      ]);
      expect(write.code).toBe(1);
      expect(JSON.parse(write.stdout).error).toMatchObject({
        code: 'STORE_BUSY',
        message: expect.stringMatching(/is busy: another process .* retry when it has finished/),
      });
      expect(read.code).toBe(0);
    } finally {
      holder.prepare('ROLLBACK').run();
      holder.close();
    }
    expect(cliSync(['partner', 'link', '--partner', 'p3', '--subaccount', 'acc-5', '--from', '2025-01-01']).code).toBe(0);
  }, 60_000);
});
