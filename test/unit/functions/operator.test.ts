/**
 * operator handler: every CLI command is an action here, from the one shared schema. Each action
 * runs through the handler; invalid ones get an error listing what is valid and write nothing;
 * the CLI and the function answer the same action with the same JSON.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../cli/run-cli';
import { createOperatorHandler, type OperatorResponse } from '../../../functions/operator/handler';
import { ACTION_NAMES } from '../../../shared/actions/schema';
import { CLI_ACTIONS } from '../../../cli/action-argv';
import { createLogger } from '../../../shared/runtime/logger';
import type { FunctionRuntime } from '../../../shared/runtime/function-runtime';
import { rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createMemoryExportSource, type MemoryExportSource } from '../../support/memory-export-source';
import { createTestEnv, csv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
let source: MemoryExportSource;
let handler: (event: unknown) => Promise<OperatorResponse>;

beforeEach(() => {
  env = createTestEnv(rulesWith());
  env.setNow('2026-05-01T00:00:00Z');
  source = createMemoryExportSource();
  source.put('exports', 'partner/20260210.csv', csv([['acc1', SPEECHSENSE, '2026-02-10', '123.45', '0', 1_770_000_000]]));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const runtime = async (): Promise<FunctionRuntime> => ({
    store: env.store,
    rules: env.deps.rules,
    config: { REBATES_STORE: `sqlite:${env.dir}/rebates.db` } as FunctionRuntime['config'],
    logLevel: 'info',
  });
  const h = createOperatorHandler(runtime, { clock: env.deps.clock, storage: () => source });
  handler = (event) => h(event, { requestId: 'req-op' });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await env.cleanup();
});

async function nothingWritten() {
  expect(await env.store.program.listLinks()).toEqual([]);
  expect(await env.store.program.listSpecializations()).toEqual([]);
  expect(await env.store.usage.listIngestLog()).toEqual([]);
  expect(await env.store.ledger.listEntries()).toEqual([]);
}

describe('operator handler', () => {
  it('offers every action of the shared schema, and the CLI has a command for each', () => {
    expect(Object.keys(CLI_ACTIONS).sort()).toEqual([...ACTION_NAMES].sort());
    expect(ACTION_NAMES).toEqual(
      expect.arrayContaining([
        'partner.link',
        'partner.unlink',
        'partner.show',
        'specialization.grant',
        'specialization.revoke',
        'ingest',
        'ingest-log',
        'accrue',
        'balance',
        'statement',
        'migrate',
        'sync-catalog',
        'sync-subaccounts',
      ]),
    );
  });

  it('links, grants, ingests a prefix, previews and posts a quarter, and explains it', async () => {
    const ok = async (event: Record<string, unknown>) => {
      const r = await handler(event);
      if (!r.ok) throw new Error(`${String(event['action'])}: ${r.error.message}`);
      return r.result as Record<string, unknown>;
    };
    await ok({ action: 'partner.link', partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01', actor: 'anna', note: 'contract 42' });
    await ok({ action: 'specialization.grant', partnerId: 'p1', specialization: 'ml-ai', from: '2025-01-01', actor: 'anna' });
    const shown = await ok({ action: 'partner.show', partnerId: 'p1' });
    expect(shown).toMatchObject({
      partnerId: 'p1',
      links: [{ subaccountId: 'acc1', created: { actor: 'anna', note: 'contract 42' } }],
      specializations: [{ specialization: 'ml-ai' }],
    });

    const ingested = await ok({ action: 'ingest', sources: ['s3://exports/partner/'] });
    expect(ingested['totals']).toMatchObject({ files: 1, applied: 1, accountDaysApplied: 1 });
    expect((await ok({ action: 'ingest-log', limit: 5 }))['entries']).toEqual([
      expect.objectContaining({ objectKey: 's3://exports/partner/20260210.csv', status: 'applied' }),
    ]);

    expect(await ok({ action: 'accrue', quarter: '2026-Q1', dryRun: true })).toMatchObject({
      dryRun: true,
      accruals: [{ partnerId: 'p1', amount: '12.35', delta: '12.35' }],
    });
    expect(await env.store.ledger.listEntries()).toEqual([]);
    expect(await ok({ action: 'accrue', quarter: '2026-Q1', actor: 'anna' })).toMatchObject({
      dryRun: false,
      accruals: [{ amount: '12.35', posted: '0.00', delta: '12.35' }],
    });
    expect(await ok({ action: 'balance', partnerId: 'p1' })).toEqual({ partnerId: 'p1', balances: [{ currency: 'RUB', amount: '12.35' }] });
    const statement = await ok({ action: 'statement', partnerId: 'p1', quarter: '2026-Q1' });
    expect(statement['lines']).toEqual([
      expect.objectContaining({
        specialization: 'ml-ai',
        base: '123.45',
        exact: '12.345',
        amount: '12.35',
        posted: '12.35',
        pending: '0.00',
      }),
    ]);

    await ok({ action: 'specialization.revoke', partnerId: 'p1', specialization: 'ml-ai', effective: '2026-02-01', actor: 'anna' });
    const unlinked = await ok({ action: 'partner.unlink', partnerId: 'p1', subaccountId: 'acc1', effective: '2026-03-01', actor: 'anna' });
    expect(unlinked['postedQuartersAffected']).toEqual(['2026-Q1']);
    expect(await ok({ action: 'migrate' })).toMatchObject({ store: 'sqlite' });
  });

  it.each([
    [
      'an unknown action',
      { action: 'partner.delete', partnerId: 'p1' },
      /unknown action "partner\.delete"; valid actions: partner\.link, partner\.unlink, .*sync-subaccounts/,
    ],
    ['no action at all', { partnerId: 'p1' }, /no "action" field; valid actions: partner\.link/],
    ['an invoke without data', '', /expected a JSON object/],
    [
      'a missing field',
      { action: 'partner.link', partnerId: 'p1', from: '2026-01-01', actor: 'a' },
      /partner\.link: subaccountId: required/,
    ],
    [
      'a misspelt field',
      { action: 'partner.link', partnerId: 'p1', subaccountId: 's', from: '2026-01-01', actor: 'a', too: '2026-02-01' },
      /unknown field\(s\) "too"; valid: action, partnerId, subaccountId, from, to, actor, note/,
    ],
    [
      'a day that does not exist',
      { action: 'partner.link', partnerId: 'p1', subaccountId: 's', from: '2026-02-30', actor: 'a' },
      /from: day "2026-02-30" is not a calendar day/,
    ],
    [
      'a padded id',
      { action: 'partner.link', partnerId: ' p1', subaccountId: 's', from: '2026-01-01', actor: 'a' },
      /partnerId: partner id has leading or trailing spaces/,
    ],
    [
      'an id with a newline',
      { action: 'specialization.grant', partnerId: 'p1\nerror: forged', specialization: 'ml-ai', from: '2026-01-01', actor: 'a' },
      /partnerId: partner id contains a control or invisible character \(U\+000A at position 3\)/,
    ],
    [
      'a blank actor',
      { action: 'partner.link', partnerId: 'p1', subaccountId: 's', from: '2026-01-01', actor: ' ' },
      /actor: actor is blank/,
    ],
    [
      'a quarter in year 0001',
      { action: 'accrue', quarter: '0001-Q1', dryRun: true },
      /quarter: quarter 0001-Q1 is outside the supported years 2000..2999/,
    ],
    ['a limit that is not a number', { action: 'ingest-log', limit: '5' }, /limit/],
  ])('answers %s with an error naming what is valid, and writes nothing', async (_name, event, message) => {
    const r = await handler(event);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('ACTION_INVALID');
    expect(r.error.message).toMatch(message);
    await nothingWritten();
  });

  it('requires an actor for a change (R12) and reads only s3:// sources', async () => {
    const link = await handler({ action: 'partner.link', partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01' });
    expect(link).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/actor: required/) } });
    const local = await handler({ action: 'ingest', sources: ['/etc/passwd'] });
    expect(local).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/only s3:\/\/bucket\/prefix sources, not local paths \(\/etc\/passwd\)/) },
    });
    const post = await handler({ action: 'accrue', quarter: '2026-Q1' });
    expect(post).toMatchObject({ ok: false, error: { message: expect.stringMatching(/actor: required/) } });
    await nothingWritten();
  });

  it('answers an action with the same JSON the CLI prints for the same command', async () => {
    const deps = async () => ({
      ...env.deps,
      logger: createLogger({ level: 'error', write: () => {} }),
      localFiles: true,
      storage: () => source,
      migrate: async () => ({ store: 'sqlite' as const, target: '', created: [], existing: [] }),
    });
    const cli = async (...argv: string[]) => (await runCli([...argv, '--json'], deps)).json;
    await cli('partner', 'link', '--partner', 'p1', '--subaccount', 'acc1', '--from', '2025-01-01', '--actor', 'anna');
    await cli('specialization', 'grant', '--partner', 'p1', '--specialization', 'ml-ai', '--from', '2025-01-01', '--actor', 'anna');
    await cli('ingest', 's3://exports/partner/');
    const viaCli = await cli('statement', '--partner', 'p1', '--quarter', '2026-Q1');
    const viaFunction = await handler({ action: 'statement', partnerId: 'p1', quarter: '2026-Q1' });
    expect(viaFunction).toEqual({ ok: true, action: 'statement', result: viaCli });
    const previewCli = (await cli('accrue', '--quarter', '2026-Q1', '--dry-run')) as { runId: string };
    const previewFn = (await handler({ action: 'accrue', quarter: '2026-Q1', dryRun: true })) as unknown as { result: { runId: string } };
    expect({ ...previewFn.result, runId: '' }).toEqual({ ...previewCli, runId: '' });
  });
});
