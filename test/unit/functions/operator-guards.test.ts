/**
 * operator function, issue 12: every guard's warning in `accrue`, a LARGE_ADJUSTMENT post that
 * needs `"confirm": true`, and the rules-change impact from inline rules JSON.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOperatorHandler, type OperatorResponse } from '../../../functions/operator/handler';
import { parseRules } from '../../../shared/domain/rules';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import type { FunctionRuntime } from '../../../shared/runtime/function-runtime';
import { SPEECHSENSE } from '../../support/domain-builders';
import { GUARD_RULES_JSON, guardExport } from '../../support/guard-fixtures';
import { createTestEnv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
let handler: (event: unknown) => Promise<OperatorResponse>;

beforeEach(async () => {
  env = createTestEnv(parseRules(GUARD_RULES_JSON));
  env.setNow('2026-04-20T00:00:00Z');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: {} as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const h = createOperatorHandler(runtime, { clock: env.deps.clock });
  handler = (event) => h(event, { requestId: 'req-guards' });
  await ok({ action: 'partner.link', partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01', actor: 'anna' });
  await ok({ action: 'specialization.grant', partnerId: 'p1', specialization: 'ml-ai', from: '2025-01-01', actor: 'anna' });
  await ingestExport(env.deps, csvObject('e/q1.csv', guardExport('100.00', 1_770_000_000)));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await env.cleanup();
});

async function ok(event: Record<string, unknown>) {
  const r = await handler(event);
  if (!r.ok) throw new Error(`${String(event['action'])}: ${r.error.message}`);
  return r.result as Record<string, any>;
}

describe('operator accrue guards', () => {
  it('reports missing days, unlinked usage, a pending service and open/future data in a dry run', async () => {
    const r = await ok({ action: 'accrue', quarter: '2026-Q1', dryRun: true });
    expect(r.accruals).toEqual([
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', base: '100.00', amount: '10.00', posted: '0.00', delta: '10.00' },
    ]);
    expect(r.warnings.map((w: { code: string }) => w.code)).toEqual([
      'MISSING_EXPORT_DAYS',
      'UNLINKED_USAGE',
      'PENDING_SERVICE',
      'FUTURE_OR_OPEN_DATA',
    ]);
    const [missing, unlinked, pending, open] = r.warnings;
    expect(missing.days).toHaveLength(88);
    expect(unlinked.amounts).toEqual([{ currency: 'RUB', base: '50.00', rebate: '5.00' }]);
    expect(unlinked.subaccounts).toEqual([
      { subaccountId: 'acc2', currency: 'RUB', from: '2026-02-10', to: '2026-02-10', base: '50.00', rebate: '5.00' },
    ]);
    expect(pending.services).toEqual([
      { service: 'Cloud Functions', specialization: 'ml-ai', currency: 'RUB', base: '30.00', serviceIds: ['dn2functions0000001'] },
    ]);
    expect(open).toMatchObject({ futureDays: ['2026-04-21'], settledFrom: '2026-05-01' });
    expect(await env.store.ledger.listEntries()).toEqual([]);
  });

  it('refuses a post that moves a posted amount by more than 10% until confirmed, writing nothing meanwhile', async () => {
    await ok({ action: 'accrue', quarter: '2026-Q1', actor: 'anna' });
    await ingestExport(env.deps, csvObject('e/q1-fix.csv', guardExport('120.00', 1_770_000_500)));

    const refused = await handler({ action: 'accrue', quarter: '2026-Q1', actor: 'anna' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFIRMATION_REQUIRED' } });
    if (refused.ok) throw new Error('unreachable');
    expect(refused.error.message).toContain('--confirm');
    const preview = (refused as { result?: Record<string, any> }).result!;
    expect(preview.accruals[0]).toMatchObject({ posted: '10.00', amount: '12.00', delta: '2.00' });
    expect(preview.warnings.find((w: { code: string }) => w.code === 'LARGE_ADJUSTMENT')).toMatchObject({
      share: '0.10',
      lines: [{ partnerId: 'p1', posted: '10.00', amount: '12.00', delta: '2.00' }],
    });
    expect((await env.store.ledger.listEntries()).map((e) => e.kind)).toEqual(['accrual']);

    const confirmed = await ok({ action: 'accrue', quarter: '2026-Q1', actor: 'anna', confirm: true });
    expect(confirmed.accruals[0]).toMatchObject({ posted: '10.00', delta: '2.00' });
    expect(confirmed.warnings.map((w: { code: string }) => w.code)).toContain('LARGE_ADJUSTMENT');
    expect((await env.store.ledger.listEntries()).map((e) => e.kind).sort()).toEqual(['accrual', 'adjustment']);
  });

  it('previews proposed rules given inline: posted, current and proposed per partner, specialization and currency', async () => {
    await ok({ action: 'accrue', quarter: '2026-Q1', actor: 'anna' });
    const proposed = {
      versions: [
        { effectiveFrom: '2023-01-01', specializations: { 'ml-ai': { rate: '0.15', services: [SPEECHSENSE, 'dn2functions0000001'] } } },
      ],
    };
    const r = await ok({ action: 'accrue', quarter: '2026-Q1', dryRun: true, rules: proposed });
    expect(r.impact.proposed.source).toBe('proposed rules (inline JSON)');
    expect(r.impact.lines).toEqual([
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', posted: '10.00', current: '10.00', proposed: '19.50', change: '9.50' },
    ]);
    expect(r.accruals[0]).toMatchObject({ amount: '10.00', delta: '0.00' });
  });

  it('rejects proposed rules outside a dry run, as a path, or when invalid — with the reason', async () => {
    const notDry = await handler({ action: 'accrue', quarter: '2026-Q1', actor: 'anna', rules: GUARD_RULES_JSON });
    expect(notDry).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('--dry-run') } });
    const path = await handler({ action: 'accrue', quarter: '2026-Q1', dryRun: true, rulesFile: 'next.json' });
    expect(path).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('"rules"') } });
    const bad = await handler({
      action: 'accrue',
      quarter: '2026-Q1',
      dryRun: true,
      rules: { versions: [{ effectiveFrom: '2023-01-01', specializations: { 'ml-ai': { rate: '2' } } }] },
    });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'RULES_INVALID', message: expect.stringContaining('rate must be between 0 and 1') },
    });
    expect(await env.store.ledger.listEntries()).toEqual([]);
  });
});
