/**
 * sync-catalog's edge cases with Billing's catalog as a stub: how names compare (trimmed,
 * lower-cased — not upper-cased), which file it refuses to propose, and the fixed orders of its lists.
 */
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../../shared/domain/rules';
import type { BillingApi, BillingService } from '../../../shared/ports/billing';
import { syncCatalog } from '../../../shared/usecases/sync-catalog';

function catalogOf(services: [id: string, name: string][]): BillingApi {
  const list: BillingService[] = services.map(([id, name]) => ({ id, name, description: '' }));
  return { listServices: async () => list, listCustomers: async () => [], usageReport: async () => [], close: () => {} };
}

function run(json: unknown, services: [string, string][]) {
  return syncCatalog({ rules: { rules: parseRules(json), source: 'rules.json', digest: 'd', json }, billing: catalogOf(services) });
}

const spec = (services?: string[]) => ({ rate: '0.1', ...(services ? { services } : {}) });

describe('sync-catalog name matching', () => {
  it('matches names by their lower case: "Straße" is not "STRASSE", though both upper-case to the same', async () => {
    const json = {
      versions: [{ effectiveFrom: '2026-01-01', specializations: { tools: spec() } }],
      pendingServices: [{ specialization: 'tools', service: 'Straße' }],
    };
    const r = await run(json, [['svc-1', 'STRASSE']]);
    expect(r.pending).toMatchObject([{ status: 'not-found', matches: [] }]);
    expect(r.newRulesFile).toBeNull();
  });
});

describe('the proposed rules file', () => {
  it('refuses to propose a file the program would refuse, such as one naming a catalog service with an empty id', async () => {
    const json = {
      versions: [{ effectiveFrom: '2026-01-01', specializations: { tools: spec() } }],
      pendingServices: [{ specialization: 'tools', service: 'Tracker' }],
    };
    await expect(run(json, [['', 'Tracker']])).rejects.toThrow(/invalid program rules in the rules file sync-catalog proposes/);
  });
});

describe('rule ids Billing does not know', () => {
  it('lists them by id, and one id under two owners in the order the file mentions them', async () => {
    const json = {
      versions: [
        { effectiveFrom: '2026-01-01', specializations: { a: spec(['svc-b', 'svc-a']), b: spec(['svc-c']) } },
        { effectiveFrom: '2025-01-01', exclude: { services: ['svc-b'] }, specializations: { a: spec() } },
      ],
    };
    const r = await run(json, []);
    expect(r.unknownRuleServices).toEqual([
      { serviceId: 'svc-a', under: 'a', versions: ['2026-01-01'] },
      { serviceId: 'svc-b', under: 'a', versions: ['2026-01-01'] },
      { serviceId: 'svc-b', under: 'exclude', versions: ['2025-01-01'] },
      { serviceId: 'svc-c', under: 'b', versions: ['2026-01-01'] },
    ]);
  });
});
