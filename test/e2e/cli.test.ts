/**
 * End-to-end: spawns the real CLI as `npm run rebates` does (scripts/rebates.mjs running the
 * esbuild bundle, rebuilt once before the tests) on fixture files against a SQLite file per test, and checks its
 * JSON, exit codes and stderr. "Now" is pinned with REBATES_NOW (a minute later on every call), so
 * posting 2026-Q1 does not depend on the day the tests run. Each test starts from its own store:
 * a fresh one, or a copy of one where p1's 2026-Q1 is posted.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_WRITER_FROM } from '../../shared/adapters/sqlite/usage-store';
import { addDays } from '../../shared/domain/calendar';
import { PARSE_WORKER_FROM_BYTES } from '../../shared/usecases/ingest-export';
import { usageCsv, type UsageRowSpec } from '../support/usage-export-csv';

const FIXTURES = 'test/fixtures/exports/cli';
/** 2026-Q1 ended on March 31 (UTC+3): from here on it can be posted. */
const START = Date.parse('2026-04-20T09:00:00Z');
let dir: string;
let posted: string;
let db: string;
let calls = 0;

function cli(...args: string[]) {
  const now = new Date(START + ++calls * 60_000).toISOString();
  const result = spawnSync(process.execPath, ['scripts/rebates.mjs', ...args], {
    env: { ...process.env, REBATES_STORE: `sqlite:${db}`, REBATES_RULES: '', REBATES_NOW: now },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

/** The store the next cli() calls use: a new file, or a copy of `from`. */
function useStore(name: string, from?: string): string {
  db = join(dir, `${name}.db`);
  if (from) copyFileSync(from, db);
  return db;
}

const SETUP = [
  ['partner', 'link', '--partner', 'p1', '--subaccount', 'acc-1', '--from', '2025-01-01', '--actor', 'op-7', '--note', 'signed'],
  ['partner', 'link', '--partner', 'p1', '--subaccount', 'acc-2', '--from', '2025-01-01'],
  ['specialization', 'grant', '--partner', 'p1', '--specialization', 'ml-ai', '--from', '2025-01-01'],
  ['specialization', 'grant', '--partner', 'p1', '--specialization', 'infrastructure-devops', '--from', '2025-01-01'],
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebates-cli-'));
  const build = spawnSync(process.execPath, ['scripts/rebates.mjs', '--build-only'], { encoding: 'utf8' });
  expect(build.stderr).toBe('');
  expect(build.stdout).toMatch(/dist\/cli\/rebates\.cjs\n$/);
  posted = useStore('posted');
  for (const args of [...SETUP, ['ingest', join(FIXTURES, 'q1-usage.csv')], ['accrue', '--quarter', '2026-Q1']]) {
    const r = cli(...args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('operator CLI end to end', () => {
  it('links, grants, ingests and posts a quarter with the documented JSON shapes', () => {
    useStore('fresh');
    for (const args of SETUP) {
      const r = cli(...args, '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }

    const ingest = cli('ingest', join(FIXTURES, 'q1-usage.csv'), '--json');
    expect(ingest.code).toBe(0);
    expect(ingest.json().files).toEqual([
      expect.objectContaining({ status: 'applied', rows: 10, accountDaysApplied: 7, accountDaysStale: 0 }),
    ]);

    const preview = cli('accrue', '--quarter', '2026-Q1', '--dry-run', '--json');
    expect(preview.code).toBe(0);
    const doc = preview.json();
    expect(Object.keys(doc)).toEqual(['quarter', 'dryRun', 'runId', 'accruals', 'warnings']);
    expect(doc.warnings.map((w: { code: string }) => w.code)).toEqual(expect.arrayContaining(['MISSING_EXPORT_DAYS']));
    expect(doc).toMatchObject({ quarter: '2026-Q1', dryRun: true });
    expect(doc.accruals).toEqual([
      {
        partnerId: 'p1',
        specialization: 'infrastructure-devops',
        currency: 'RUB',
        base: '1000.00',
        amount: '30.00',
        posted: '0.00',
        delta: '30.00',
      },
      {
        partnerId: 'p1',
        specialization: 'infrastructure-devops',
        currency: 'USD',
        base: '10.00',
        amount: '0.30',
        posted: '0.00',
        delta: '0.30',
      },
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', base: '123.45', amount: '12.35', posted: '0.00', delta: '12.35' },
    ]);
    expect(cli('balance', '--partner', 'p1', '--json').json()).toEqual({ partnerId: 'p1', balances: [] });

    const posted = cli('accrue', '--quarter', '2026-Q1', '--json').json();
    expect(posted.dryRun).toBe(false);
    expect(posted.accruals.map((a: { delta: string }) => a.delta)).toEqual(['30.00', '0.30', '12.35']);
    const again = cli('accrue', '--quarter', '2026-Q1', '--json').json();
    expect(again.accruals.map((a: { posted: string; delta: string }) => [a.posted, a.delta])).toEqual([
      ['30.00', '0.00'],
      ['0.30', '0.00'],
      ['12.35', '0.00'],
    ]);

    expect(cli('balance', '--partner', 'p1', '--json').json()).toEqual({
      partnerId: 'p1',
      balances: [
        { currency: 'RUB', amount: '42.35' },
        { currency: 'USD', amount: '0.30' },
      ],
    });

    const statement = cli('statement', '--partner', 'p1', '--quarter', '2026-Q1', '--json').json();
    const ml = statement.lines.find((l: { specialization: string }) => l.specialization === 'ml-ai');
    expect(ml).toMatchObject({ base: '123.45', exact: '12.345', amount: '12.35', posted: '12.35', pending: '0.00' });
    expect(ml.details).toEqual([
      {
        subaccountId: 'acc-1',
        serviceId: 'dn2m45g7b9fhfnpqs0je',
        serviceName: 'SpeechSense',
        rulesVersion: '2023-01-01',
        rate: '0.10',
        base: '123.45',
        rows: 7,
      },
    ]);
    expect(statement.entries).toHaveLength(3);
  });

  it('ingests a file of 20,000 account-days with its writes on the writer thread, from the bundle: first copies, then newer and stale ones', () => {
    useStore('large');
    const accounts = 200;
    const days = SQLITE_WRITER_FROM / accounts;
    const rows = (version: (a: number) => number, cost: (a: number) => string): UsageRowSpec[] =>
      Array.from({ length: days * accounts }, (_, i) => ({
        account: `acc-${i % accounts}`,
        day: addDays('2026-01-01', Math.floor(i / accounts)),
        cost: cost(i % accounts),
        credit: '-0.5',
        updatedAt: version(i % accounts),
      }));
    const first = join(dir, 'large-1.csv');
    writeFileSync(
      first,
      usageCsv(
        rows(
          () => 1_770_000_000,
          (a) => `${a}.25`,
        ),
      ),
    );
    const applied = cli('ingest', first, '--json');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.json().files[0]).toMatchObject({ status: 'applied', accountDaysApplied: SQLITE_WRITER_FROM, accountDaysStale: 0 });
    // Even accounts come again newer with another cost, odd ones older: replaced and stale.
    const second = join(dir, 'large-2.csv');
    writeFileSync(
      second,
      usageCsv(
        rows(
          (a) => (a % 2 === 0 ? 1_775_000_000 : 1_760_000_000),
          (a) => `${a}.75`,
        ),
      ),
    );
    const mixed = cli('ingest', second, '--json');
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.json().files[0]).toMatchObject({ accountDaysApplied: SQLITE_WRITER_FROM / 2, accountDaysStale: SQLITE_WRITER_FROM / 2 });
    const raw = new Database(db, { readonly: true });
    try {
      const content = raw.prepare('SELECT version, content FROM account_days WHERE account_id = ? AND day = ?');
      expect(raw.prepare('SELECT count(*) AS n FROM account_days').get()).toEqual({ n: SQLITE_WRITER_FROM });
      // Keys and contents were bound as bytes and cast: stored as TEXT, as the view and the scans read them.
      expect(
        raw
          .prepare('SELECT DISTINCT typeof(day) AS d, typeof(account_id) AS a, typeof(content) AS c, typeof(digest) AS g FROM account_days')
          .all(),
      ).toEqual([{ d: 'text', a: 'text', c: 'text', g: 'blob' }]);
      expect(content.get('acc-2', '2026-03-01')).toEqual({
        version: 1_775_000_000,
        content:
          '["dn22pas77ftg9h3f2djj","dn2sku-cpu-standard","RUB","2750000000","-500000000",1,"Compute Cloud","Intel Ice Lake. 100% vCPU, \\"standard\\""]\n',
      });
      expect(content.get('acc-3', '2026-03-01')).toMatchObject({
        version: 1_770_000_000,
        content: expect.stringContaining('"3250000000"'),
      });
      // The writer thread hashed the first-seen contents, the main thread the replacements: every
      // digest is the SHA-256 of its content's UTF-8 bytes (I1).
      const wrong = raw
        .prepare('SELECT content, digest FROM account_days')
        .all()
        .filter((r) => {
          const { content: text, digest } = r as { content: string; digest: Buffer };
          return !createHash('sha256').update(text, 'utf8').digest().equals(digest);
        });
      expect(wrong).toEqual([]);
    } finally {
      raw.close();
    }
  }, 60_000);

  it('parses a large file on the parse worker bundled beside the CLI: a broken worker fails the ingest whole, a missing one leaves the parse to one thread', () => {
    // A copy of the bundle in its own folder under dist/ (so node_modules still resolves), with a
    // parse worker that throws as it starts, then with none.
    const bundleDir = mkdtempSync(join('dist', 'cli-worker-test-'));
    try {
      copyFileSync('dist/cli/rebates.cjs', join(bundleDir, 'rebates.cjs'));
      writeFileSync(join(bundleDir, 'parse-worker.cjs'), "throw new Error('broken on purpose');\n");
      const accounts = 100;
      const rows: UsageRowSpec[] = Array.from({ length: 20_000 }, (_, i) => ({
        account: `acc-${i % accounts}`,
        day: addDays('2026-01-01', Math.floor(i / accounts) % 90),
        cost: `${i % 997}.125`,
        credit: '-0.5',
        updatedAt: 1_770_000_000,
      }));
      const file = join(dir, 'worker.csv');
      writeFileSync(file, usageCsv(rows));
      // Large enough for the worker (the CLI starts it from PARSE_WORKER_FROM_BYTES).
      expect(statSync(file).size).toBeGreaterThanOrEqual(PARSE_WORKER_FROM_BYTES);
      const run = () =>
        spawnSync(process.execPath, [join(bundleDir, 'rebates.cjs'), 'ingest', file, '--json'], {
          env: { ...process.env, REBATES_STORE: `sqlite:${useStore('worker')}`, REBATES_RULES: '', REBATES_NOW: '2026-04-20T09:00:00Z' },
          encoding: 'utf8',
        });
      const broken = run();
      expect(broken.status).toBe(70);
      expect(JSON.parse(broken.stdout).files[0]).toMatchObject({
        status: 'failed',
        accountDaysApplied: 0,
        reason: expect.stringContaining('the parse worker failed: broken on purpose'),
      });
      const held = () => {
        const raw = new Database(db, { readonly: true });
        try {
          return raw.prepare('SELECT count(*) AS n FROM account_days').get();
        } finally {
          raw.close();
        }
      };
      expect(held()).toEqual({ n: 0 });
      rmSync(join(bundleDir, 'parse-worker.cjs'));
      const alone = run();
      expect(alone.status, alone.stderr).toBe(0);
      expect(JSON.parse(alone.stdout).files[0]).toMatchObject({ status: 'applied', accountDaysApplied: 9_000 });
      expect(held()).toEqual({ n: 9_000 });
    } finally {
      rmSync(bundleDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('prints readable aligned tables without --json', () => {
    useStore('tables', posted);
    const r = cli('balance', '--partner', 'p1');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      ['Rebate accrual balance of p1', 'currency  amount', '--------  ------', 'RUB        42.35', 'USD         0.30', ''].join('\n'),
    );
  });

  it('rejects a malformed file whole with line numbers on stderr and a non-zero exit', () => {
    useStore('malformed', posted);
    const r = cli('ingest', join(FIXTURES, 'malformed.csv'), '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/malformed\.csv rejected: line 3, column currency: .*EUR/);
    expect(r.stderr).toMatch(/line 4, column cost/);
    expect(r.json().files).toEqual([expect.objectContaining({ status: 'rejected', accountDaysApplied: 0 })]);
    // Nothing of it reached the accrual: the quarter still posts nothing new.
    const again = cli('accrue', '--quarter', '2026-Q1', '--dry-run', '--json').json();
    expect(again.accruals.map((a: { delta: string }) => a.delta)).toEqual(['0.00', '0.00', '0.00']);
  });

  it('shows a partner’s links and grants with their audit fields, and the ingest log', () => {
    useStore('show', posted);
    expect(cli('ingest', join(FIXTURES, 'malformed.csv')).code).toBe(1);
    const show = cli('partner', 'show', '--partner', 'p1', '--json').json();
    expect(
      show.links.map((l: { subaccountId: string; created: { actor: string; note: string } }) => [
        l.subaccountId,
        l.created.actor,
        l.created.note,
      ]),
    ).toEqual([
      ['acc-1', 'op-7', 'signed'],
      ['acc-2', expect.stringMatching(/^operator:/), ''],
    ]);
    expect(show.specializations.map((s: { specialization: string }) => s.specialization).sort()).toEqual([
      'infrastructure-devops',
      'ml-ai',
    ]);
    const log = cli('ingest-log', '--json').json();
    expect(log.entries.map((e: { objectKey: string; status: string }) => [e.objectKey.split('/').pop(), e.status])).toEqual([
      ['malformed.csv', 'rejected'],
      ['q1-usage.csv', 'applied'],
    ]);
  });

  it('rejects an overlapping link with the reason on stderr', () => {
    useStore('overlap', posted);
    const r = cli('partner', 'link', '--partner', 'p2', '--subaccount', 'acc-1', '--from', '2026-02-01');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/acc-1 is already linked to partner p1/);
  });

  it('takes "now" from REBATES_NOW: 2026-Q2 is still running then, and the audit carries that time', () => {
    useStore('now');
    const early = cli('accrue', '--quarter', '2026-Q2');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/2026-Q2 has not ended yet \(today is 2026-04-20, UTC\+3\)/);
    expect(cli('partner', 'link', '--partner', 'p9', '--subaccount', 'acc-9', '--from', '2026-01-01').code).toBe(0);
    const [link] = cli('partner', 'show', '--partner', 'p9', '--json').json().links;
    expect(link.created.at).toBe(new Date(START + calls * 60_000 - 60_000).toISOString());
  });

  it('exits 2 with usage on bad arguments and 1 for a missing path', () => {
    useStore('usage');
    const usage = cli('accrue', '--json');
    expect(usage.code).toBe(2);
    expect(usage.json().error.code).toBe('USAGE');
    expect(usage.stderr).toMatch(/missing --quarter/);
    const missing = cli('ingest', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file or directory/);
  });
});
