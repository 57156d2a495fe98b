/**
 * I2 and I3 on the bounded-memory path (issue 11): a file large enough to spill into many sorted
 * runs and to be applied in several chunks of account-days. A failure injected at every step —
 * each spill, each chunk's delete / insert / version write, the commit, the ingest-log write —
 * leaves none or all of the file visible and no runs behind, and the retry finishes the job; a
 * process killed mid-spill or mid-apply recovers the same way and its runs are cleaned up by the
 * next ingest. A file that is only found invalid after spilling (a bad last row, a second
 * currency split across runs) applies nothing.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../shared/adapters/sqlite/sqlite-store';
import { addDays } from '../../shared/domain/calendar';
import { formatMoney } from '../../shared/domain/money';
import { listLocalExports } from '../../shared/ingest/local-source';
import type { Store } from '../../shared/ports/store';
import { ingestExport } from '../../shared/usecases/ingest-export';
import type { ParseWorkerData } from '../../shared/ingest/parse-worker';
import { sourceParseWorker } from '../support/parse-worker-source';
import { usageCsv, type UsageRowSpec } from '../support/usage-export-csv';

const ACCOUNTS = 400;
const DAYS = 3;
/** Groups + account-days per run: the file (1,200 account-days, 2,400 groups) makes dozens of runs. */
const MAX_GROUPS = 150;
const NOW = new Date('2026-04-01T00:00:00Z');
/**
 * Where the apply's writes run — the store's connection (the default for this small file), or the
 * writer thread (0 forces it) — and whether the rows are scanned and checked on the parse worker
 * (as the CLI parses a large file; here forced for a small one).
 */
const WRITES = [
  ['on the store connection', undefined, false],
  ['on the writer thread', 0, false],
  ['on the writer thread, the rows parsed on the parse worker', 0, true],
] as const;

const account = (a: number) => `acc-${String(a).padStart(3, '0')}`;

/** Every group gets two rows half a file apart, so the same group lands in two different runs. */
function fileRows(version: number, cents: number): UsageRowSpec[] {
  const rows: UsageRowSpec[] = [];
  for (let pass = 0; pass < 2; pass++)
    for (let d = 0; d < DAYS; d++)
      for (let a = 0; a < ACCOUNTS; a++)
        for (const sku of ['dn2sku-cpu', 'dn2sku-ram'])
          rows.push({
            account: account(a),
            day: addDays('2026-03-01', d),
            sku,
            cost: `${a}.${cents + pass}`,
            credit: '-0.000000001',
            updatedAt: version,
          });
  return rows;
}

let root: string;
let spillDir: string;
let file: string;
let before: string[];
let after: string[];
let steps: string[];
/** Parse workers started by `ingest`: the worker configuration must parse on one. */
let workersStarted = 0;

