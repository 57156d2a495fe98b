/** operator function, issue 12: `report.eligibility` answers the same JSON the CLI prints with --json. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { runCli } from '../../../cli/run-cli';
import { createOperatorHandler, type OperatorResponse } from '../../../functions/operator/handler';
import { parseRules } from '../../../shared/domain/rules';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { createLogger } from '../../../shared/runtime/logger';
import type { FunctionRuntime } from '../../../shared/runtime/function-runtime';
import { SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
let handler: (event: unknown) => Promise<OperatorResponse>;

beforeEach(async () => {
  env = createTestEnv(
    parseRules({
      versions: [{ effectiveFrom: '2023-01-01', specializations: { 'ml-ai': { rate: '0.10', services: [SPEECHSENSE] } } }],
      eligibility: { thresholds: { 'ml-ai': { RUB: '200' } } },
    }),
  );
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: {} as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const h = createOperatorHandler(runtime, { clock: env.deps.clock });
  handler = (event) => h(event, { requestId: 'req-report' });
  await handler({ action: 'partner.link', partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01', actor: 'anna' });
  await handler({ action: 'specialization.grant', partnerId: 'p1', specialization: 'ml-ai', from: '2026-02-01', actor: 'anna' });
  env.setNow('2026-06-01T00:00:00Z');
  await ingestExport(
    env.deps,
    csvObject(
      'e/1.csv',
      csv([
        ['acc1', SPEECHSENSE, '2026-02-10', '123.45', '-3.45', 1_770_000_000],
        ['acc1', SPEECHSENSE, '2026-05-02', '100', '0', 1_770_000_000],
      ]),
    ),
  );
});
afterEach(async () => {
  vi.restoreAllMocks();
  await env.cleanup();
});

it('reports paid consumption per quarter and year beside the threshold and the specialization held', async () => {
  const r = await handler({ action: 'report.eligibility', year: 2026 });
  const expected = {
    year: 2026,
    partners: [
      {
        partnerId: 'p1',
        specializations: [
          {
            specialization: 'ml-ai',
            held: [{ from: '2026-02-01', to: null }],
            consumption: [
              {
                currency: 'RUB',
                quarters: { Q1: '120.00', Q2: '100.00', Q3: '0.00', Q4: '0.00' },
                year: '220.00',
                threshold: '200.00',
                meets: true,
              },
            ],
          },
        ],
      },
    ],
  };
  expect(r).toEqual({ ok: true, action: 'report.eligibility', result: expected });
  const deps = {
    ...env.deps,
    logger: createLogger({ level: 'error', write: () => {} }),
    localFiles: true,
    migrate: async () => ({ store: 'sqlite' as const, target: '', created: [], existing: [] }),
  };
  const cli = await runCli(['report', 'eligibility', '--year', '2026', '--json'], async () => deps);
  expect(cli.json).toEqual(expected);
  const text = await runCli(['report', 'eligibility', '--year', '2026'], async () => deps);
  expect(text.text).toMatch(/p1\s+ml-ai\s+2026-02-01\.\.\s+RUB\s+120\.00\s+100\.00\s+0\.00\s+0\.00\s+220\.00\s+200\.00\s+yes/);
});

it('rejects a year outside the program with the reason', async () => {
  expect(await handler({ action: 'report.eligibility', year: 1999 })).toMatchObject({
    ok: false,
    error: { code: 'ACTION_INVALID', message: expect.stringContaining('a year from 2000') },
  });
});
