/**
 * The CLI with REBATES_STORE=ydb, end to end: real CLI processes, the real ydb-sdk driver, and
 * the YDB protocol fake served in its own process (no YDB server can run here; the same flow
 * runs against a real YDB by pointing YDB_ENDPOINT at it). Migrate, then link → grant → ingest
 * → accrue, twice, through the production adapter.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: ChildProcess;
let endpoint = '';

/**
 * YDB_ENDPOINT in both forms operators meet: host-only with YDB_DATABASE, and Terraform's
 * `ydb_full_endpoint` form carrying `?database=` (which ydb-sdk must never see as its own
 * YDB_ENDPOINT: it would send every call to "127.0.0.1:port/?database=…").
 */
let form: 'host-only' | 'full' = 'host-only';

function cli(...args: string[]) {
  const ydb =
    form === 'full'
      ? { YDB_ENDPOINT: `${endpoint}/?database=/local`, YDB_DATABASE: undefined }
      : { YDB_ENDPOINT: endpoint, YDB_DATABASE: '/local' };
  // REBATES_NOW: 2026-Q1 has ended (it is posted below), whatever day the tests run.
  const env: Record<string, string | undefined> = {
    ...process.env,
    REBATES_STORE: 'ydb',
    ...ydb,
    YDB_ANONYMOUS_CREDENTIALS: '1',
    REBATES_NOW: '2026-04-20T09:00:00Z',
  };
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { env, encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

beforeAll(async () => {
  server = spawn(process.execPath, ['--import', 'tsx', 'test/ydb/serve-fake.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    server.on('exit', (code) => reject(new Error(`fake YDB exited with ${code}`)));
  });
  endpoint = address.replace(/\/local$/, '');
}, 60_000);

afterAll(() => {
  server?.kill('SIGTERM');
});

describe('CLI on the YDB store (protocol fake in a separate process)', () => {
  it('migrates idempotently', () => {
    const first = cli('migrate', '--json');
    expect(first.stderr).toBe('');
    expect(first.json().created.length).toBeGreaterThan(0);
    const again = cli('migrate', '--json').json();
    expect(again.created).toEqual([]);
    expect(again.existing.length).toBe(first.json().created.length);
  });

  it('links, grants, ingests and posts a quarter through the YDB adapter, given the full-form endpoint', () => {
    form = 'full';
    expect(cli('partner', 'link', '--partner', 'p1', '--subaccount', 'acc-1', '--from', '2025-01-01', '--json').code).toBe(0);
    expect(cli('specialization', 'grant', '--partner', 'p1', '--specialization', 'ml-ai', '--from', '2025-01-01', '--json').code).toBe(0);
    const ingest = cli('ingest', 'test/fixtures/exports/cli/q1-usage.csv', '--json');
    expect(ingest.stderr).toBe('');
    expect(ingest.json().totals).toMatchObject({ applied: 1, accountDaysApplied: 7 });
    const posted = cli('accrue', '--quarter', '2026-Q1', '--json').json();
    expect(posted.accruals).toEqual([
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', base: '123.45', amount: '12.35', posted: '0.00', delta: '12.35' },
    ]);
    const again = cli('accrue', '--quarter', '2026-Q1', '--json').json();
    expect(again.accruals[0]).toMatchObject({ posted: '12.35', delta: '0.00' });
    expect(cli('balance', '--partner', 'p1', '--json').json()).toEqual({
      partnerId: 'p1',
      balances: [{ currency: 'RUB', amount: '12.35' }],
    });
  });
});
