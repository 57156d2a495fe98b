/**
 * sync-catalog's comparison of the rules with Billing's service catalog, with the catalog as a stub
 * (the Billing API cannot run here; test/billing/ drives the same use case through the gRPC fake):
 * which rule ids Billing does not know, which billing services no version maps, and how pending
 * names resolve against the latest version.
 */
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../../shared/domain/rules';
import type { BillingApi, BillingService } from '../../../shared/ports/billing';
import { syncCatalog } from '../../../shared/usecases/sync-catalog';

function catalogOf(services: [string, string][]): BillingApi {
  const list: BillingService[] = services.map(([id, name]) => ({ id, name, description: '' }));
  return { listServices: async () => list, listCustomers: async () => [], usageReport: async () => [], close: () => {} };
}

function run(json: unknown, services: [string, string][]) {
  const rules = { rules: parseRules(json), source: 'rules.json', digest: 'd', json };
  return syncCatalog({ rules, billing: catalogOf(services) });
}

const spec = (services?: string[]) => ({ rate: '0.1', ...(services ? { services } : {}) });

describe('sync-catalog with Billing’s catalog as a stub', () => {
  it('lists rule ids Billing does not know by id, from versions with and without exclusions or services', async () => {
    const json = {
      versions: [
        { effectiveFrom: '2026-01-01', specializations: { a: spec(['svc-z', 'known']), b: spec() } },
        { effectiveFrom: '2025-01-01', exclude: { services: ['svc-m'] }, specializations: { a: spec(['svc-z']) } },
      ],
    };
    const r = await run(json, [['known', 'Known']]);
    expect(r.unknownRuleServices).toEqual([
      { serviceId: 'svc-m', under: 'exclude', versions: ['2025-01-01'] },
      { serviceId: 'svc-z', under: 'a', versions: ['2026-01-01', '2025-01-01'] },
    ]);
    expect(r.changes.latestVersion).toBe('2026-01-01');
  });

  it('lists billing services no version maps by name', async () => {
    const json = { versions: [{ effectiveFrom: '2026-01-01', specializations: { a: spec(['known']) } }] };
    const r = await run(json, [
      ['id-3', 'Zeta'],
      ['known', 'Known'],
      ['id-1', 'Alpha'],
      ['id-2', 'Alpha'],
    ]);
    expect(r.unmappedBillingServices.map((s) => [s.name, s.id])).toEqual([
      ['Alpha', 'id-1'],
      ['Alpha', 'id-2'],
      ['Zeta', 'id-3'],
    ]);
  });

  it('resolves a pending name into the latest version, even when the file lists it first, and proposes a valid file', async () => {
    const json = {
      versions: [
        { effectiveFrom: '2026-06-01', specializations: { tools: spec() } },
        { effectiveFrom: '2025-01-01', specializations: { tools: spec() } },
      ],
      pendingServices: [{ specialization: 'tools', service: 'tracker' }],
    };
    const r = await run(json, [['trk-1', 'Tracker']]);
    expect(r.pending.map((p) => p.status)).toEqual(['resolved']);
    expect(r.changes).toEqual({
      latestVersion: '2026-06-01',
      added: [{ specialization: 'tools', serviceId: 'trk-1', serviceName: 'Tracker' }],
      pendingRemoved: [{ specialization: 'tools', service: 'tracker' }],
    });
    const proposed = r.newRulesFile as { versions: { specializations: { tools: { services?: string[] } } }[]; pendingServices: unknown[] };
    expect(proposed.versions.map((v) => v.specializations.tools.services)).toEqual([['trk-1'], undefined]);
    expect(proposed.pendingServices).toEqual([]);
    expect(r.unmappedBillingServices).toEqual([{ id: 'trk-1', name: 'Tracker', resolvesPending: 'tracker' }]);
  });

  it('keeps a pending name that matches an excluded service, or several services, with the reason', async () => {
    const json = {
      versions: [{ effectiveFrom: '2026-01-01', exclude: { services: ['trk-1'] }, specializations: { tools: spec(), other: spec() } }],
      pendingServices: [
        { specialization: 'tools', service: 'Tracker' },
        { specialization: 'other', service: 'Mail' },
      ],
    };
    const r = await run(json, [
      ['trk-1', 'Tracker'],
      ['mail-1', 'Mail'],
      ['mail-2', 'mail'],
    ]);
    expect(r.pending.map((p) => [p.status, p.message])).toEqual([
      ['conflict', 'trk-1 ("Tracker") is already excluded in the rules version of 2026-01-01; it stays pending'],
      ['ambiguous', '2 billing services are named "Mail": mail-1, mail-2; add the right id by hand'],
    ]);
    expect(r.newRulesFile).toBeNull();
  });

  it('refuses rules loaded without their file text, and an invalid rules file, before calling Billing', async () => {
    const json = { versions: [{ effectiveFrom: '2026-01-01', specializations: { a: spec() } }] };
    const rules = { rules: parseRules(json), source: 'rules.json', digest: 'd' };
    await expect(syncCatalog({ rules, billing: catalogOf([]) })).rejects.toThrow(/needs the rules file as read/);
    await expect(syncCatalog({ rules: { ...rules, json: { versions: [] } }, billing: catalogOf([]) })).rejects.toThrow(
      /invalid program rules in rules\.json/,
    );
  });
});
