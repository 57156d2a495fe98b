/** operator function, issue 12: `partner.import` with the CSV inline — preview, all-or-nothing apply, audit, overlaps by line. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOperatorHandler, type OperatorResponse } from '../../../functions/operator/handler';
import type { FunctionRuntime } from '../../../shared/runtime/function-runtime';
import { rulesWith } from '../../support/domain-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
let handler: (event: unknown) => Promise<OperatorResponse>;
const CSV = ['partner_id,subaccount_id,from,to', 'p1,acc-1,2026-01-01,', 'p2,acc-2,2025-07-01,2026-06-30'].join('\n');

beforeEach(() => {
  env = createTestEnv(rulesWith());
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: {} as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const h = createOperatorHandler(runtime, { clock: env.deps.clock });
  handler = (event) => h(event, { requestId: 'req-import' });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await env.cleanup();
});

describe('operator partner.import', () => {
  it('previews without writing, then imports every link with its audit', async () => {
    const preview = await handler({ action: 'partner.import', csv: CSV, dryRun: true });
    expect(preview).toMatchObject({
      ok: true,
      result: {
        dryRun: true,
        imported: 0,
        links: [
          { partnerId: 'p1', subaccountId: 'acc-1' },
          { partnerId: 'p2', subaccountId: 'acc-2' },
        ],
      },
    });
    expect(await env.store.program.listLinks()).toEqual([]);

    const done = await handler({ action: 'partner.import', csv: CSV, actor: 'anna', note: 'Q1 onboarding' });
    expect(done).toMatchObject({ ok: true, result: { dryRun: false, imported: 2, source: 'inline CSV' } });
    const stored = await env.store.program.listLinks();
    expect(stored.map((l) => [l.partnerId, l.subaccountId, l.from, l.to, l.created.actor, l.created.note])).toEqual([
      ['p1', 'acc-1', '2026-01-01', null, 'anna', 'Q1 onboarding (import inline CSV line 2)'],
      ['p2', 'acc-2', '2025-07-01', '2026-06-30', 'anna', 'Q1 onboarding (import inline CSV line 3)'],
    ]);
  });

  it('rejects the whole file on one overlap with a stored link, naming the line, and writes nothing', async () => {
    await handler({ action: 'partner.link', partnerId: 'p9', subaccountId: 'acc-2', from: '2026-01-01', actor: 'anna' });
    const r = await handler({ action: 'partner.import', csv: `${CSV}\np3,acc-3,2026-13-01,`, actor: 'anna' });
    expect(r).toMatchObject({ ok: false, error: { code: 'IMPORT_REJECTED' } });
    const result = (r as unknown as { result: { problems: { line: number; column: string | null; reason: string }[] } }).result;
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [3, null],
      [4, 'from'],
    ]);
    expect(result.problems[0]?.reason).toContain('already linked to partner p9');
    expect((await env.store.program.listLinks()).map((l) => l.partnerId)).toEqual(['p9']);
  });

  it('needs exactly one of csv and file, reads no local file in a function, and an actor to write', async () => {
    expect(await handler({ action: 'partner.import', actor: 'anna' })).toMatchObject({
      ok: false,
      error: { code: 'ACTION_INVALID', message: expect.stringContaining('exactly once') },
    });
    expect(await handler({ action: 'partner.import', csv: CSV, file: 'x.csv', actor: 'anna' })).toMatchObject({
      ok: false,
      error: { code: 'ACTION_INVALID' },
    });
    expect(await handler({ action: 'partner.import', file: 'links.csv', actor: 'anna' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('"csv"') },
    });
    expect(await handler({ action: 'partner.import', csv: CSV })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('actor') },
    });
    expect(await env.store.program.listLinks()).toEqual([]);
  });
});
