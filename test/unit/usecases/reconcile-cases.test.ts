/**
 * reconcileQuarter (issue 12) on a SQLite store with an in-memory Billing API port: which windows
 * it reconciles, in which order, and which services it asks Billing for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseMoney } from '../../../shared/domain/money';
import { parseRules, type Rules } from '../../../shared/domain/rules';
import type { BillingApi, ServiceUsageDay, UsageReportQuery } from '../../../shared/ports/billing';
import { reconcileQuarter } from '../../../shared/usecases/reconcile';
import { link } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

/** Billing's usage report per billing account; records every query it is asked. */
function fakeBilling(report: Record<string, ServiceUsageDay[]> = {}): { api: BillingApi; queries: UsageReportQuery[] } {
  const queries: UsageReportQuery[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('reconciliation only asks for usage reports');
  };
  const api: BillingApi = {
    listServices: unused,
    listCustomers: unused,
    usageReport: async (query) => {
      queries.push(query);
      return (report[query.billingAccountId] ?? []).filter((r) => r.day >= query.from && r.day <= query.to);
    },
    close: () => {},
  };
  return { api, queries };
}

function billingDay(serviceId: string, day: string, cost: string): ServiceUsageDay {
  const nanos = parseMoney(cost);
  return { serviceId, serviceName: `Service ${serviceId}`, day, currency: 'RUB', cost: nanos, credit: 0n, expense: nanos };
}

/** One specialization per version, listing `services` in that order. */
function rulesOf(...versions: [effectiveFrom: string, services: string[]][]): Rules {
  return parseRules({
    versions: versions.map(([effectiveFrom, services]) => ({ effectiveFrom, specializations: { 'ml-ai': { rate: '0.10', services } } })),
  });
}

const windowOf = (q: UsageReportQuery) => [q.billingAccountId, q.from, q.to];

let env: TestEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

function start(rules: Rules, now: string): TestEnv {
  env = createTestEnv(rules);
  env.setNow(now);
  return env;
}

describe('reconcileQuarter: the windows it reconciles', () => {
  it('reconciles each linked subaccount of the partner over its linked days through yesterday (UTC+3), and reads only that subaccount', async () => {
    // 21:30 UTC is 00:30 on the 21st in Moscow: yesterday is 2026-02-20.
    const e = start(rulesOf(['2023-01-01', ['svc-a']]), '2026-02-20T21:30:00Z');
    await e.store.program.insertLink(link('p1', 'acc-a', '2025-12-01')); // before the quarter: from its first day
    await e.store.program.insertLink(link('p1', 'acc-b', '2026-01-05', '2026-02-10')); // ended within it
    await e.store.program.insertLink(link('p1', 'acc-c', '2026-02-20')); // linked yesterday: one day
    await e.store.program.insertLink(link('p1', 'acc-d', '2026-02-21')); // linked today: nothing yet
    await e.store.program.insertLink(link('p1', 'acc-e', '2025-06-01', '2025-12-31')); // ended before the quarter
    await e.store.program.insertLink(link('p2', 'acc-f', '2025-01-01')); // another partner's
    const scanned: unknown[] = [];
    const scan = e.store.usage.scanUsage.bind(e.store.usage);
    e.store.usage.scanUsage = (range, filter) => {
      scanned.push([filter?.accountIds, range.from, range.to]);
      return scan(range, filter);
    };
    const billing = fakeBilling();

    const r = await reconcileQuarter({ ...e.deps, billing: billing.api }, { quarter: '2026-Q1', partnerId: 'p1' });

    const expected = [
      ['acc-a', '2026-01-01', '2026-02-20'],
      ['acc-b', '2026-01-05', '2026-02-10'],
      ['acc-c', '2026-02-20', '2026-02-20'],
    ];
    expect(r.partnerId).toBe('p1');
    expect(r.accounts.map((a) => [a.subaccountId, a.from, a.to])).toEqual(expected);
    expect(r.accounts.every((a) => a.partnerId === 'p1')).toBe(true);
    expect(billing.queries.map(windowOf)).toEqual(expected);
    expect(scanned).toEqual(expected.map(([account, from, to]) => [[account], from, to]));
  });

  it('orders the accounts by subaccount, then first day, whatever order the store lists the links in', async () => {
    const e = start(rulesOf(['2023-01-01', ['svc-a']]), '2026-04-20T00:00:00Z');
    await e.store.program.insertLink(link('p1', 'acc-a', '2026-02-01'));
    await e.store.program.insertLink(link('p1', 'acc-b', '2026-01-01', '2026-01-20'));
    await e.store.program.insertLink(link('p2', 'acc-b', '2026-01-21')); // acc-b moves to p2
    const list = e.store.program.listLinks.bind(e.store.program);
    e.store.program.listLinks = async (filter) => (await list(filter)).reverse();
    const billing = fakeBilling();

    const r = await reconcileQuarter({ ...e.deps, billing: billing.api }, { quarter: '2026-Q1' });

    expect(r.partnerId).toBeNull();
    expect(r.accounts.map((a) => [a.subaccountId, a.partnerId, a.from, a.to])).toEqual([
      ['acc-a', 'p1', '2026-02-01', '2026-03-31'],
      ['acc-b', 'p1', '2026-01-01', '2026-01-20'],
      ['acc-b', 'p2', '2026-01-21', '2026-03-31'],
    ]);
    expect(billing.queries.map(windowOf)).toEqual([
      ['acc-a', '2026-02-01', '2026-03-31'],
      ['acc-b', '2026-01-01', '2026-01-20'],
      ['acc-b', '2026-01-21', '2026-03-31'],
    ]);
  });

  it('ends the window of a link that ends after the quarter on the quarter’s last day', async () => {
    const e = start(rulesOf(['2023-01-01', ['svc-a']]), '2026-04-20T00:00:00Z');
    await e.store.program.insertLink(link('p1', 'acc1', '2026-02-01', '2026-06-30'));
    const billing = fakeBilling();

    const r = await reconcileQuarter({ ...e.deps, billing: billing.api }, { quarter: '2026-Q1' });

    expect(r.accounts.map((a) => [a.subaccountId, a.from, a.to])).toEqual([['acc1', '2026-02-01', '2026-03-31']]);
    expect(billing.queries.map(windowOf)).toEqual([['acc1', '2026-02-01', '2026-03-31']]);
  });
});

