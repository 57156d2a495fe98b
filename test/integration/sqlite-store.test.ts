import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, PAGE_SIZE } from '../../shared/adapters/sqlite/sqlite-store';
import { SCHEMA_VERSION } from '../../shared/adapters/sqlite/schema';
import { addDays } from '../../shared/domain/calendar';
import { parseMoney } from '../../shared/domain/money';
import { accountDayContent, accountDayDigest } from '../../shared/domain/replacement';
import { moneyText } from '../../shared/adapters/sqlite/row-schemas';
import type { AccountDayBatch, Store } from '../../shared/ports/store';
import { batch, COMPUTE, collect, entry, link, run, usageIn } from '../contract/fixtures';
import { describeStoreContract } from '../contract/store-contract';

const REPO = resolve(import.meta.dirname, '../..');
/** Where an apply's writes run: this connection (a small apply), or the writer thread (a large one; 0 forces it). */
const WRITES = [
  ['on the store connection', undefined],
  ['on the writer thread', 0],
] as const;
const ALL = { from: '2000-01-01', to: '2099-12-31' };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rebates-sqlite-'));
}

describeStoreContract('sqlite file', async () => {
  const dir = tempDir();
  const path = join(dir, 'nested', 'rebates.db');
  return {
    store: createSqliteStore(path),
    reopen: async () => createSqliteStore(path),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    halfEndAudit: async (table, id) => {
      const raw = new Database(path);
      try {
        raw.prepare(`UPDATE ${table} SET ended_note = NULL WHERE id = ?`).run(id);
      } finally {
        raw.close();
      }
    },
  };
});

