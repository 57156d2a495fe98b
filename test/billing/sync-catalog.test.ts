import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBillingApi } from '../../shared/adapters/billing';
import { loadRules } from '../../shared/runtime/rules-file';
import { formatMoney } from '../../shared/domain/money';
import { parseRules } from '../../shared/domain/rules';
import { ingestExport } from '../../shared/usecases/ingest-export';
import type { BillingApi } from '../../shared/ports/billing';
import { accrueQuarter } from '../../shared/usecases/accrue';
import type { LoadedRules } from '../../shared/usecases/deps';
import { grantSpecialization, linkSubaccount } from '../../shared/usecases/program';
import { syncCatalog } from '../../shared/usecases/sync-catalog';
import { createTestEnv, csv, csvObject, type TestEnv } from '../support/temp-store';
import { startFakeBillingApi, type FakeBillingApi, type FakeBillingData } from './fake-billing-api';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/billing/catalog.json', import.meta.url), 'utf8')) as FakeBillingData & {
  services: { id: string; name: string; description: string }[];
};
const TRACKER = 'dn2tracker0fake00001';
const who = { actor: 'op-1', note: 'sync-catalog test' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function billingWith(services: FakeBillingData['services']): Promise<{ fake: FakeBillingApi; billing: BillingApi }> {
  const fake = await startFakeBillingApi({ ...fixture, services });
  const billing = createBillingApi({ iamToken: () => fixture.token, endpoint: fake.endpoint, pageSize: 5 });
  cleanups.push(
    () => fake.close(),
    () => billing.close(),
  );
  return { fake, billing };
}

function rulesFromJson(json: unknown): LoadedRules {
  return { rules: parseRules(json), source: 'test rules', digest: 'test', json };
}

describe('sync-catalog against the in-process Billing API fake', () => {
  it('lists rule service ids Billing does not know and catalog services no rules version maps', async () => {
    const { billing } = await billingWith(fixture.services.filter((s) => s.id !== 'dn28hpu6268356q0j8mk'));
    const result = await syncCatalog({ billing, rules: loadRules() });
    expect(result.billingServiceCount).toBe(14);
    expect(result.unknownRuleServices).toEqual([{ serviceId: 'dn28hpu6268356q0j8mk', under: 'data-platform', versions: ['2023-01-01'] }]);
    expect(result.unmappedBillingServices).toEqual(
      [
        { id: 'dn2postbox0fake00001', name: 'Cloud Postbox', resolvesPending: null },
        { id: 'dn2functions0fake001', name: 'Cloud Functions', resolvesPending: 'Cloud Functions' },
        { id: 'dn2datalens0fake0001', name: 'DataLens', resolvesPending: 'DataLens' },
        { id: 'dn2speechkit0fake001', name: 'SpeechKit', resolvesPending: 'SpeechKit' },
        { id: TRACKER, name: 'Tracker', resolvesPending: 'Tracker' },
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
  });

  it('resolves pending services by a case-insensitive name match and leaves unmatched and ambiguous ones pending', async () => {
    const services = [
      ...fixture.services.filter((s) => s.name !== 'Tracker'),
      { id: TRACKER, name: '  TRACKER ', description: '' },
      { id: 'dn2datalens0fake0002', name: 'datalens', description: 'a second service of the same name' },
    ];
    const { billing } = await billingWith(services);
    const result = await syncCatalog({ billing, rules: loadRules() });
    const status = (name: string) => result.pending.find((p) => p.service === name);
    expect(status('Tracker')).toMatchObject({
      specialization: 'business-tools',
      status: 'resolved',
      matches: [{ id: TRACKER, name: '  TRACKER ' }],
    });
    expect(status('Cloud Functions')?.status).toBe('resolved');
    expect(status('DataLens')).toMatchObject({
      status: 'ambiguous',
      matches: [{ id: 'dn2datalens0fake0001' }, { id: 'dn2datalens0fake0002' }],
    });
    expect(status('DataLens')?.message).toMatch(/add the right id by hand/);
    expect(status('Cloud DNS')).toMatchObject({ status: 'not-found', matches: [] });
    expect(result.changes.added).toEqual([
      { specialization: 'infrastructure-devops', serviceId: 'dn2functions0fake001', serviceName: 'Cloud Functions' },
      { specialization: 'ml-ai', serviceId: 'dn2speechkit0fake001', serviceName: 'SpeechKit' },
      { specialization: 'business-tools', serviceId: TRACKER, serviceName: '  TRACKER ' },
    ]);
  });

  it("proposes a complete rules file with Tracker's id under Business Tools in the latest version and the resolved entries no longer pending", async () => {
    const { billing } = await billingWith(fixture.services);
    const loaded = loadRules();
    const before = JSON.stringify(loaded.json);
    const result = await syncCatalog({ billing, rules: loaded });
    const proposed = result.newRulesFile as {
      $comment: string;
      versions: { specializations: Record<string, { services: string[] }> }[];
      pendingServices: { service: string }[];
    };
    expect(proposed.$comment).toBe((loaded.json as { $comment: string }).$comment);
    expect(proposed.versions[0]?.specializations['business-tools']?.services).toEqual([TRACKER]);
    expect(proposed.versions[0]?.specializations['ml-ai']?.services).toEqual(['dn2m45g7b9fhfnpqs0je', 'dn2speechkit0fake001']);
    const stillPending = proposed.pendingServices.map((p) => p.service);
    expect(stillPending).not.toContain('Tracker');
    expect(stillPending).toContain('Cloud DNS');
    expect(stillPending).toHaveLength(19 - result.changes.pendingRemoved.length);
    expect(JSON.stringify(loaded.json)).toBe(before); // the rules in use are not touched
  });

  it('reports a pending name whose id the latest version already maps elsewhere, and drops one already in place', async () => {
    const { billing } = await billingWith(fixture.services);
    const json = {
      versions: [
        {
          effectiveFrom: '2023-01-01',
          specializations: { 'ml-ai': { rate: '0.10', services: [] }, 'business-tools': { rate: '0.30', services: [] } },
        },
        {
          effectiveFrom: '2026-01-01',
          specializations: {
            'ml-ai': { rate: '0.10', services: ['dn2m45g7b9fhfnpqs0je'] },
            'business-tools': { rate: '0.30', services: [TRACKER] },
          },
        },
      ],
      pendingServices: [
        { specialization: 'business-tools', service: 'Tracker' },
        { specialization: 'business-tools', service: 'SpeechSense' },
        { specialization: 'data-platform', service: 'DataLens' },
      ],
    };
    const result = await syncCatalog({ billing, rules: rulesFromJson(json) });
    expect(result.pending.map((p) => [p.service, p.status])).toEqual([
      ['Tracker', 'already-mapped'],
      ['SpeechSense', 'conflict'],
      ['DataLens', 'unknown-specialization'],
    ]);
    expect(result.pending[1]?.message).toMatch(/already listed under ml-ai in the rules version of 2026-01-01/);
    expect(result.changes).toEqual({
      latestVersion: '2026-01-01',
      added: [],
      pendingRemoved: [{ specialization: 'business-tools', service: 'Tracker' }],
    });
    expect((result.newRulesFile as typeof json).pendingServices.map((p) => p.service)).toEqual(['SpeechSense', 'DataLens']);
  });

  it('proposes no new file when no pending service resolves', async () => {
    const { billing } = await billingWith(fixture.services.filter((s) => s.id.startsWith('dn2') && !s.id.includes('fake')));
    const result = await syncCatalog({ billing, rules: loadRules() });
    expect(result.pending.every((p) => p.status === 'not-found')).toBe(true);
    expect(result.newRulesFile).toBeNull();
  });
});

describe("Business Tools after Tracker's id is applied (Billing API fake + SQLite store)", () => {
  async function businessToolsAccrual(rules: LoadedRules): Promise<string[][]> {
    const env: TestEnv = createTestEnv(rules.rules);
    cleanups.push(() => env.cleanup());
    expect((await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2026-01-01', to: null, ...who })).ok).toBe(true);
    expect(
      (await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'business-tools', from: '2026-01-01', to: null, ...who })).ok,
    ).toBe(true);
    await ingestExport(env.deps, csvObject('exports/20260115.csv', csv([['acc1', TRACKER, '2026-01-15', '1000.00', '-100.00', 1000]])));
    const result = await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who });
    if (!result.ok) throw new Error(result.message);
    return result.accruals.map((a) => [a.specialization, a.currency, formatMoney(a.base), formatMoney(a.amount)]);
  }

  it('accrues 30% of paid Tracker usage once the proposed rules file is applied, and nothing before', async () => {
    const { billing } = await billingWith(fixture.services);
    const shipped = loadRules();
    const result = await syncCatalog({ billing, rules: shipped });
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'program-rules.next.json');
    writeFileSync(path, `${JSON.stringify(result.newRulesFile, null, 2)}\n`);
    const applied = loadRules(path); // what an operator does: REBATES_RULES=<the written file>

    expect(await businessToolsAccrual(shipped)).toEqual([]);
    expect(await businessToolsAccrual(applied)).toEqual([['business-tools', 'RUB', '900.00', '270.00']]);
  });
});