describe('reconcileQuarter: the services it compares', () => {
  it('asks Billing for the covered services of every rules version in force during the quarter, sorted', async () => {
    const e = start(
      rulesOf(
        ['2023-01-01', ['svc-x']], // superseded on the quarter's first day
        ['2026-01-01', ['svc-b', 'svc-a']],
        ['2026-03-31', ['svc-c']], // in force from the quarter's last day
        ['2026-04-01', ['svc-d']], // after the quarter
      ),
      '2026-04-20T00:00:00Z',
    );
    await e.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
    const billing = fakeBilling();

    await reconcileQuarter({ ...e.deps, billing: billing.api }, { quarter: '2026-Q1' });

    expect(billing.queries.map((q) => q.serviceIds)).toEqual([['svc-a', 'svc-b', 'svc-c']]);
  });

  it('does not compare a day before the first rules version: no version covers it', async () => {
    const e = start(rulesOf(['2026-02-01', ['svc-a']]), '2026-04-20T00:00:00Z');
    await e.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
    const billing = fakeBilling({ acc1: [billingDay('svc-a', '2026-01-15', '40'), billingDay('svc-a', '2026-02-15', '25')] });

    const r = await reconcileQuarter({ ...e.deps, billing: billing.api }, { quarter: '2026-Q1' });

    expect(r.accounts.map((a) => a.totals)).toEqual([[{ currency: 'RUB', billing: parseMoney('25'), ingested: 0n }]]);
    expect(r.mismatches.map((m) => [m.subaccountId, m.serviceId, m.day, m.difference])).toEqual([
      ['acc1', 'svc-a', '2026-02-15', parseMoney('-25')],
    ]);
  });

  it('treats a rules version without a covered-service list as covering nothing', async () => {
    const parsed = rulesOf(['2023-01-01', ['svc-a']]);
    const { coveredServices: _listed, ...bare } = parsed.versions[0]!;
    const rules: Rules = { ...parsed, versions: [bare], versionOn: () => bare };
    const e = start(rules, '2026-04-20T00:00:00Z');
    await e.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
    const billing = fakeBilling({ acc1: [billingDay('svc-a', '2026-02-15', '25')] });

    const r = await reconcileQuarter({ ...e.deps, billing: billing.api }, { quarter: '2026-Q1' });

    expect(billing.queries.map((q) => q.serviceIds)).toEqual([[]]);
    expect(r.accounts.map((a) => [a.subaccountId, a.totals, a.mismatches])).toEqual([['acc1', [], 0]]);
    expect(r.mismatches).toEqual([]);
  });
});
