/**
 * Deploy rehearsal: each function's built zip, unpacked alone (no node_modules), run by plain
 * `node` — this machine's and the cloud's Node 22.15 — with exactly the environment Terraform
 * gives it. Terraform's references become realistic local values of the same form: its
 * `ydb_full_endpoint` becomes `grpc://127.0.0.1:<port>/?database=/local` (the YDB protocol fake),
 * the Lockbox S3 keys become s3rver's, `var.*` take their defaults. Three keys are added:
 * S3_ENDPOINT (s3rver) and BILLING_API_ENDPOINT (the in-process Billing API fake, which checks the
 * invocation's token), which Terraform leaves to the real services, and REBATES_NOW (the
 * rehearsal's "now", so posting 2026-Q1 does not depend on the day it runs).
 * Then the functions are invoked with fixture events, as the triggers and an operator would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../scripts/build';
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { loadConfig } from '../../shared/config';
import { quartersForTimer } from '../../shared/usecases/accrue';
import { nodeRuntimes, type NodeRuntime } from '../support/node-runtimes';
import { startS3rver, toStorageTriggerEvent, type S3rverHandle } from '../support/s3rver';
import { functionEnvironments } from '../support/terraform-env';
import { unzipInto } from '../support/unzip';
import { usageCsv } from '../support/usage-export-csv';
import { startFakeBillingApi, type FakeBillingApi, type FakeBillingData } from '../billing/fake-billing-api';
import { FakeYdb } from '../ydb/fake/fake-ydb';

const RUNNER = resolve('test/support/function-runner.cjs');
const BUCKET = 'billing-exports';
const billingData = JSON.parse(readFileSync('test/fixtures/billing/catalog.json', 'utf8')) as FakeBillingData;
/** The invocation's IAM token (context.token): the Billing API fake accepts exactly this one. */
const TOKEN = billingData.token;
/** "Now" for the functions (REBATES_NOW, for rehearsals only): 2026-Q1 has ended, whatever day the tests run. */
const NOW = '2026-04-02T09:00:00Z';
const timerEvent = JSON.parse(readFileSync('test/fixtures/events/timer-no-payload.json', 'utf8')) as {
  messages: { details: Record<string, string> }[];
};

let out: string;
let zips: Record<string, string>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'rebates-rehearsal-'));
  const built = await buildFunctions(join(out, 'dist'));
  zips = Object.fromEntries(built.map((b) => [b.name, b.zip]));
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

