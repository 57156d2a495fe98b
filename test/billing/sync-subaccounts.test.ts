import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createBillingApi } from '../../shared/adapters/billing';
import { BillingApiError, type BillingApi } from '../../shared/ports/billing';
import { linkSubaccount } from '../../shared/usecases/program';
import { syncSubaccounts, type SyncSubaccountsDeps } from '../../shared/usecases/sync-subaccounts';
import { rulesWith } from '../support/domain-builders';
import { createTestEnv, type TestEnv } from '../support/temp-store';
import { startFakeBillingApi, type FakeBillingApi, type FakeBillingData } from './fake-billing-api';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/billing/catalog.json', import.meta.url), 'utf8')) as FakeBillingData;
const RESELLER = 'dn2partneracme000001';
const [SUB1, SUB2, SUB3] = ['dn2subacc0000000001', 'dn2subacc0000000002', 'dn2subacc0000000003'];
const OLD = 'dn2subaccgone0000001';
const setupActor = { actor: 'op-setup', note: 'contract' };
const syncInput = { partnerId: 'acme', resellerId: RESELLER, effective: '2026-04-01', actor: 'op-sync', note: 'quarterly sync' };

let env: TestEnv;
let fake: FakeBillingApi;
let billing: BillingApi;
let deps: SyncSubaccountsDeps;

const snapshot = async () =>
  (await env.store.program.listLinks())
    .map((l) => [l.partnerId, l.subaccountId, l.from, l.to, l.created.actor, l.ended?.actor ?? null])
    .sort();

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  env.setNow('2026-04-02T09:00:00Z');
  fake = await startFakeBillingApi(fixture);
  billing = createBillingApi({ iamToken: () => fixture.token, endpoint: fake.endpoint, pageSize: 2, retries: 0 });
  deps = { ...env.deps, billing };
  // acme: SUB1 (still a customer) and OLD (no customer any more); SUB3 belongs to another partner.
  for (const [partnerId, subaccountId, from] of [
    ['acme', SUB1, '2025-01-01'],
    ['acme', OLD, '2025-01-01'],
    ['other', SUB3, '2025-06-01'],
  ] as const) {
    expect((await linkSubaccount(env.deps, { partnerId, subaccountId, from, to: null, ...setupActor })).ok).toBe(true);
  }
});
afterEach(async () => {
  billing.close();
  await fake.close();
  await env.cleanup();
});

describe('sync-subaccounts against the in-process Billing API fake', () => {
  it('previews new customers, links that are gone and a predicted overlap, writing nothing', async () => {
    const before = await snapshot();
    const result = await syncSubaccounts(deps, { ...syncInput, confirm: false });
    if (!result.ok) throw new Error(result.message);
    expect([result.confirmed, result.customerCount, result.unchanged, result.outcomes]).toEqual([false, 3, [SUB1], null]);
    expect(result.changes).toEqual([
      { action: 'link', subaccountId: SUB2, customerId: 'cust-2', from: '2026-04-01', to: null, problem: null },
      {
        action: 'link',
        subaccountId: SUB3,
        customerId: 'cust-3',
        from: '2026-04-01',
        to: null,
        problem: expect.stringContaining(`already linked to partner other from 2025-06-01`),
      },
      { action: 'unlink', subaccountId: OLD, linkId: expect.any(String), linkFrom: '2025-01-01', effective: '2026-04-01', problem: null },
    ]);
    expect(await snapshot()).toEqual(before);
    expect(fake.calls.map((c) => c.method)).toEqual(['CustomerService.List', 'CustomerService.List']);
  });

  it('with confirm applies each change through link / unlink with the audit trail, and reports an overlap instead of throwing', async () => {
    const result = await syncSubaccounts(deps, { ...syncInput, confirm: true });
    if (!result.ok) throw new Error(result.message);
    expect(result.outcomes?.map((o) => [o.action, o.subaccountId, o.status, o.code, o.message])).toEqual([
      ['link', SUB2, 'applied', null, 'linked from 2026-04-01'],
      ['link', SUB3, 'rejected', 'OVERLAP', expect.stringContaining('already linked to partner other')],
      ['unlink', OLD, 'applied', null, 'unlinked; last linked day 2026-03-31'],
    ]);
    expect(await snapshot()).toEqual(
      [
        ['acme', SUB1, '2025-01-01', null, 'op-setup', null],
        ['acme', OLD, '2025-01-01', '2026-03-31', 'op-setup', 'op-sync'],
        ['acme', SUB2, '2026-04-01', null, 'op-sync', null],
        ['other', SUB3, '2025-06-01', null, 'op-setup', null],
      ].sort(),
    );
    const [linked] = await env.store.program.listLinks({ subaccountId: SUB2 });
    expect(linked?.created).toEqual({ actor: 'op-sync', at: '2026-04-02T09:00:00.000Z', note: 'quarterly sync' });
    const [ended] = await env.store.program.listLinks({ subaccountId: OLD });
    expect(ended?.ended?.note).toBe('quarterly sync');
  });

  it('has nothing left to change after a confirmed run but the overlap', async () => {
    await syncSubaccounts(deps, { ...syncInput, confirm: true });
    const again = await syncSubaccounts(deps, { ...syncInput, confirm: true });
    if (!again.ok) throw new Error(again.message);
    expect(again.unchanged).toEqual([SUB1, SUB2]);
    expect(again.changes.map((c) => [c.action, c.subaccountId])).toEqual([['link', SUB3]]);
  });

  it('writes nothing when Billing refuses the customer list, and says which role is missing', async () => {
    const before = await snapshot();
    fake.failNext('CustomerService.List', 'PERMISSION_DENIED');
    const error = await syncSubaccounts(deps, { ...syncInput, confirm: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BillingApiError);
    expect((error as BillingApiError).message).toContain('billing.accounts.partnerViewer');
    expect(await snapshot()).toEqual(before);
  });

  it('rejects a malformed input before calling Billing', async () => {
    const result = await syncSubaccounts(deps, { ...syncInput, effective: '2026-02-30', resellerId: '' });
    expect(result).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(!result.ok && result.message).toMatch(/resellerId: reseller .* is required; effective: expected a calendar day/);
    expect(fake.calls).toHaveLength(0);
  });
});
