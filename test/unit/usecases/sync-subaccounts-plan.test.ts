/**
 * sync-subaccounts' plan on a SQLite store, with Billing's customer list as a stub (the Billing API
 * cannot run here; test/billing/ drives the same use case through the gRPC fake): order, duplicates,
 * which links still count on the effective day, and the audit note.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BillingApi, BillingCustomer } from '../../../shared/ports/billing';
import { syncSubaccounts } from '../../../shared/usecases/sync-subaccounts';
import { link, rulesWith } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;

function billingListing(customers: BillingCustomer[]): BillingApi {
  return {
    listCustomers: async () => customers,
    listServices: async () => [],
    usageReport: async () => [],
    close: () => {},
  };
}

async function plan(customers: BillingCustomer[], extra: { confirm?: boolean; note?: string } = {}) {
  const r = await syncSubaccounts(
    { ...env.deps, billing: billingListing(customers) },
    {
      partnerId: 'p1',
      resellerId: 'reseller-1',
      effective: '2026-03-01',
      actor: 'op',
      note: extra.note ?? '',
      confirm: extra.confirm ?? false,
    },
  );
  if (!r.ok) throw new Error(r.message);
  return r;
}

beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(() => env.cleanup());

describe('sync-subaccounts plan with Billing’s customer list as a stub', () => {
  it('lists links and unlinks in subaccount order, and takes the first customer of a billing account listed twice', async () => {
    await env.store.program.insertLink(link('p1', 'old-b', '2025-01-01'));
    await env.store.program.insertLink(link('p1', 'old-a', '2025-01-01'));
    await env.store.program.insertLink(link('p1', 'kept-2', '2025-01-01'));
    await env.store.program.insertLink(link('p1', 'kept-1', '2025-01-01'));
    const r = await plan([
      { id: 'c-z', billingAccountId: 'new-z' },
      { id: 'c-k2', billingAccountId: 'kept-2' },
      { id: 'c-a', billingAccountId: 'new-a' },
      { id: 'c-a-again', billingAccountId: 'new-a' },
      { id: 'c-k1', billingAccountId: 'kept-1' },
    ]);
    expect(r.customerCount).toBe(4);
    expect(r.unchanged).toEqual(['kept-1', 'kept-2']);
    expect(r.changes.map((c) => [c.action, c.subaccountId, c.action === 'link' ? c.customerId : c.linkFrom])).toEqual([
      ['link', 'new-a', 'c-a'],
      ['link', 'new-z', 'c-z'],
      ['unlink', 'old-a', '2025-01-01'],
      ['unlink', 'old-b', '2025-01-01'],
    ]);
  });

  it('counts a link whose last day is the effective day as still linked, and one that ended the day before as not', async () => {
    await env.store.program.insertLink(link('p1', 'until-effective', '2025-01-01', '2026-03-01'));
    await env.store.program.insertLink(link('p1', 'ended-before', '2025-01-01', '2026-02-28'));
    const r = await plan([]);
    expect(r.changes.map((c) => [c.action, c.subaccountId])).toEqual([['unlink', 'until-effective']]);
  });

  it('predicts a refusal for unlinking a link that starts on the effective day, not for one that starts the day before', async () => {
    await env.store.program.insertLink(link('p1', 'starts-on', '2026-03-01'));
    await env.store.program.insertLink(link('p1', 'starts-before', '2026-02-28'));
    const r = await plan([]);
    expect(r.changes.map((c) => [c.subaccountId, c.problem])).toEqual([
      ['starts-before', null],
      ['starts-on', 'the link starts 2026-03-01; unlinking effective 2026-03-01 would leave it no day'],
    ]);
  });

  it('audits confirmed changes with the given note, or names the reseller when the note is empty', async () => {
    await plan([{ id: 'c1', billingAccountId: 'acc-1' }], { confirm: true });
    await plan(
      [
        { id: 'c1', billingAccountId: 'acc-1' },
        { id: 'c2', billingAccountId: 'acc-2' },
      ],
      { confirm: true, note: 'quarterly check' },
    );
    const notes = (await env.store.program.listLinks({ partnerId: 'p1' })).map((l) => [l.subaccountId, l.created.note]);
    expect(notes).toEqual([
      ['acc-1', 'sync-subaccounts with reseller reseller-1'],
      ['acc-2', 'quarterly check'],
    ]);
  });
});
