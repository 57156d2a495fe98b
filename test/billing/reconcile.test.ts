/**
 * Reconciliation with Billing (issue 12) against the in-process Billing API fake: the `reconcile`
 * action of the operator function lists the differences beyond the tolerance, `accrue` with
 * `reconcile` turns them into BILLING_MISMATCH, and the CLI (spawned) shows the same.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/run-cli';
import { createOperatorHandler, type OperatorResponse } from '../../functions/operator/handler';
import { createLogger } from '../../shared/runtime/logger';
import { createBillingApi } from '../../shared/adapters/billing';
import { parseRules } from '../../shared/domain/rules';
import { ingestExport } from '../../shared/usecases/ingest-export';
import type { BillingApi } from '../../shared/ports/billing';
import type { FunctionRuntime } from '../../shared/runtime/function-runtime';
import { COMPUTE, SPEECHSENSE } from '../support/domain-builders';
import { GUARD_RULES_JSON } from '../support/guard-fixtures';
import { createTestEnv, csvObject, type TestEnv } from '../support/temp-store';
import { startFakeBillingApi, type FakeBillingApi, type FakeBillingData } from './fake-billing-api';

const TOKEN = 't1.reconcile-test-token';
const DATA: FakeBillingData = {
  token: TOKEN,
  usage: {
    acc1: {
      currency: 'RUB',
      rows: [
        { serviceId: SPEECHSENSE, serviceName: 'SpeechSense', day: '2026-02-10', cost: '100.005' }, // within the 0.01 tolerance
        { serviceId: SPEECHSENSE, serviceName: 'SpeechSense', day: '2026-02-11', cost: '30', credit: '-5' }, // the export for this day never arrived
        { serviceId: COMPUTE, serviceName: 'Compute Cloud', day: '2026-02-11', cost: '999' }, // not covered by these rules: not compared
      ],
    },
  },
};
const EXPORT = [
  'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,service_name',
  `acc1,${SPEECHSENSE},sku-1,2026-02-10,RUB,100.00,0,1770000000,SpeechSense`,
].join('\n');

let env: TestEnv;
let fake: FakeBillingApi;
let billing: BillingApi;
let handler: (event: unknown) => Promise<OperatorResponse>;

beforeEach(async () => {
  env = createTestEnv(parseRules(GUARD_RULES_JSON));
  env.setNow('2026-04-20T00:00:00Z');
  fake = await startFakeBillingApi(DATA);
  billing = createBillingApi({ iamToken: () => TOKEN, endpoint: fake.endpoint, retries: 0, usageReportIntervalMs: 0 });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: {} as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const h = createOperatorHandler(runtime, { clock: env.deps.clock, billing: () => billing });
  handler = (event) => h(event, { requestId: 'req-reconcile' });
  await handler({ action: 'partner.link', partnerId: 'p1', subaccountId: 'acc1', from: '2026-02-01', actor: 'anna' });
  await ingestExport(env.deps, csvObject('e/1.csv', EXPORT));
});
afterEach(async () => {
  vi.restoreAllMocks();
  billing.close();
  await fake.close();
  await env.cleanup();
});

const MISMATCH = {
  subaccountId: 'acc1',
  partnerId: 'p1',
  serviceId: SPEECHSENSE,
  serviceName: 'SpeechSense',
  day: '2026-02-11',
  currency: 'RUB',
  billing: '25.00',
  ingested: '0.00',
  difference: '-25.00',
};

describe('reconcile against the Billing API fake', () => {
  it("lists Billing's totals beside the ingested ones and the differences beyond the tolerance", async () => {
    const r = await handler({ action: 'reconcile', quarter: '2026-Q1', partnerId: 'p1' });
    expect(r).toMatchObject({ ok: true });
    const result = (r as { result: Record<string, any> }).result;
    expect(result.accounts).toEqual([
      {
        subaccountId: 'acc1',
        partnerId: 'p1',
        from: '2026-02-01',
        to: '2026-03-31',
        totals: [{ currency: 'RUB', billing: '125.005', ingested: '100.00' }],
        mismatches: 1,
      },
    ]);
    expect(result.mismatches).toEqual([MISMATCH]);
    expect(result.warnings.map((w: { code: string }) => w.code)).toEqual(['BILLING_MISMATCH']);
    // Only the covered service, over the linked days of the quarter.
    const call = fake.calls.find((c) => c.method === 'ConsumptionCoreService.GetServiceUsageReport');
    expect(call?.request).toMatchObject({ billingAccountId: 'acc1', serviceIds: [SPEECHSENSE] });
  });

  it('adds BILLING_MISMATCH to a dry run with reconcile, and answers NOT_AVAILABLE without a Billing API', async () => {
    const r = await handler({ action: 'accrue', quarter: '2026-Q1', dryRun: true, reconcile: true });
    const warnings = (r as unknown as { result: { warnings: { code: string; mismatches?: unknown[] }[] } }).result.warnings;
    expect(warnings.find((w) => w.code === 'BILLING_MISMATCH')?.mismatches).toEqual([
      {
        subaccountId: 'acc1',
        partnerId: 'p1',
        serviceId: SPEECHSENSE,
        day: '2026-02-11',
        currency: 'RUB',
        billing: '25.00',
        ingested: '0.00',
        difference: '-25.00',
      },
    ]);

    const noBilling = {
      ...env.deps,
      logger: createLogger({ level: 'error', write: () => {} }),
      localFiles: true,
      migrate: async () => ({ store: 'sqlite' as const, target: '', created: [], existing: [] }),
    };
    const refused = await runCli(['accrue', '--quarter', '2026-Q1', '--dry-run', '--reconcile'], async () => noBilling);
    expect([refused.exitCode, refused.errors]).toEqual([1, [expect.stringContaining('reconciliation needs the Billing API')]]);
  });

  it('shows the same through the CLI', async () => {
    const rules = join(env.dir, 'rules.json');
    writeFileSync(rules, JSON.stringify(GUARD_RULES_JSON));
    // Asynchronously: the fake answers from this process's event loop, which spawnSync would block.
    const run = (...args: string[]) =>
      new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', 'cli/main.ts', ...args],
          {
            env: {
              ...process.env,
              REBATES_STORE: `sqlite:${join(env.dir, 'rebates.db')}`,
              REBATES_RULES: rules,
              YC_IAM_TOKEN: TOKEN,
              BILLING_API_ENDPOINT: fake.endpoint,
            },
            encoding: 'utf8',
          },
          (error, stdout, stderr) => (error && error.code !== 1 ? reject(error) : resolve({ stdout, stderr })),
        ),
      );
    const text = await run('reconcile', '--quarter', '2026-Q1');
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/acc1\s+p1\s+2026-02-01\.\.2026-03-31\s+RUB\s+125\.005\s+100\.00\s+1\n/);
    expect(text.stdout).toMatch(
      /BILLING_MISMATCH: 1 difference\(s\)\n[\s\S]*acc1\s+SpeechSense\s+2026-02-11\s+RUB\s+25\.00\s+0\.00\s+-25\.00/,
    );
    const dry = await run('accrue', '--quarter', '2026-Q1', '--dry-run', '--reconcile', '--json');
    expect(JSON.parse(dry.stdout).warnings.map((w: { code: string }) => w.code)).toContain('BILLING_MISMATCH');
  }, 60_000);
});
