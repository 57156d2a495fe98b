/**
 * I3 crash safety of an ingest, at the handler / use-case level: a failure injected at every
 * write step of the SQLite store (and before the ingest-log write) leaves either none or all of
 * the file's account-days visible, and the retried event finishes the job. The second suite
 * kills a real process (SIGKILL) at every step, so SQLite's journal recovery is exercised too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestUsageHandler, IngestRetryError } from '../../functions/ingest-usage/handler';
import { createSqliteStore } from '../../shared/adapters/sqlite/sqlite-store';
import { formatMoney } from '../../shared/domain/money';
import type { Store } from '../../shared/ports/store';
import { createMemoryExportSource } from '../support/memory-export-source';
import { usageCsv } from '../support/usage-export-csv';

const BUCKET = 'billing-exports';
const KEY = 'partner/20260331.csv';
const OLD_KEY = 'partner/20260331-morning.csv';
const event = { bucket: BUCKET, key: KEY };
const triggerEvent = {
  messages: [
    {
      event_metadata: { event_id: 'e-1', event_type: 'yandex.cloud.events.storage.ObjectCreate', created_at: '2026-03-31T21:00:00Z' },
      details: { bucket_id: BUCKET, object_id: KEY },
    },
  ],
};

// Already stored: an older version of two of the file's account-days, and an unrelated one.
const OLD_CSV = usageCsv([
  { account: 'acc-1', day: '2026-03-31', cost: '10', credit: '-1', updatedAt: 1774900000 },
  { account: 'acc-2', day: '2026-03-31', cost: '20', credit: '0', updatedAt: 1774900000 },
  { account: 'acc-9', day: '2026-03-31', cost: '99.999999999', credit: '0', updatedAt: 1774900000 },
]);
// The file being ingested: three account-days, one of them with several SKUs.
const NEW_CSV = usageCsv([
  { account: 'acc-1', day: '2026-03-30', cost: '5.5', credit: '0', updatedAt: 1775000000 },
  { account: 'acc-1', day: '2026-03-31', cost: '11.000000001', credit: '-1', updatedAt: 1775000000 },
  { account: 'acc-1', day: '2026-03-31', sku: 'dn2sku-ram', cost: '3.3', credit: '-0.3', updatedAt: 1775000000 },
  { account: 'acc-2', day: '2026-03-31', cost: '21', credit: '0', updatedAt: 1775000000 },
]);

interface Snapshot {
  usage: string[];
  versions: string[];
}

/** Everything an accrual could see, read through a separate connection. */
async function snapshot(path: string): Promise<Snapshot> {
  const reader = createSqliteStore(path);
  try {
    const usage: string[] = [];
    for await (const a of reader.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' })) {
      usage.push(`${a.accountId} ${a.day} ${a.skuId} ${formatMoney(a.cost)} ${formatMoney(a.credit)}`);
    }
    const versions = (await reader.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-12-31' })).map(
      (v) => `${v.accountId} ${v.day} ${v.version}`,
    );
    return { usage, versions };
  } finally {
    await reader.close();
  }
}

function sourceWithFiles() {
  const source = createMemoryExportSource();
  source.put(BUCKET, OLD_KEY, OLD_CSV);
  source.put(BUCKET, KEY, NEW_CSV);
  return source;
}

/** A store whose every write step — the store's own, plus the ingest-log write — can fail. */
function faultyStore(path: string, fault: (step: string) => void): Store {
  const store = createSqliteStore(path, { faultInjector: fault });
  const recordIngest = store.usage.recordIngest.bind(store.usage);
  store.usage.recordIngest = async (entry) => {
    fault('record-ingest');
    return recordIngest(entry);
  };
  return store;
}

async function preload(path: string): Promise<void> {
  const store = createSqliteStore(path);
  const handler = createIngestUsageHandler(async () => ({ store, source: sourceWithFiles(), logLevel: 'error' }));
  await handler({ bucket: BUCKET, key: OLD_KEY }, { requestId: 'preload' });
  await store.close();
}

let root: string;
let before: Snapshot;
let after: Snapshot;
let steps: string[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ingest-crash-'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const path = join(root, 'reference.db');
  await preload(path);
  before = await snapshot(path);
  const recorded: string[] = [];
  const store = faultyStore(path, (step) => recorded.push(step));
  const handler = createIngestUsageHandler(async () => ({ store, source: sourceWithFiles(), logLevel: 'error' }));
  const result = await handler(event, { requestId: 'reference' });
  await store.close();
  expect(result.counts.applied).toBe(1);
  after = await snapshot(path);
  steps = recorded;
});