// Every apply written on the writer thread (a large apply's path), whatever its size.
describeStoreContract(
  'sqlite file, applies on the writer thread',
  async () => {
    const dir = tempDir();
    const path = join(dir, 'rebates.db');
    return {
      store: createSqliteStore(path, { writerFrom: 0 }),
      reopen: async () => createSqliteStore(path, { writerFrom: 0 }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { tamperable: false },
);

// The same adapter code as the file store above, which also states the corruption rule.
describeStoreContract('sqlite in memory', async () => ({ store: createSqliteStore(':memory:') }), { persistent: false, tamperable: false });

/** The three applied account-days (and one stale) the I3 tests apply over BASELINE. */
const BASELINE: AccountDayBatch[] = [
  batch('acc-1', '2026-01-05', 100, [
    { skuId: 'sku-a', cost: '1.000000001' },
    { skuId: 'sku-b', cost: '2' },
  ]),
  batch('acc-2', '2026-01-05', 500, [{ cost: '3' }]),
  batch('acc-3', '2026-01-06', 100, [{ cost: '4' }]),
];
const UPDATE: AccountDayBatch[] = [
  batch('acc-1', '2026-01-05', 200, [{ skuId: 'sku-b', cost: '20.5' }]),
  batch('acc-2', '2026-01-05', 400, [{ cost: '30' }]),
  batch('acc-3', '2026-01-06', 100, [{ cost: '40' }, { skuId: 'sku-z', cost: '-0.000000001' }]),
  batch('acc-4', '2026-01-07', 1, [{ cost: '50' }]),
];

/** Everything the usage tables hold, read both through the port and raw (applied_at included). */
async function usageState(store: Store, path: string) {
  const raw = new Database(path, { readonly: true });
  try {
    return {
      usage: await usageIn(store, ALL.from, ALL.to),
      versions: await store.usage.listAccountDayVersions(ALL),
      accountDayRows: raw.prepare('SELECT * FROM account_days ORDER BY day, account_id').all(),
    };
  } finally {
    raw.close();
  }
}

describe('sqlite store specifics', () => {
  let dir: string;
  let path: string;
  const open: Store[] = [];
  const openStore = (options?: Parameters<typeof createSqliteStore>[1]) => {
    const store = createSqliteStore(path, options);
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
    path = join(dir, 'a', 'b', 'rebates.db');
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores money as exact TEXT, never REAL: integer nano-units in the usage content, decimal text in the ledger', async () => {
    const store = openStore();
    await store.usage.applyAccountDays('m.csv', [
      batch('acc-1', '2026-01-05', 1, [{ cost: '12345678901.123456789', credit: '-0.000000001' }]),
    ]);
    await store.ledger.appendRun(run('r-1', '2026-Q1', '2026-04-01T00:00:00.000Z', 1), [
      entry('r-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '-0.1' }),
    ]);
    const raw = new Database(path, { readonly: true });
    const declared = (table: string, column: string) =>
      (raw.pragma(`table_info(${table})`) as { name: string; type: string }[]).find((c) => c.name === column)?.type;

    expect([declared('account_days', 'content'), declared('ledger_entries', 'amount')]).toEqual(['TEXT', 'TEXT']);
    // The operators' view of the content: one row per aggregate, money exact as text.
    expect(
      raw
        .prepare('SELECT typeof(cost_nanos) AS tc, typeof(credit_nanos) AS tr, cost_nanos, credit_nanos, service_id FROM usage_aggregates')
        .all(),
    ).toEqual([{ tc: 'text', tr: 'text', cost_nanos: '12345678901123456789', credit_nanos: '-1', service_id: COMPUTE }]);
    expect(raw.prepare('SELECT typeof(amount) AS t, amount FROM ledger_entries').get()).toEqual({ t: 'text', amount: '-0.1' });
    raw.close();
  });

  it('creates the parent directories and schema on first use, in WAL mode, and reopening is idempotent', async () => {
    const first = openStore();
    await first.program.insertLink(link('l-1', 'p-1', 'sub-a', '2026-01-01'));
    await first.close();

    const second = openStore();
    const third = openStore();

    expect(await second.program.listLinks()).toHaveLength(1);
    expect(await third.program.listLinks()).toHaveLength(1);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare("SELECT type, count(*) AS n FROM sqlite_master WHERE type IN ('table', 'view') GROUP BY type").all()).toEqual([
      { type: 'table', n: 8 },
      { type: 'view', n: 1 },
    ]);
    raw.close();
  });

  it('gives a new file 16 KiB pages, and opens a file made with other pages as it is', async () => {
    const fresh = openStore();
    await fresh.program.insertLink(link('l-1', 'p-1', 'sub-a', '2026-01-01'));
    await fresh.close();
    const older = join(dir, 'older.db');
    const made = new Database(older);
    made.pragma('page_size = 4096');
    made.exec('CREATE TABLE t (x)');
    made.close();
    const reopened = createSqliteStore(older);
    open.push(reopened);
    await reopened.usage.applyAccountDays('o.csv', [batch('acc-1', '2026-01-05', 1, [{ cost: '1.5', credit: '0' }])]);

    const pageSize = (file: string) => {
      const raw = new Database(file, { readonly: true });
      const size = raw.pragma('page_size', { simple: true });
      raw.close();
      return size;
    };
    expect(pageSize(path)).toBe(PAGE_SIZE);
    expect(PAGE_SIZE).toBe(16_384);
    expect(pageSize(older)).toBe(4096);
    expect(await collect(reopened.usage.scanUsage({ from: '2026-01-05', to: '2026-01-05' }))).toHaveLength(1);
  });

  it('migrates a v1, v2 or v3 file into one row per account-day: aggregates, versions and digests kept, re-ingests still decided (I1)', async () => {
    const aggregates = batch('acc-1', '2026-01-05', 7, [
      { skuId: 'sku-b', cost: '2.5', credit: '-0.000000001' },
      { skuId: 'sku-a', cost: '12345678901.123456789', credit: '0' },
    ]).rows;
    // The digest a v2/v3 store kept for that content: the hash of the text v4 now stores.
    const digest = accountDayDigest(aggregates);
    for (const [version, versionsTable] of [
      [
        1,
        'account_id TEXT NOT NULL, day TEXT NOT NULL, version INTEGER NOT NULL, source_key TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (account_id, day)',
      ],
      [
        2,
        'account_id TEXT NOT NULL, day TEXT NOT NULL, version INTEGER NOT NULL, source_key TEXT NOT NULL, applied_at TEXT NOT NULL, digest TEXT, PRIMARY KEY (account_id, day)',
      ],
      [
        3,
        'account_id TEXT NOT NULL, day TEXT NOT NULL, version INTEGER NOT NULL, source_key TEXT NOT NULL, applied_at TEXT NOT NULL, digest TEXT, PRIMARY KEY (day, account_id)',
      ],
    ] as const) {
      const file = join(dir, `v${version}.db`);
      const old = new Database(file);
      old.pragma('journal_mode = WAL');
      old.exec(`CREATE TABLE account_day_versions (${versionsTable}) WITHOUT ROWID;
        CREATE TABLE usage_aggregates (day TEXT NOT NULL, account_id TEXT NOT NULL, service_id TEXT NOT NULL, sku_id TEXT NOT NULL,
          currency TEXT NOT NULL, cost TEXT NOT NULL, credit TEXT NOT NULL, service_name TEXT NOT NULL, sku_name TEXT NOT NULL,
          rows INTEGER NOT NULL, PRIMARY KEY (day, account_id, service_id, sku_id, currency)) WITHOUT ROWID;`);
      if (version < 3) old.exec('CREATE INDEX account_day_versions_by_day ON account_day_versions (day, account_id);');
      old
        .prepare('INSERT INTO account_day_versions (account_id, day, version, source_key, applied_at) VALUES (?, ?, ?, ?, ?)')
        .run('acc-1', '2026-01-05', 7, 'old.csv', '2026-01-06T00:00:00.000Z');
      if (version > 1) old.prepare('UPDATE account_day_versions SET digest = ?').run(digest);
      const insertUsage = old.prepare('INSERT INTO usage_aggregates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      for (const a of aggregates)
        insertUsage.run(
          a.day,
          a.accountId,
          a.serviceId,
          a.skuId,
          a.currency,
          moneyText(a.cost),
          moneyText(a.credit),
          a.serviceName,
          a.skuName,
          a.rows,
        );
      // Usage without a version row (never written so by this code) is kept too, at version 0.
      insertUsage.run('2026-01-04', 'acc-9', 'svc', 'sku', 'RUB', '1', '0', '', '', 1);
      old.pragma(`user_version = ${version}`);
      old.close();

      const store = createSqliteStore(file);
      open.push(store);
      expect(await store.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-01-31' })).toEqual([
        { accountId: 'acc-9', day: '2026-01-04', version: 0, sourceKey: 'schema-v4-migration' },
        { accountId: 'acc-1', day: '2026-01-05', version: 7, sourceKey: 'old.csv' },
      ]);
      const scanned = await collect(store.usage.scanUsage(ALL));
      expect(scanned.slice(1)).toEqual([...aggregates].sort((a, b) => (a.skuId < b.skuId ? -1 : 1)));
      expect(scanned[0]).toMatchObject({ accountId: 'acc-9', cost: parseMoney('1'), rows: 1 });
      const kept = new Database(file, { readonly: true });
      expect(kept.prepare("SELECT nullif(lower(hex(digest)), '') AS digest FROM account_days WHERE account_id = 'acc-1'").get()).toEqual({
        digest: version > 1 ? digest : null,
      });
      expect(
        kept.prepare("SELECT type, name FROM sqlite_master WHERE name IN ('usage_aggregates', 'account_day_versions') ORDER BY name").all(),
      ).toEqual([{ type: 'view', name: 'usage_aggregates' }]);
      expect(kept.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      kept.close();
      // The same version and content again: the kept digest matches the migrated content, no conflict.
      const same = await store.usage.applyAccountDays('again.csv', [
        { accountId: 'acc-1', day: '2026-01-05', version: 7, rows: aggregates },
      ]);
      expect([same.appliedCount, same.conflictCount]).toEqual([1, 0]);
      const stale = await store.usage.applyAccountDays('older.csv', [batch('acc-1', '2026-01-05', 6, [{ cost: '1', credit: '0' }])]);
      expect(stale.staleCount).toBe(1);
      const newer = await store.usage.applyAccountDays('new.csv', [batch('acc-1', '2026-01-05', 8, [{ cost: '2', credit: '0' }])]);
      expect(newer.appliedCount).toBe(1);
      expect((await usageIn(store, '2026-01-05', '2026-01-05')).map((a) => `${a.accountId} ${a.cost}`)).toEqual(['acc-1 2']);
    }
  });

  it('migrates a v4 file: sources and apply times into one applies row each, digests to bytes, content untouched, re-ingests still decided (I1)', async () => {
    const one = batch('acc-1', '2026-01-05', 7, [{ cost: '2.5', credit: '-0.000000001' }]).rows;
    const two = batch('acc-2', '2026-01-05', 9, [{ skuId: 'sku-b', cost: '12345678901.123456789' }]).rows;
    const file = join(dir, 'v4.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE account_days (day TEXT NOT NULL, account_id TEXT NOT NULL, version INTEGER NOT NULL, source_key TEXT NOT NULL,
        applied_at TEXT NOT NULL, digest TEXT, content TEXT NOT NULL, PRIMARY KEY (day, account_id)) WITHOUT ROWID;
      CREATE VIEW usage_aggregates AS SELECT a.day AS day FROM account_days AS a;`);
    const insert = old.prepare('INSERT INTO account_days VALUES (?, ?, ?, ?, ?, ?, ?)');
    insert.run('2026-01-04', 'acc-0', 0, 'schema-v4-migration', '2026-01-01T00:00:00.000Z', null, accountDayContent([]));
    insert.run('2026-01-05', 'acc-1', 7, 'a.csv', '2026-01-06T00:00:00.000Z', accountDayDigest(one), accountDayContent(one));
    insert.run('2026-01-05', 'acc-2', 9, 'a.csv', '2026-01-06T00:00:00.000Z', accountDayDigest(two), accountDayContent(two));
    insert.run('2026-01-06', 'acc-1', 7, 'b.csv', '2026-01-07T00:00:00.000Z', accountDayDigest(one), accountDayContent(one));
    old.pragma('user_version = 4');
    old.close();

    const store = createSqliteStore(file);
    open.push(store);
    expect(await store.usage.listAccountDayVersions(ALL)).toEqual([
      { accountId: 'acc-0', day: '2026-01-04', version: 0, sourceKey: 'schema-v4-migration' },
      { accountId: 'acc-1', day: '2026-01-05', version: 7, sourceKey: 'a.csv' },
      { accountId: 'acc-2', day: '2026-01-05', version: 9, sourceKey: 'a.csv' },
      { accountId: 'acc-1', day: '2026-01-06', version: 7, sourceKey: 'b.csv' },
    ]);
    expect(await collect(store.usage.scanUsage(ALL))).toEqual([...one, ...two, ...one.map((a) => ({ ...a, day: '2026-01-06' }))]);
    const kept = new Database(file, { readonly: true });
    expect(kept.prepare('SELECT source_key, applied_at FROM applies ORDER BY id').all()).toEqual([
      { source_key: 'schema-v4-migration', applied_at: '2026-01-01T00:00:00.000Z' },
      { source_key: 'a.csv', applied_at: '2026-01-06T00:00:00.000Z' },
      { source_key: 'b.csv', applied_at: '2026-01-07T00:00:00.000Z' },
    ]);
    expect(
      kept.prepare("SELECT account_id, nullif(lower(hex(digest)), '') AS digest FROM account_days ORDER BY day, account_id").all(),
    ).toEqual([
      { account_id: 'acc-0', digest: null },
      { account_id: 'acc-1', digest: accountDayDigest(one) },
      { account_id: 'acc-2', digest: accountDayDigest(two) },
      { account_id: 'acc-1', digest: accountDayDigest(one) },
    ]);
    expect(kept.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%v4%'").all()).toEqual([]);
    expect(kept.prepare('SELECT count(*) AS n FROM usage_aggregates').get()).toEqual({ n: 3 });
    expect(kept.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    kept.close();
    // The same content at the same version: no conflict (the digest kept its value); older: stale; newer: applied.
    const same = await store.usage.applyAccountDays('again.csv', [{ accountId: 'acc-1', day: '2026-01-05', version: 7, rows: one }]);
    expect([same.appliedCount, same.conflictCount]).toEqual([1, 0]);
    const differs = await store.usage.applyAccountDays('other.csv', [batch('acc-2', '2026-01-05', 9, [{ cost: '1' }])]);
    expect(differs.conflictCount).toBe(1);
    expect(differs.conflicts[0]!.storedDigest).toBe(accountDayDigest(two));
    const stale = await store.usage.applyAccountDays('older.csv', [batch('acc-1', '2026-01-06', 6, [{ cost: '1' }])]);
    expect(stale.staleCount).toBe(1);
  });

  it('migrates a v5 file (a WITHOUT ROWID table) to rowid rows under a unique key: every row, content and digest as it was, re-ingests still decided (I1)', async () => {
    const one = batch('acc-1', '2026-01-05', 7, [{ cost: '2.5', credit: '-0.000000001', skuName: 'Имя, "в кавычках"' }]).rows;
    const two = batch('acc-2', '2026-01-05', 9, [{ skuId: 'sku-b', cost: '12345678901.123456789' }]).rows;
    const file = join(dir, 'v5.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE applies (id INTEGER PRIMARY KEY, source_key TEXT NOT NULL, applied_at TEXT NOT NULL);
      CREATE TABLE account_days (day TEXT NOT NULL, account_id TEXT NOT NULL, version INTEGER NOT NULL, apply_id INTEGER NOT NULL,
        digest BLOB, content TEXT NOT NULL, PRIMARY KEY (day, account_id)) WITHOUT ROWID;
      CREATE VIEW usage_aggregates AS SELECT a.day AS day FROM account_days AS a;
      INSERT INTO applies (source_key, applied_at) VALUES ('a.csv', '2026-01-06T00:00:00.000Z'), ('b.csv', '2026-01-07T00:00:00.000Z');`);
    const insert = old.prepare('INSERT INTO account_days VALUES (?, ?, ?, ?, ?, ?)');
    const bytes = (rows: typeof one) => Buffer.from(accountDayDigest(rows), 'hex');
    insert.run('2026-01-06', 'acc-1', 7, 2, bytes(one), accountDayContent(one));
    insert.run('2026-01-05', 'acc-2', 9, 1, bytes(two), accountDayContent(two));
    insert.run('2026-01-05', 'acc-1', 7, 1, bytes(one), accountDayContent(one));
    old.pragma('user_version = 5');
    const rowsBefore = old
      .prepare('SELECT day, account_id, version, apply_id, digest, content FROM account_days ORDER BY day, account_id')
      .all();
    old.close();

    const store = createSqliteStore(file);
    open.push(store);
    expect(await store.usage.listAccountDayVersions(ALL)).toEqual([
      { accountId: 'acc-1', day: '2026-01-05', version: 7, sourceKey: 'a.csv' },
      { accountId: 'acc-2', day: '2026-01-05', version: 9, sourceKey: 'a.csv' },
      { accountId: 'acc-1', day: '2026-01-06', version: 7, sourceKey: 'b.csv' },
    ]);
    expect(await collect(store.usage.scanUsage(ALL))).toEqual([...one, ...two, ...one.map((a) => ({ ...a, day: '2026-01-06' }))]);
    const kept = new Database(file, { readonly: true });
    expect(kept.prepare('SELECT day, account_id, version, apply_id, digest, content FROM account_days ORDER BY id').all()).toEqual(
      rowsBefore,
    );
    expect(kept.prepare("SELECT sql FROM sqlite_master WHERE name = 'account_days'").pluck().get()).not.toMatch(/WITHOUT ROWID/i);
    expect(kept.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'account_days' AND type = 'index'").pluck().all()).toContain(
      'account_days_by_key',
    );
    expect(kept.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%v5%'").all()).toEqual([]);
    expect(kept.prepare('SELECT count(*) AS n FROM usage_aggregates').get()).toEqual({ n: 3 });
    expect(kept.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    kept.close();
    const same = await store.usage.applyAccountDays('again.csv', [{ accountId: 'acc-1', day: '2026-01-05', version: 7, rows: one }]);
    expect([same.appliedCount, same.conflictCount]).toEqual([1, 0]);
    const differs = await store.usage.applyAccountDays('other.csv', [batch('acc-2', '2026-01-05', 9, [{ cost: '1' }])]);
    expect(differs.conflictCount).toBe(1);
    // A new account-day goes in beside the migrated ones; the key stays unique.
    const fresh = await store.usage.applyAccountDays('new.csv', [batch('acc-3', '2026-01-05', 1, [{ cost: '3' }])]);
    expect(fresh.appliedCount).toBe(1);
    expect((await store.usage.listAccountDayVersions(ALL)).length).toBe(4);
  });

  it('refuses to migrate a v4 file holding a digest that is not 64 hex digits, and leaves it as it was', () => {
    const file = join(dir, 'v4-bad.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE account_days (day TEXT NOT NULL, account_id TEXT NOT NULL, version INTEGER NOT NULL, source_key TEXT NOT NULL,
        applied_at TEXT NOT NULL, digest TEXT, content TEXT NOT NULL, PRIMARY KEY (day, account_id)) WITHOUT ROWID;`);
    old.prepare('INSERT INTO account_days VALUES (?, ?, ?, ?, ?, ?, ?)').run('2026-01-05', 'acc-1', 7, 'a.csv', 'x', 'not-hex', '');
    old.pragma('user_version = 4');
    old.close();

    expect(() => createSqliteStore(file)).toThrow(/account_days \(day=2026-01-05, account_id=acc-1\): the digest is not 64 hex digits/);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(4);
    expect(after.prepare('SELECT digest FROM account_days').all()).toEqual([{ digest: 'not-hex' }]);
    after.close();
  });

  it('refuses a database file written by a newer schema version', () => {
    openStore();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();

    expect(() => createSqliteStore(path)).toThrow(new RegExp(`schema version ${SCHEMA_VERSION + 1} is newer`));
  });

  it('refuses money outside Decimal(22,9) instead of writing what it could not read back', async () => {
    const store = openStore();
    const tooBig = batch('acc-1', '2026-01-05', 1, [{}]);
    tooBig.rows[0]!.cost = parseMoney('10000000000000');

    await expect(store.usage.applyAccountDays('x.csv', [batch('acc-0', '2026-01-05', 1, [{}]), tooBig])).rejects.toMatchObject({
      code: 'INVALID_RECORD',
      message: expect.stringMatching(/usage_aggregates.*acc-1.*cost/),
    });
    expect(await usageIn(store, ALL.from, ALL.to)).toEqual([]);
  });

  for (const [where, writerFrom] of WRITES)
    it(`leaves the store exactly as before when an apply fails at any write step, and a retry applies everything (I3), writes ${where}`, async () => {
      const scratchPath = join(dir, 'scratch.db');
      const steps: string[] = [];
      const scratch = createSqliteStore(scratchPath, { writerFrom, faultInjector: (step) => steps.push(step) });
      open.push(scratch);
      await scratch.usage.applyAccountDays('base.csv', BASELINE);
      steps.length = 0;
      await scratch.usage.applyAccountDays('update.csv', UPDATE);
      // One chunk of account-days (the call is smaller than a chunk): its two write steps, then the commit.
      expect(steps).toEqual(['first-seen:1', 'replace:1', 'commit']);

      let failAt: string | null = null;
      const store = openStore({
        writerFrom,
        faultInjector: (step) => {
          if (step === failAt) throw new Error(`injected fault at ${step}`);
        },
      });
      await store.usage.applyAccountDays('base.csv', BASELINE);
      const before = await usageState(store, path);

      for (const step of steps) {
        failAt = step;
        await expect(store.usage.applyAccountDays('update.csv', UPDATE)).rejects.toThrow(`injected fault at ${step}`);
        expect(await usageState(store, path), `after a fault at ${step}`).toEqual(before);
      }

      failAt = null;
      const result = await store.usage.applyAccountDays('update.csv', UPDATE);
      expect(result.applied.map((v) => v.accountId)).toEqual(['acc-1', 'acc-3', 'acc-4']);
      expect(result.stale).toEqual([{ accountId: 'acc-2', day: '2026-01-05', version: 400, storedVersion: 500 }]);
      const after = await usageState(store, path);
      expect(after.usage).toEqual(await usageIn(scratch, ALL.from, ALL.to));
      expect(after.usage.map((a) => `${a.accountId} ${a.skuId} ${a.cost}`)).toEqual([
        'acc-1 sku-b 20.5',
        'acc-2 sku-vcpu 3',
        'acc-3 sku-vcpu 40',
        'acc-3 sku-z -0.000000001',
        'acc-4 sku-vcpu 50',
      ]);
    });

  it('stores the same digest of each first-seen content whether the writer thread or the apply hashes it, and every digest is its content’s SHA-256 (I1)', async () => {
    const days = Array.from({ length: 1_300 }, (_, i) =>
      batch(`acc-${String(i % 130).padStart(3, '0')}`, addDays('2026-01-01', Math.floor(i / 130)), 1, [
        { skuId: `sku-${i % 7}`, cost: `${i}.5` },
        ...(i % 3 === 0 ? [{ skuId: 'sku-x', cost: '-0.000000001', skuName: 'Имя, «с кавычками» "и" запятой' }] : []),
      ]),
    );
    const rows: unknown[][] = [];
    for (const firstSeenDigests of ['writer', 'main', 'adaptive'] as const) {
      const store = createSqliteStore(join(dir, `digests-${firstSeenDigests}.db`), { writerFrom: 0, firstSeenDigests });
      open.push(store);
      expect((await store.usage.applyAccountDays('digests.csv', days)).appliedCount).toBe(1_300);
      const raw = new Database(join(dir, `digests-${firstSeenDigests}.db`), { readonly: true });
      try {
        const stored = raw.prepare('SELECT day, account_id, content, digest FROM account_days ORDER BY day, account_id').all() as {
          content: string;
          digest: Buffer;
        }[];
        expect(stored).toHaveLength(1_300);
        for (const row of stored)
          expect(row.digest.toString('hex'), row.content).toBe(createHash('sha256').update(row.content, 'utf8').digest('hex'));
        rows.push(stored);
      } finally {
        raw.close();
      }
    }
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[2]).toEqual(rows[0]);
  });

  for (const [where, writerFrom] of WRITES)
    it(`writes large account-days a few at a time: a chunk ends at 5,000 aggregates as well as at 500 account-days, writes ${where}`, async () => {
      const steps: string[] = [];
      const store = createSqliteStore(join(dir, 'chunks.db'), { writerFrom, faultInjector: (step) => steps.push(step) });
      open.push(store);
      const skus = Array.from({ length: 1_000 }, (_, i) => ({ skuId: `sku-${String(i).padStart(4, '0')}`, cost: '1' }));
      const large = Array.from({ length: 12 }, (_, i) => batch(`acc-${String(i).padStart(2, '0')}`, '2026-01-05', 1, skus));

      const result = await store.usage.applyAccountDays('large.csv', large);

      // 12 account-days of 1,000 aggregates: chunks of 5, 5 and 2.
      expect(steps).toEqual(['first-seen:1', 'replace:1', 'first-seen:2', 'replace:2', 'first-seen:3', 'replace:3', 'commit']);
      expect(result.appliedCount).toBe(12);
      const stored = await usageIn(store, '2026-01-05', '2026-01-05');
      expect(stored.length).toBe(12_000);
      expect(stored.every((a) => a.cost === '1')).toBe(true);
    });

  for (const [where, writerFrom] of WRITES)
    it(`recovers to none or all of an apply when the process is killed mid-transaction (I3), writes ${where}`, async () => {
      const child = join(dir, 'apply-child.mts');
      writeFileSync(
        child,
        `import { createSqliteStore } from ${JSON.stringify(join(REPO, 'shared/adapters/sqlite/sqlite-store.ts'))};
       import { batch } from ${JSON.stringify(join(REPO, 'test/contract/fixtures.ts'))};
       const [path, crashAt, writerFrom] = process.argv.slice(2);
       const store = createSqliteStore(path, { writerFrom: writerFrom === '' ? undefined : Number(writerFrom), faultInjector: (step) => { if (step === crashAt) process.kill(process.pid, 'SIGKILL'); } });
       await store.usage.applyAccountDays('update.csv', [
         batch('acc-1', '2026-01-05', 200, [{ skuId: 'sku-b', cost: '20.5' }]),
         batch('acc-3', '2026-01-06', 100, [{ cost: '40' }]),
       ]);
       await store.close();`,
      );
      const applyInChild = (crashAt: string) =>
        spawnSync(process.execPath, ['--import', 'tsx', child, path, crashAt, String(writerFrom ?? '')], { cwd: REPO, encoding: 'utf8' });
      const seed = createSqliteStore(path);
      await seed.usage.applyAccountDays('base.csv', BASELINE);
      await seed.close();
      const reader = openStore();
      const before = await usageState(reader, path);

      for (const crashAt of ['first-seen:1', 'replace:1', 'commit']) {
        const killed = applyInChild(crashAt);
        expect(killed.signal, killed.stderr).toBe('SIGKILL');
        expect(await usageState(reader, path), `after a crash at ${crashAt}`).toEqual(before);
      }

      const finished = applyInChild('never');
      expect(finished.status, finished.stderr).toBe(0);
      expect((await usageIn(reader, ALL.from, ALL.to)).map((a) => `${a.accountId} ${a.skuId} ${a.cost}`)).toEqual([
        'acc-1 sku-b 20.5',
        'acc-2 sku-vcpu 3',
        'acc-3 sku-vcpu 40',
      ]);
    });

  it('scans one snapshot even when an apply commits while the scan is iterated', async () => {
    const store = openStore();
    await store.usage.applyAccountDays('base.csv', BASELINE);
    const seen: string[] = [];

    for await (const row of store.usage.scanUsage(ALL)) {
      if (seen.length === 0) await store.usage.applyAccountDays('update.csv', UPDATE);
      seen.push(`${row.accountId} ${row.skuId}`);
    }

    expect(seen).toEqual(['acc-1 sku-a', 'acc-1 sku-b', 'acc-2 sku-vcpu', 'acc-3 sku-vcpu']);
    expect(await collect(store.usage.scanUsage(ALL))).toHaveLength(5);
  });

  describe('reading a corrupted row fails naming the table and the key', () => {
    const corruptions: [string, string, (store: Store) => Promise<unknown>, RegExp][] = [
      [
        'a money string',
        `UPDATE account_days SET content = '["svc","sku","RUB","12,50","0",1,"",""]' || char(10)`,
        (s) => collect(s.usage.scanUsage(ALL)),
        /account_days \(day="2026-01-05", account_id="acc-1"\).*content line 1.*nano-units/,
      ],
      [
        'a content line that is not JSON',
        `UPDATE account_days SET content = content || '["svc"' || char(10)`,
        (s) => collect(s.usage.scanUsage(ALL)),
        /account_days \(day="2026-01-05", account_id="acc-1"\).*content line 2: not JSON/,
      ],
      [
        'a float-formatted amount',
        "UPDATE ledger_entries SET amount = '1e-7'",
        (s) => s.ledger.listEntries(),
        /ledger_entries \(id="p-1\/2026-Q1\/ml-ai\/RUB\/1"\).*amount/,
      ],
      ['a currency', "UPDATE ledger_entries SET currency = 'EUR'", (s) => s.ledger.listEntries(), /ledger_entries .*currency/],
      [
        'a day',
        "UPDATE subaccount_links SET from_day = '2026-02-30'",
        (s) => s.program.listLinks(),
        /subaccount_links \(id="l-1"\).*from_day/,
      ],
      ['a version', "UPDATE account_days SET version = 'x'", (s) => s.usage.listAccountDayVersions(ALL), /account_days .*version/],
      [
        'rules versions JSON',
        "UPDATE accrual_runs SET rules_versions = '[2023'",
        (s) => s.ledger.listRuns(),
        /accrual_runs \(run_id="r-1"\).*rules_versions/,
      ],
    ];

    for (const [what, sql, read, message] of corruptions) {
      it(`rejects ${what}`, async () => {
        const store = openStore();
        await store.program.insertLink(link('l-1', 'p-1', 'sub-a', '2026-01-01'));
        await store.usage.applyAccountDays('k.csv', [batch('acc-1', '2026-01-05', 1, [{}])]);
        await store.ledger.appendRun(run('r-1', '2026-Q1', '2026-04-01T00:00:00.000Z', 1), [
          entry('r-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '1' }),
        ]);
        const raw = new Database(path);
        raw.exec(sql);
        raw.close();

        await expect(read(store)).rejects.toMatchObject({ code: 'CORRUPT_ROW', message: expect.stringMatching(message) });
      });
    }
  });
});
