/** accrue-rebates, issue 12: the timer posts despite the guards and logs one `warn` line per warning. */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createAccrueRebatesHandler } from '../../../functions/accrue-rebates/handler';
import { parseRules } from '../../../shared/domain/rules';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import type { FunctionRuntime } from '../../../shared/runtime/function-runtime';
import { grantSpecialization, linkSubaccount } from '../../../shared/usecases/program';
import { GUARD_RULES_JSON, guardExport } from '../../support/guard-fixtures';
import { createTestEnv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
let logs: Record<string, any>[];
const who = { actor: 'op-1', note: 'setup' };

beforeEach(async () => {
  env = createTestEnv(parseRules(GUARD_RULES_JSON));
  // The fixture has a day after the quarter (2026-04-21): ingested no later than the day before it.
  env.setNow('2026-04-20T00:00:00Z');
  logs = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
    return true;
  });
  await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01', to: null, ...who });
  await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2025-01-01', to: null, ...who });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await env.cleanup();
});

it('posts a re-post with a large adjustment anyway and logs each warning once at warn', async () => {
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: {} as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const timer = JSON.parse(readFileSync(new URL('../../fixtures/events/timer-message.json', import.meta.url), 'utf8'));
  await ingestExport(env.deps, csvObject('e/q1.csv', guardExport('100.00', 1_770_000_000)));
  await createAccrueRebatesHandler(runtime, () => new Date('2026-04-02T00:00:00Z'))(timer, { requestId: 'r1' });
  await ingestExport(env.deps, csvObject('e/q1-fix.csv', guardExport('150.00', 1_770_000_500)));
  logs = [];

  const summary = await createAccrueRebatesHandler(runtime, () => new Date('2026-04-20T00:00:00Z'))(timer, { requestId: 'r2' });
  const q1 = summary.quarters.find((q) => q.quarter === '2026-Q1')!;
  expect(q1).toMatchObject({ entriesAppended: 1, deltas: [{ currency: 'RUB', amount: '5.00' }] });
  expect(q1.warnings.map((w) => w.code)).toEqual([
    'MISSING_EXPORT_DAYS',
    'UNLINKED_USAGE',
    'PENDING_SERVICE',
    'LARGE_ADJUSTMENT',
    'FUTURE_OR_OPEN_DATA',
  ]);
  const warnLines = logs.filter((l) => l['level'] === 'WARN' && l['quarter'] === '2026-Q1');
  expect(warnLines.map((l) => l['msg'])).toEqual(q1.warnings.map((w) => `2026-Q1: ${w.code}`));
  expect(warnLines.find((l) => l['warning'].code === 'LARGE_ADJUSTMENT')).toMatchObject({
    request_id: 'r2',
    warning: { lines: [{ posted: '10.00', amount: '15.00', delta: '5.00' }] },
  });
  expect(
    (await env.store.ledger.listEntries())
      .filter((e) => e.quarter === '2026-Q1')
      .map((e) => e.kind)
      .sort(),
  ).toEqual(['accrual', 'adjustment']);
});

it('stops a manual post with a large adjustment until the invoke says "confirm": true', async () => {
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: {} as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const handler = createAccrueRebatesHandler(runtime, () => new Date('2026-05-20T00:00:00Z'));
  await ingestExport(env.deps, csvObject('e/q1.csv', guardExport('100.00', 1_770_000_000)));
  await handler({ quarter: '2026-Q1', actor: 'anna' }, { requestId: 'm1' });
  await ingestExport(env.deps, csvObject('e/q1-fix.csv', guardExport('150.00', 1_770_000_500)));

  const refused = handler({ quarter: '2026-Q1', actor: 'anna' }, { requestId: 'm2' });
  await expect(refused).rejects.toMatchObject({
    code: 'ACCRUAL_FAILED',
    summary: { quarters: [{ error: { code: 'CONFIRMATION_REQUIRED' } }] },
  });
  expect((await env.store.ledger.listEntries()).map((e) => e.kind)).toEqual(['accrual']);
  const confirmed = await handler({ quarter: '2026-Q1', actor: 'anna', confirm: true }, { requestId: 'm3' });
  expect(confirmed.quarters[0]).toMatchObject({ entriesAppended: 1, deltas: [{ currency: 'RUB', amount: '5.00' }] });
});
