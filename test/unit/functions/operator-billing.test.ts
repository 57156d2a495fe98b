/**
 * The Billing API actions through the operator function and the CLI, against the in-process
 * Billing API fake (no Billing API can be reached here): sync-catalog proposes Tracker's id for
 * the pending Business Tools service; sync-subaccounts previews, then links with --confirm.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../cli/run-cli';
import { createOperatorHandler } from '../../../functions/operator/handler';
import { createBillingApi } from '../../../shared/adapters/billing';
import { loadRules } from '../../../shared/runtime/rules-file';
import { createLogger } from '../../../shared/runtime/logger';
import type { FunctionRuntime } from '../../../shared/runtime/function-runtime';
import type { BillingApi } from '../../../shared/ports/billing';
import { startFakeBillingApi, type FakeBillingApi, type FakeBillingData } from '../../billing/fake-billing-api';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/billing/catalog.json', import.meta.url), 'utf8')) as FakeBillingData;
const RESELLER = 'dn2partneracme000001';

let fake: FakeBillingApi;
let env: TestEnv;
let billing: BillingApi;
let tmp: string;

beforeAll(async () => {
  fake = await startFakeBillingApi(fixture);
});
afterAll(async () => fake.close());
beforeEach(() => {
  env = createTestEnv(loadRules().rules);
  env.deps.rules = loadRules();
  env.setNow('2026-05-01T00:00:00Z');
  tmp = mkdtempSync(join(tmpdir(), 'operator-billing-'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  billing?.close();
  rmSync(tmp, { recursive: true, force: true });
  await env.cleanup();
});

/** The operator function as deployed: the Billing API built from config with the invocation's token. */
function operator(token: string) {
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: { BILLING_API_ENDPOINT: fake.endpoint } as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const h = createOperatorHandler(runtime, { clock: env.deps.clock });
  return (event: unknown) => h(event, { requestId: 'req-billing', token: { access_token: token } });
}

describe('Billing API actions against the in-process Billing API fake', () => {
  it('sync-catalog through the operator function sends the invocation token and proposes Tracker for Business Tools', async () => {
    const r = await operator(fake.token)({ action: 'sync-catalog' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const result = r.result as {
      pending: { service: string; status: string }[];
      changes: { added: { specialization: string; serviceId: string }[] };
      newRulesFile: unknown;
    };
    expect(result.changes.added).toContainEqual(
      expect.objectContaining({ specialization: 'business-tools', serviceId: 'dn2tracker0fake00001' }),
    );
    expect(result.newRulesFile).not.toBeNull();
    expect(fake.calls.at(-1)?.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('sync-catalog refuses to write a file from a function, and a wrong token is answered with what to fix', async () => {
    const write = await operator(fake.token)({ action: 'sync-catalog', writeRules: '/tmp/x.json' });
    expect(write).toMatchObject({ ok: false, error: { message: expect.stringMatching(/a function cannot write files/) } });
    await expect(operator('t1.expired')({ action: 'sync-catalog' })).rejects.toMatchObject({ code: 'BILLING_UNAUTHENTICATED' });
  });

  it('sync-subaccounts previews without writing, then links the customers with confirm (audited)', async () => {
    const call = operator(fake.token);
    const preview = await call({ action: 'sync-subaccounts', partnerId: 'acme', resellerId: RESELLER, effective: '2026-04-01' });
    expect(preview).toMatchObject({ ok: true, result: { confirmed: false, customerCount: 3 } });
    expect(await env.store.program.listLinks()).toEqual([]);
    expect(
      await call({ action: 'sync-subaccounts', partnerId: 'acme', resellerId: RESELLER, effective: '2026-04-01', confirm: true }),
    ).toMatchObject({ ok: false, error: { message: expect.stringMatching(/actor: required/) } });
    const applied = await call({
      action: 'sync-subaccounts',
      partnerId: 'acme',
      resellerId: RESELLER,
      effective: '2026-04-01',
      confirm: true,
      actor: 'anna',
      note: 'billing sync',
    });
    expect(applied.ok).toBe(true);
    const links = await env.store.program.listLinks({ partnerId: 'acme' });
    expect(links.map((l) => [l.subaccountId, l.from, l.created.actor, l.created.note]).sort()).toEqual([
      ['dn2subacc0000000001', '2026-04-01', 'anna', 'billing sync'],
      ['dn2subacc0000000002', '2026-04-01', 'anna', 'billing sync'],
      ['dn2subacc0000000003', '2026-04-01', 'anna', 'billing sync'],
    ]);
  });

  it('the CLI writes the proposed rules file, and with it Business Tools is a mapped specialization', async () => {
    billing = createBillingApi({ iamToken: () => fake.token, endpoint: fake.endpoint });
    const deps = async () => ({
      ...env.deps,
      logger: createLogger({ level: 'error', write: () => {} }),
      localFiles: true,
      billing: () => billing,
      migrate: async () => ({ store: 'sqlite' as const, target: '', created: [], existing: [] }),
    });
    const path = join(tmp, 'next-rules.json');
    const out = await runCli(['sync-catalog', '--write-rules', path], deps);
    expect(out.exitCode).toBe(0);
    expect(out.text).toMatch(/\+ business-tools: dn2tracker0fake00001 \(Tracker\)/);
    expect(out.text).toContain(`written to ${path}`);
    const proposed = loadRules(path);
    expect(proposed.rules.versions.at(-1)?.classify('dn2tracker0fake00001', 'any-sku')?.id).toBe('business-tools');
  });
});
