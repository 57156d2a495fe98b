/**
 * sync-subaccounts with Billing's customer list as a stub: unlinks listed by subaccount whatever
 * order the store answers in, a subaccount's several links in start-day order, and what a refused
 * change reports when confirmed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BillingApi, BillingCustomer } from '../../../shared/ports/billing';
import { syncSubaccounts } from '../../../shared/usecases/sync-subaccounts';
import { link, rulesWith } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;

function billingListing(customers: BillingCustomer[]): BillingApi {
  return { listCustomers: async () => customers, listServices: async () => [], usageReport: async () => [], close: () => {} };
}

async function sync(customers: BillingCustomer[], confirm = false) {
  const r = await syncSubaccounts(
    { ...env.deps, billing: billingListing(customers) },
    { partnerId: 'p1', resellerId: 'reseller-1', effective: '2026-03-01', actor: 'op', note: '', confirm },
  );
  if (!r.ok) throw new Error(r.message);
  return r;
}

const unlinks = (r: Awaited<ReturnType<typeof sync>>) => r.changes.map((c) => (c.action === 'unlink' ? [c.subaccountId, c.linkFrom] : []));

beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(() => env.cleanup());

describe('sync-subaccounts unlinks', () => {
  it('lists unlinks by subaccount even when the store lists the links in another order', async () => {
    for (const id of ['old-a', 'old-c', 'old-b']) await env.store.program.insertLink(link('p1', id, '2025-01-01'));
    const list = env.store.program.listLinks.bind(env.store.program);
    env.store.program.listLinks = async (filter) => (await list(filter)).reverse();
    expect(unlinks(await sync([]))).toEqual([
      ['old-a', '2025-01-01'],
      ['old-b', '2025-01-01'],
      ['old-c', '2025-01-01'],
    ]);
  });

  it('lists the links of one subaccount that still count in start-day order', async () => {
    await env.store.program.insertLink(link('p1', 'old-a', '2025-01-01', '2026-03-15'));
    await env.store.program.insertLink(link('p1', 'old-a', '2026-05-01'));
    expect(unlinks(await sync([]))).toEqual([
      ['old-a', '2025-01-01'],
      ['old-a', '2026-05-01'],
    ]);
  });
});

describe('confirmed sync-subaccounts', () => {
  it('reports a change the link use case refuses as rejected, with its code and no posted quarters', async () => {
    await env.store.program.insertLink(link('p2', 'acc-x', '2025-01-01'));
    const r = await sync([{ id: 'c1', billingAccountId: 'acc-x' }], true);
    expect(r.outcomes).toEqual([
      {
        action: 'link',
        subaccountId: 'acc-x',
        status: 'rejected',
        code: 'OVERLAP',
        message: 'subaccount acc-x is already linked to partner p2 from 2025-01-01 to open end, which overlaps 2026-03-01..open end',
        linkId: null,
        postedQuartersAffected: [],
      },
    ]);
  });
});
