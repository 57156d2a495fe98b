/**
 * accrue-rebates handler: the quarterly timer (with and without payload), manual invokes,
 * malformed events (clear error, nothing written) and a timer racing an operator's post.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccrualRunError, createAccrueRebatesHandler } from '../../../functions/accrue-rebates/handler';
import { createSqliteStore } from '../../../shared/adapters/sqlite/sqlite-store';
import { formatMoney } from '../../../shared/domain/money';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import type { Store } from '../../../shared/ports/store';
import { EventValidationError } from '../../../shared/runtime/events';
import type { FunctionRuntime } from '../../../shared/runtime/function-runtime';
import { grantSpecialization, linkSubaccount } from '../../../shared/usecases/program';
import { rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/events/${name}`, import.meta.url), 'utf8'));
const context = (requestId = 'req-1') => ({ requestId });
const who = { actor: 'op-1', note: 'setup' };

let env: TestEnv;
let logs: Record<string, unknown>[];

function runtimeOf(store: Store): () => Promise<FunctionRuntime> {
  return async () => ({ store, rules: env.deps.rules, config: {} as FunctionRuntime['config'], logLevel: 'info' });
}

async function ledger(store: Store = env.store) {
  return (await store.ledger.listEntries())
    .map((e) => [e.quarter, e.partnerId, e.specialization, e.kind, formatMoney(e.amount), e.actor])
    .sort();
}

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  logs = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  });
  expect((await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01', to: null, ...who })).ok).toBe(true);
  expect((await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2025-01-01', to: null, ...who })).ok).toBe(
    true,
  );
  // 2025-Q4: 100 → 10.00; 2026-Q1: 123.45 → 12.35 (ml-ai 10%).
  await ingestExport(env.deps, csvObject('e/20251110.csv', csv([['acc1', SPEECHSENSE, '2025-11-10', '100', '0', 1000]])));
  await ingestExport(env.deps, csvObject('e/20260210.csv', csv([['acc1', SPEECHSENSE, '2026-02-10', '123.45', '0', 2000]])));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await env.cleanup();
});

const at = (iso: string) => () => new Date(iso);

describe('accrue-rebates handler', () => {
  it('on the quarterly timer posts the last closed quarter and re-posts the one before, as actor timer (R9)', async () => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-04-01T03:00:00Z'));
    const summary = await handler(fixture('timer-message.json'), context());
    expect(summary.today).toBe('2026-04-01');
    expect(summary.quarters.map((q) => [q.quarter, q.dryRun, q.entriesAppended, q.deltas])).toEqual([
      ['2025-Q4', false, 1, [{ currency: 'RUB', amount: '10.00' }]],
      ['2026-Q1', false, 1, [{ currency: 'RUB', amount: '12.35' }]],
    ]);
    expect(await ledger()).toEqual([
      ['2025-Q4', 'p1', 'ml-ai', 'accrual', '10.00', 'timer'],
      ['2026-Q1', 'p1', 'ml-ai', 'accrual', '12.35', 'timer'],
    ]);
    const runs = (await env.store.ledger.listRuns()).sort((a, b) => a.quarter.localeCompare(b.quarter));
    expect(runs.map((r) => [r.quarter, r.actor, r.note])).toEqual([
      ['2025-Q4', 'timer', 'quarterly run (trigger a1sfe084v4he8rte4fvl)'],
      ['2026-Q1', 'timer', 'quarterly run (trigger a1sfe084v4he8rte4fvl)'],
    ]);
    expect(summary.quarters.map((q) => q.runId)).toEqual(runs.map((r) => r.runId));
    const finished = logs.find((l) => l['msg'] === 'accrual run finished');
    expect(finished).toMatchObject({ level: 'INFO', request_id: 'req-1', function: 'accrue-rebates', trigger: 'timer', ok: true });
  });

  it('takes "today" in UTC+3: at 21:30 UTC on March 31 the first quarter has already closed', async () => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-03-31T21:30:00Z'));
    const summary = await handler(fixture('timer-no-payload.json'), context());
    expect(summary.quarters.map((q) => q.quarter)).toEqual(['2025-Q4', '2026-Q1']);
  });

  it('runs the same job from a timer message without payload, and re-running it appends nothing', async () => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-04-02T00:00:00Z'));
    await handler(fixture('timer-no-payload.json'), context());
    const again = await handler(fixture('timer-no-payload.json'), context('req-2'));
    expect(again.quarters.map((q) => [q.quarter, q.entriesAppended, q.deltas])).toEqual([
      ['2025-Q4', 0, [{ currency: 'RUB', amount: '0.00' }]],
      ['2026-Q1', 0, [{ currency: 'RUB', amount: '0.00' }]],
    ]);
    expect(await ledger()).toHaveLength(2);
  });

  it('posts only the quarter a timer payload names, as a bare quarter or as JSON', async () => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-05-01T00:00:00Z'));
    const timer = fixture('timer-no-payload.json') as { messages: { details: Record<string, string> }[] };
    timer.messages[0]!.details['payload'] = '2025-Q4';
    expect((await handler(timer, context())).quarters.map((q) => q.quarter)).toEqual(['2025-Q4']);
    timer.messages[0]!.details['payload'] = '{"quarter":"2026-Q1","dryRun":true}';
    const preview = await handler(timer, context());
    expect(preview.quarters.map((q) => [q.quarter, q.dryRun, q.entriesPlanned, q.entriesAppended])).toEqual([['2026-Q1', true, 1, 0]]);
    expect(await ledger()).toEqual([['2025-Q4', 'p1', 'ml-ai', 'accrual', '10.00', 'timer']]);
  });

  it('previews a manual {quarter, dryRun: true} without writing anything (R10)', async () => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-05-01T00:00:00Z'));
    const summary = await handler({ quarter: '2026-Q1', dryRun: true }, context());
    expect(summary.quarters).toEqual([
      expect.objectContaining({
        quarter: '2026-Q1',
        dryRun: true,
        lines: 1,
        entriesPlanned: 1,
        entriesAppended: 0,
        deltas: [{ currency: 'RUB', amount: '12.35' }],
      }),
    ]);
    expect(await ledger()).toEqual([]);
    expect(await env.store.ledger.listRuns()).toEqual([]);
  });

  it('posts a manual {quarter, actor} with that actor and note', async () => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-05-01T00:00:00Z'));
    await handler({ quarter: '2026-Q1', actor: 'anna', note: 'late export' }, context());
    expect(await ledger()).toEqual([['2026-Q1', 'p1', 'ml-ai', 'accrual', '12.35', 'anna']]);
  });

  it('refuses a manual post without an actor, and one of a quarter that has not ended, writing nothing', async () => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-03-20T00:00:00Z'));
    await expect(handler({ quarter: '2025-Q4' }, context())).rejects.toThrow(/actor: required/);
    const running = handler({ quarter: '2026-Q1', actor: 'anna' }, context());
    await expect(running).rejects.toBeInstanceOf(AccrualRunError);
    await expect(running).rejects.toThrow(/2026-Q1 .*has not ended yet/);
    expect(await ledger()).toEqual([]);
    expect(logs.some((l) => l['level'] === 'ERROR' && l['msg'] === 'accrue-rebates invocation failed')).toBe(true);
  });

  it.each([
    ['an invoke without data', '', /empty string/],
    ['an array', [], /an array/],
    ['an empty trigger batch', { messages: [] }, /messages/],
    ['a storage event', fixture('storage-object-create.json'), /event_type/],
    ['a quarter that does not exist', { quarter: '2026-Q5' }, /quarter: quarter "2026-Q5" is not a quarter/],
    ['a year far outside the program', { quarter: '9999-Q4' }, /quarter: quarter 9999-Q4 is outside the supported years 2000\.\.2999/],
    ['an unknown field', { quarter: '2026-Q1', dryrun: true }, /dryrun/],
    ['dryRun as a string', { quarter: '2026-Q1', dryRun: 'yes' }, /dryRun/],
    [
      'a payload that is neither JSON nor a quarter',
      {
        ...(fixture('timer-no-payload.json') as object),
        messages: [
          {
            ...(fixture('timer-no-payload.json') as { messages: { details: object }[] }).messages[0],
            details: { trigger_id: 't', payload: 'quarterly' },
          },
        ],
      },
      /payload/,
    ],
  ])('rejects %s with a clear error and writes nothing', async (_name, event, message) => {
    const handler = createAccrueRebatesHandler(runtimeOf(env.store), at('2026-05-01T00:00:00Z'));
    const call = handler(event, context());
    await expect(call).rejects.toBeInstanceOf(EventValidationError);
    await expect(call).rejects.toThrow(message);
    expect(await ledger()).toEqual([]);
    expect(await env.store.ledger.listRuns()).toEqual([]);
  });

  it('never appends an entry twice when the timer and an operator post the same quarter at once', async () => {
    // Two instances on one SQLite file, as two function instances share one database. Each waits
    // until both have read the ledger, so both plan against an empty ledger and race to append.
    const path = join(env.dir, 'rebates.db');
    const timerStore = createSqliteStore(path);
    const operatorStore = createSqliteStore(path);
    let reads = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const store of [timerStore, operatorStore]) {
      const listEntries = store.ledger.listEntries.bind(store.ledger);
      store.ledger.listEntries = async (filter) => {
        const entries = await listEntries(filter);
        if (++reads === 2) release();
        await bothRead;
        return entries;
      };
    }
    try {
      const now = at('2026-05-01T00:00:00Z');
      const [timer, operator] = await Promise.all([
        createAccrueRebatesHandler(runtimeOf(timerStore), now)(
          {
            messages: [
              {
                ...(fixture('timer-no-payload.json') as { messages: object[] }).messages[0],
                details: { trigger_id: 't1', payload: '2026-Q1' },
              },
            ],
          },
          context('timer'),
        ),
        createAccrueRebatesHandler(runtimeOf(operatorStore), now)({ quarter: '2026-Q1', actor: 'anna' }, context('operator')),
      ]);
      expect(await ledger()).toEqual([expect.arrayContaining(['2026-Q1', 'p1', 'ml-ai', 'accrual', '12.35'])]);
      expect(timer.quarters[0]!.entriesAppended + operator.quarters[0]!.entriesAppended).toBe(1);
      expect((await env.store.ledger.listEntries()).reduce((sum, e) => sum + e.amount, 0n)).toBe(12_350_000_000n);
    } finally {
      await timerStore.close();
      await operatorStore.close();
    }
  });
});