async function state(path: string): Promise<string[]> {
  const store = createSqliteStore(path);
  try {
    const seen: string[] = [];
    for await (const a of store.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' }))
      seen.push(`${a.accountId} ${a.day} ${a.skuId} ${formatMoney(a.cost)} ${formatMoney(a.credit)} ${a.rows}`);
    const versions = await store.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-12-31' });
    return [...seen, ...versions.map((v) => `${v.accountId} ${v.day} v${v.version}`)];
  } finally {
    await store.close();
  }
}

/** A store whose writes, and the ingest's spills, can fail at a named step. */
function faulty(path: string, fault: (step: string) => void, writerFrom?: number): Store {
  const store = createSqliteStore(path, { faultInjector: fault, writerFrom });
  const recordIngest = store.usage.recordIngest.bind(store.usage);
  store.usage.recordIngest = async (entry) => {
    fault('record-ingest');
    return recordIngest(entry);
  };
  return store;
}

async function ingest(store: Store, fault: (step: string) => void = () => undefined, onWorker = false) {
  const [object] = await listLocalExports(file);
  let spills = 0;
  const spill = { directory: spillDir, maxGroups: MAX_GROUPS, afterSpill: () => fault(`spill:${++spills}`) };
  let ids = 0;
  const counted = {
    start: (data: ParseWorkerData) => {
      workersStarted++;
      return sourceParseWorker.start(data);
    },
  };
  const worker = onWorker ? { parseWorker: counted, parseWorkerFromBytes: 0 } : {};
  return ingestExport({ store, clock: () => NOW, newId: () => `ingest-${++ids}`, spill, ...worker }, object!);
}

/** The stored older copy of a third of the file's account-days (the apply must replace them). */
async function preload(path: string): Promise<void> {
  const older = join(root, 'older.csv');
  writeFileSync(older, usageCsv(fileRows(1_770_000_000, 10).filter((r) => Number(r.account.slice(4)) % 3 === 0)));
  const store = createSqliteStore(path);
  const [object] = await listLocalExports(older);
  await ingestExport({ store, clock: () => NOW, newId: () => 'preload' }, object!);
  await store.close();
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'staged-crash-'));
  spillDir = join(root, 'spill');
  mkdirSync(spillDir);
  file = join(root, 'export.csv');
  writeFileSync(file, usageCsv(fileRows(1_774_000_000, 20)));
  const path = join(root, 'reference.db');
  await preload(path);
  before = await state(path);
  const recorded: string[] = [];
  const store = faulty(path, (step) => recorded.push(step));
  const outcome = await ingest(store, (step) => recorded.push(step));
  await store.close();
  expect(outcome).toMatchObject({ status: 'applied', accountDaysApplied: ACCOUNTS * DAYS });
  after = await state(path);
  steps = recorded;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bounded-memory ingest: all or nothing at every step (I3)', () => {
  it('spills the file into many runs and applies it in several chunks, summing the partials of each group exactly', () => {
    const spills = steps.filter((s) => s.startsWith('spill:'));
    expect(spills.length).toBeGreaterThan(10);
    expect(steps.filter((s) => s !== 'commit' && s !== 'record-ingest' && !s.startsWith('spill:'))).toEqual([
      'first-seen:1',
      'replace:1',
      'first-seen:2',
      'replace:2',
      'first-seen:3',
      'replace:3',
    ]);
    expect(steps.slice(-2)).toEqual(['commit', 'record-ingest']);
    // Two rows per group, in two runs: 41.20 + 41.21, two credits of a nano-unit.
    expect(after).toContain('acc-041 2026-03-02 dn2sku-ram 82.41 -0.000000002 2');
    expect(after).toContain('acc-399 2026-03-03 v1774000000');
    expect(before).toContain('acc-399 2026-03-03 v1770000000');
    expect(readdirSync(spillDir)).toEqual([]);
  });

  for (const [where, writerFrom, onWorker] of WRITES)
    it(`leaves the store as before and no runs behind after a failure at any step, and a retry applies the whole file, writes ${where}`, async () => {
      // Every step except the dozens of spills, of which the first, a middle one and the last.
      const spills = steps.filter((s) => s.startsWith('spill:'));
      const targets = [
        ...new Set([spills[0]!, spills[Math.floor(spills.length / 2)]!, spills.at(-1)!, ...steps.filter((s) => !s.startsWith('spill:'))]),
      ];
      expect(targets).toHaveLength(3 + 8);
      for (const [index, target] of targets.entries()) {
        const path = join(root, `throw-${index}-${writerFrom ?? 'connection'}.db`);
        await preload(path);
        let armed = true;
        const fault = (step: string) => {
          if (armed && step === target) throw new Error(`injected crash at ${step}`);
        };
        const store = faulty(path, fault, writerFrom);
        await expect(ingest(store, fault, onWorker), target).rejects.toThrow(`injected crash at ${target}`);
        expect(await state(path), target).toEqual(target === 'record-ingest' ? after : before);
        expect(readdirSync(spillDir), target).toEqual([]);
        armed = false;
        expect(await ingest(store, undefined, onWorker), target).toMatchObject({ status: 'applied', accountDaysApplied: ACCOUNTS * DAYS });
        expect(await state(path), target).toEqual(after);
        await store.close();
        rmSync(path, { force: true });
      }
      // Two ingests per step, each on a worker of its own in that configuration.
      expect(workersStarted).toBe(onWorker ? 2 * targets.length : 0);
      workersStarted = 0;
    }, 180_000);
});