describe.each(nodeRuntimes().map((r) => [r.name, r] as const))('deploy rehearsal under %s', (_name, runtime: NodeRuntime) => {
  let ydb: FakeYdb;
  let billing: FakeBillingApi;
  let s3: S3rverHandle;
  let client: S3Client;
  let envs: Record<string, Record<string, string>>;
  let seq = 0;

  beforeAll(async () => {
    ydb = await new FakeYdb().start();
    billing = await startFakeBillingApi(billingData);
    s3 = await startS3rver({ buckets: [BUCKET] });
    client = createS3Client(loadConfig(s3.env));
    envs = await functionEnvironments((ref) => {
      if (ref.expression.endsWith('.ydb_full_endpoint')) return `${ydb.endpoint}/?database=${ydb.database}`;
      if (ref.source === 'secret')
        return ref.secretKey === 'access_key_id' ? s3.accessKeyId : ref.secretKey === 'secret_access_key' ? s3.secretAccessKey : undefined;
      return undefined;
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
    await ydb?.stop();
    await billing?.close();
  });

  /** Runs invocations in one warm instance of the function, as the runtime would. */
  // The YDB fake answers from this process: the function runs in a child, awaited asynchronously.
  async function invoke(
    fn: string,
    events: unknown[],
    exportName = 'handler',
  ): Promise<{ ok: boolean; result?: any; error?: { name: string; code?: string; message: string } }[]> {
    const dir = join(out, `${runtime.path === process.execPath ? 'n20' : 'n22'}-${fn}-${++seq}`);
    unzipInto(zips[fn]!, dir);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const invocations = join(dir, 'invocations.json');
    const results = join(dir, 'results.jsonl');
    writeFileSync(invocations, JSON.stringify(events.map((event, i) => ({ event, token: TOKEN, requestId: `${fn}-${seq}-${i + 1}` }))));
    const env = { ...envs[fn]!, S3_ENDPOINT: s3.endpoint, BILLING_API_ENDPOINT: billing.endpoint, REBATES_NOW: NOW };
    const r = await run(runtime.path, [RUNNER, invocations, results, exportName], { cwd: dir, env });
    // The AWS SDK warns that Node 20 support ends soon; that warning alone is expected under Node 20.
    const stderr =
      runtime.path === process.execPath
        ? r.stderr.replace(/^\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?\(Use `node --trace-warnings[^\n]*\n/m, '')
        : r.stderr;
    expect(stderr, `${fn} wrote to stderr`).toBe('');
    expect(r.status, `${fn} exited with ${r.status}; stdout: ${r.stdout}`).toBe(0);
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(record).toMatchObject({
        level: expect.stringMatching(/^(DEBUG|INFO|WARN|ERROR)$/),
        msg: expect.any(String),
        request_id: expect.stringMatching(new RegExp(`^${fn}-`)),
      });
    }
    return readFileSync(results, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }

  it('gives every function the full-form YDB endpoint Terraform sets', () => {
    for (const fn of Object.keys(zips)) {
      if (!envs[fn]) continue;
      expect(envs[fn]).toMatchObject({ REBATES_STORE: 'ydb', YDB_ENDPOINT: `${ydb.endpoint}/?database=/local` });
    }
    expect(Object.keys(envs)).toEqual(expect.arrayContaining(['ingest-usage', 'accrue-rebates', 'operator']));
  });

  it('migrates, links, ingests a trigger batch, posts on the timer and reads the balance', async () => {
    const setup = await invoke('operator', [
      { action: 'migrate' },
      { action: 'partner.link', partnerId: 'p1', subaccountId: 'acc-1', from: '2025-01-01', actor: 'rehearsal', note: 'deploy rehearsal' },
      { action: 'specialization.grant', partnerId: 'p1', specialization: 'ml-ai', from: '2025-01-01', actor: 'rehearsal' },
      { action: 'partner.link', partnerId: 'p1', subaccountId: 'acc-1 ', from: '2025-01-01', actor: 'rehearsal' },
    ]);
    expect(
      setup.map((r) => r.ok && r.result.ok),
      JSON.stringify(setup),
    ).toEqual([true, true, true, false]);
    expect(setup[0]!.result.result).toMatchObject({ store: 'ydb', created: expect.arrayContaining(['ledger_entries']) });
    expect(setup[3]!.result.error.message).toMatch(/subaccountId: .*spaces/);

    const csv = usageCsv([
      { account: 'acc-1', day: '2026-03-15', service: 'dn2m45g7b9fhfnpqs0je', cost: '100.00', credit: '0', updatedAt: 1773900000 },
      { account: 'acc-1', day: '2026-03-15', service: 'dn2m45g7b9fhfnpqs0je', cost: '23.45', credit: '0', updatedAt: 1773900000 },
    ]);
    s3.discardEvents();
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'partner/20260315.csv', Body: csv }));
    const trigger = toStorageTriggerEvent(await s3.nextEvents(1));
    const [ingested] = await invoke('ingest-usage', [trigger]);
    expect(ingested).toMatchObject({
      ok: true,
      result: { ok: true, items: [{ key: 'partner/20260315.csv', status: 'applied', rows: 2, accountDaysApplied: 1 }] },
    });

    const named = { messages: [{ ...timerEvent.messages[0], details: { trigger_id: 'a1s-rehearsal', payload: '2026-Q1' } }] };
    const plain = { messages: [{ ...timerEvent.messages[0], details: { trigger_id: 'a1s-rehearsal' } }] };
    const [posted, again, scheduled] = await invoke('accrue-rebates', [named, named, plain]);
    expect(posted).toMatchObject({
      ok: true,
      result: { ok: true, quarters: [{ quarter: '2026-Q1', entriesAppended: 1, deltas: [{ currency: 'RUB', amount: '12.35' }] }] },
    });
    expect(again).toMatchObject({ ok: true, result: { quarters: [{ quarter: '2026-Q1', entriesAppended: 0 }] } });
    // Without a payload the timer takes today's quarters (UTC+3, the pinned NOW): 2026-Q1, posted already, and 2025-Q4.
    expect(scheduled!.result.quarters.map((q: { quarter: string; entriesAppended: number }) => [q.quarter, q.entriesAppended])).toEqual([
      ['2025-Q4', 0],
      ['2026-Q1', 0],
    ]);
    expect(quartersForTimer(new Date(NOW))).toEqual(['2025-Q4', '2026-Q1']);

    const read = await invoke('operator', [
      { action: 'balance', partnerId: 'p1' },
      { action: 'ingest', sources: [`s3://${BUCKET}/partner/`] },
      { action: 'ingest-log', limit: 10 },
      { action: 'statement', partnerId: 'p1', quarter: '2026-Q1' },
      { action: 'partner.erase', partnerId: 'p1' },
      { action: 'sync-catalog' },
    ]);
    expect(read[0]).toMatchObject({
      ok: true,
      result: { ok: true, result: { partnerId: 'p1', balances: [{ currency: 'RUB', amount: '12.35' }] } },
    });
    expect(read[1]!.result.result.files).toEqual([
      expect.objectContaining({ objectKey: `s3://${BUCKET}/partner/20260315.csv`, status: 'applied' }),
    ]);
    expect(read[2]!.result.result.entries).toHaveLength(2);
    expect(read[3]!.result.result.entries).toEqual([expect.objectContaining({ kind: 'accrual', amount: '12.35', actor: 'timer' })]);
    expect(read[5]!.result.result.changes.added).toContainEqual(
      expect.objectContaining({ specialization: 'business-tools', serviceId: 'dn2tracker0fake00001' }),
    );
    expect(billing.calls.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(read[4]).toMatchObject({
      ok: true,
      result: {
        ok: false,
        error: { code: 'ACTION_INVALID', message: expect.stringMatching(/unknown action "partner.erase"; valid actions: partner.link/) },
      },
    });
  }, 180_000);

  it('tells an operator what to set when a function runs without REBATES_STORE', () => {
    const { REBATES_STORE: _unset, ...env } = envs['operator']!;
    const dir = join(out, `nostore-${++seq}`);
    unzipInto(zips['operator']!, dir);
    writeFileSync(join(dir, 'inv.json'), JSON.stringify([{ event: { action: 'balance', partnerId: 'p1' } }]));
    spawnSync(runtime.path, [RUNNER, join(dir, 'inv.json'), join(dir, 'res.jsonl')], { cwd: dir, env, encoding: 'utf8' });
    const [result] = readFileSync(join(dir, 'res.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'STORE_CONFIG', message: expect.stringMatching(/set REBATES_STORE=ydb and YDB_ENDPOINT/) },
    });
  });
});