afterAll(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

describe('ingest crash safety (I3), failure injected at every write step', () => {
  it('has a write step for each write of the chunk of account-days, the commit and the ingest log', () => {
    // One chunk (3 account-days) × (first-seen account-days, replaced account-days) + commit + ingest log: the injection is real.
    expect(steps).toEqual(['first-seen:1', 'replace:1', 'commit', 'record-ingest']);
    expect(steps).toContain('commit');
    expect(steps.at(-1)).toBe('record-ingest');
    expect(before).not.toEqual(after);
    expect(after.usage).toEqual([
      'acc-1 2026-03-30 dn2sku-cpu-standard 5.50 0.00',
      'acc-1 2026-03-31 dn2sku-cpu-standard 11.000000001 -1.00',
      'acc-1 2026-03-31 dn2sku-ram 3.30 -0.30',
      'acc-2 2026-03-31 dn2sku-cpu-standard 21.00 0.00',
      'acc-9 2026-03-31 dn2sku-cpu-standard 99.999999999 0.00',
    ]);
  });

  it('leaves none or all of the file visible after a failure at any step, and the redelivered event finishes the job', async () => {
    expect(steps.length).toBeGreaterThan(0);
    for (const [index, target] of steps.entries()) {
      const path = join(root, `throw-${index}.db`);
      await preload(path);
      let armed = true;
      const store = faultyStore(path, (step) => {
        if (armed && step === target) throw new Error(`injected crash at ${step}`);
      });
      const handler = createIngestUsageHandler(async () => ({ store, source: sourceWithFiles(), logLevel: 'error' }));

      const error = await handler(triggerEvent, { requestId: `crash-${index}` }).catch((e: unknown) => e);
      expect(error, target).toBeInstanceOf(IngestRetryError);
      expect((error as IngestRetryError).result.items[0]!.reason).toBe(`injected crash at ${target}`);
      // Inside the apply transaction nothing shows; after its commit everything does.
      const seen = await snapshot(path);
      expect(seen, target).toEqual(target === 'record-ingest' ? after : before);

      armed = false;
      const retried = await handler(triggerEvent, { requestId: `retry-${index}` });
      expect(retried.items[0], target).toMatchObject({ status: 'applied', accountDaysApplied: 3 });
      expect(await snapshot(path), target).toEqual(after);
      expect(
        (await store.usage.listIngestLog({ objectKey: `s3://${BUCKET}/${KEY}` })).map((e) => e.status),
        target,
      ).toEqual(['applied']);
      await store.close();
    }
  });
});

const exec = promisify(execFile);
const CHILD_SCRIPT = `
const [{ createIngestUsageHandler }, { createSqliteStore }, { createMemoryExportSource }] = await Promise.all([
  import(${JSON.stringify(fileURLToPath(new URL('../../functions/ingest-usage/handler.ts', import.meta.url)))}),
  import(${JSON.stringify(fileURLToPath(new URL('../../shared/adapters/sqlite/sqlite-store.ts', import.meta.url)))}),
  import(${JSON.stringify(fileURLToPath(new URL('../support/memory-export-source.ts', import.meta.url)))}),
]);
const { DB, TARGET, CSV, BUCKET, KEY } = process.env;
const store = createSqliteStore(DB, { faultInjector: (step) => { if (step === TARGET) process.kill(process.pid, 'SIGKILL'); } });
const recordIngest = store.usage.recordIngest.bind(store.usage);
store.usage.recordIngest = async (entry) => { if (TARGET === 'record-ingest') process.kill(process.pid, 'SIGKILL'); return recordIngest(entry); };
const source = createMemoryExportSource();
source.put(BUCKET, KEY, CSV);
const handler = createIngestUsageHandler(async () => ({ store, source, logLevel: 'error' }));
await handler({ bucket: BUCKET, key: KEY }, { requestId: 'child' });
process.exit(3);
`;

describe('ingest crash safety (I3), process killed at every write step', () => {
  it('recovers to none or all of the file after SIGKILL at any step, and a re-run finishes the job', async () => {
    expect(steps.length).toBeGreaterThan(0);
    for (const [index, target] of steps.entries()) {
      const path = join(root, `kill-${index}.db`);
      await preload(path);
      const run = exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD_SCRIPT], {
        env: { ...process.env, DB: path, TARGET: target, CSV: NEW_CSV, BUCKET, KEY },
      });
      const failure = await run.then(
        () => null,
        (e: { signal?: string; stderr?: string }) => e,
      );
      expect(failure?.signal, `${target}: ${failure?.stderr ?? 'child exited normally'}`).toBe('SIGKILL');

      expect(await snapshot(path), target).toEqual(target === 'record-ingest' ? after : before);
      const store = createSqliteStore(path);
      const handler = createIngestUsageHandler(async () => ({ store, source: sourceWithFiles(), logLevel: 'error' }));
      const rerun = await handler(event, { requestId: `rerun-${index}` });
      expect(rerun.items[0], target).toMatchObject({ status: 'applied', accountDaysApplied: 3 });
      await store.close();
      expect(await snapshot(path), target).toEqual(after);
    }
  }, 120_000);
});