const exec = promisify(execFile);
const CHILD = `
const [{ createSqliteStore }, { listLocalExports }, { ingestExport }, { sourceParseWorker }] = await Promise.all([
  import(${JSON.stringify(fileURLToPath(new URL('../../shared/adapters/sqlite/sqlite-store.ts', import.meta.url)))}),
  import(${JSON.stringify(fileURLToPath(new URL('../../shared/ingest/local-source.ts', import.meta.url)))}),
  import(${JSON.stringify(fileURLToPath(new URL('../../shared/usecases/ingest-export.ts', import.meta.url)))}),
  import(${JSON.stringify(fileURLToPath(new URL('../support/parse-worker-source.ts', import.meta.url)))}),
]);
const { DB, TARGET, FILE, SPILL, MAX, WRITER_FROM, ON_WORKER } = process.env;
const kill = (step) => { if (step === TARGET) process.kill(process.pid, 'SIGKILL'); };
const store = createSqliteStore(DB, { faultInjector: kill, writerFrom: WRITER_FROM === '' ? undefined : Number(WRITER_FROM) });
const [object] = await listLocalExports(FILE);
let spills = 0;
const spill = { directory: SPILL, maxGroups: Number(MAX), afterSpill: () => kill('spill:' + ++spills) };
const worker = ON_WORKER === '1' ? { parseWorker: sourceParseWorker, parseWorkerFromBytes: 0 } : {};
await ingestExport({ store, clock: () => new Date('2026-04-01T00:00:00Z'), newId: () => 'child', spill, ...worker }, object);
process.exit(3);
`;

describe('bounded-memory ingest: a killed process (I3)', () => {
  for (const [where, writerFrom, onWorker] of WRITES)
    it(`recovers to none of the file after SIGKILL mid-spill, between chunks or at the commit; the next ingest removes its runs and applies all, writes ${where}`, async () => {
      for (const target of ['spill:5', 'replace:2', 'commit']) {
        const path = join(root, `kill-${target.replace(':', '-')}-${writerFrom ?? 'connection'}${onWorker ? '-worker' : ''}.db`);
        await preload(path);
        const failure = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
          env: {
            ...process.env,
            DB: path,
            TARGET: target,
            FILE: file,
            SPILL: spillDir,
            MAX: String(MAX_GROUPS),
            WRITER_FROM: String(writerFrom ?? ''),
            ON_WORKER: onWorker ? '1' : '0',
          },
        }).then(
          () => null,
          (e: { signal?: string; stderr?: string }) => e,
        );
        expect(failure?.signal, `${target}: ${failure?.stderr ?? 'child exited normally'}`).toBe('SIGKILL');
        expect(await state(path), target).toEqual(before);
        // The killed process's runs are still there, under its process id …
        expect(readdirSync(spillDir).length, target).toBe(1);
        const store = createSqliteStore(path);
        expect(await ingest(store), target).toMatchObject({ status: 'applied', accountDaysApplied: ACCOUNTS * DAYS });
        await store.close();
        expect(await state(path), target).toEqual(after);
        // … until the next ingest that spills removes them.
        expect(readdirSync(spillDir), target).toEqual([]);
      }
    }, 120_000);
});

describe('bounded-memory ingest: a file found invalid only after spilling (I2)', () => {
  it('rejects a file whose last row is bad, and one whose account-day has a second currency in a later run; nothing applied, no runs left', async () => {
    const rows = fileRows(1_774_000_000, 20);
    const badLast = [...rows, { account: 'acc-001', day: '2026-03-01', cost: 'ten', credit: '0', updatedAt: 1_774_000_000 }];
    const secondCurrency = [
      ...rows,
      { account: 'acc-002', day: '2026-03-01', sku: 'dn2sku-gpu', currency: 'USD', cost: '1', credit: '0', updatedAt: 1_774_000_000 },
    ];
    for (const [name, content, expected] of [
      ['bad-last.csv', badLast, { line: rows.length + 2, column: 'cost' }],
      ['second-currency.csv', secondCurrency, { line: rows.length + 2, column: 'currency' }],
    ] as const) {
      const path = join(root, `${name}.db`);
      await preload(path);
      file = join(root, name);
      writeFileSync(file, usageCsv([...content]));
      const store = createSqliteStore(path);
      const outcome = await ingest(store);
      await store.close();
      expect(outcome.status, name).toBe('rejected');
      expect(outcome.problems[0], name).toMatchObject(expected);
      expect(await state(path), name).toEqual(before);
      expect(readdirSync(spillDir), name).toEqual([]);
    }
  }, 60_000);
});
