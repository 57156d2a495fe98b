/**
 * The accrue use case on a SQLite store: what a run records, retries when the store interrupts a
 * scan or another run posts first (each a fault injected into the real store), and the preview of
 * a running quarter up to a day.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { LedgerConflictError, StoreError } from '../../../shared/ports/store';
import { accrueQuarter, computeQuarter } from '../../../shared/usecases/accrue';
import { grant, link, rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { interruptScans } from '../../support/store-faults';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const who = { actor: 'op-1', note: 'q1' };

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  await env.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('p1', 'ml-ai', '2025-01-01'));
  await ingestExport(
    env.deps,
    csvObject(
      'd.csv',
      csv([
        ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000],
        ['acc1', SPEECHSENSE, '2026-02-10', '50', '0', 1000],
      ]),
    ),
  );
});
afterEach(() => env.cleanup());

describe('accrue a quarter', () => {
  it('records a posted run as not a dry run, with its actor, note and entries', async () => {
    const r = await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who });
    expect(r).toMatchObject({ ok: true, entriesAppended: 1 });
    expect(await env.store.ledger.listRuns()).toEqual([
      expect.objectContaining({ quarter: '2026-Q1', dryRun: false, actor: 'op-1', note: 'q1', entries: 1, rulesDigest: 'test' }),
    ]);
  });

  it('refuses text that is no quarter', async () => {
    expect(await accrueQuarter(env.deps, { quarter: '2026-Q7', dryRun: true, ...who })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/2026-Q7.* is not a quarter/),
    });
  });

  it('computes again when the store interrupts a scan, up to three attempts', async () => {
    const calls = interruptScans(env.store, 2);
    const r = await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: true, ...who });
    expect(r.ok && r.accruals.map((a) => formatMoney(a.amount))).toEqual(['15.00']);
    expect(calls()).toBe(3);
  });

  it('gives up after the third interrupted scan with the store’s error', async () => {
    const calls = interruptScans(env.store, 3);
    await expect(accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: true, ...who })).rejects.toMatchObject({
      code: 'YDB_SCAN_INTERRUPTED',
    });
    expect(calls()).toBe(3);
  });

  it('does not retry a scan that failed for another reason', async () => {
    let calls = 0;
    env.store.usage.scanUsage = () => {
      calls++;
      return (async function* () {
        yield* [];
        throw new StoreError('YDB_UNAVAILABLE', 'down');
      })();
    };
    await expect(accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: true, ...who })).rejects.toMatchObject({ code: 'YDB_UNAVAILABLE' });
    expect(calls).toBe(1);
  });

  it('recomputes against the new ledger when another run posted the same keys first, up to three attempts', async () => {
    const append = env.store.ledger.appendRun.bind(env.store.ledger);
    let calls = 0;
    env.store.ledger.appendRun = async (run, entries) => {
      calls++;
      if (calls < 3) throw new LedgerConflictError(entries[0]?.id ?? 'none');
      return append(run, entries);
    };
    expect(await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who })).toMatchObject({ ok: true, entriesAppended: 1 });
    expect(calls).toBe(3);
    calls = -10;
    await expect(accrueQuarter(env.deps, { quarter: '2026-Q2', dryRun: false, ...who })).resolves.toMatchObject({ ok: false });
    env.setNow('2026-07-02T00:00:00Z');
    await expect(accrueQuarter(env.deps, { quarter: '2026-Q2', dryRun: false, ...who })).rejects.toBeInstanceOf(LedgerConflictError);
    expect(calls).toBe(-7);
  });

  it('does not retry a failed append that is no conflict', async () => {
    let calls = 0;
    env.store.ledger.appendRun = async () => {
      calls++;
      throw new StoreError('STORE_BUSY', 'locked');
    };
    await expect(accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who })).rejects.toMatchObject({ code: 'STORE_BUSY' });
    expect(calls).toBe(1);
  });
});

describe('a running quarter’s preview through a day', () => {
  const base = async (through: string) =>
    (await computeQuarter(env.deps, '2026-Q1', undefined, { through })).lines.map((l) => formatMoney(l.base));

  it('counts usage up to and including that day only', async () => {
    expect(await base('2026-02-09')).toEqual(['100.00']);
    expect(await base('2026-02-10')).toEqual(['150.00']);
    expect(await base('2026-01-10')).toEqual(['100.00']);
  });

  it('counts the first day of the quarter when the preview goes through that day', async () => {
    await ingestExport(env.deps, csvObject('first.csv', csv([['acc1', SPEECHSENSE, '2026-01-01', '7', '0', 1000]])));
    expect(await base('2026-01-01')).toEqual(['7.00']);
  });

  it('counts the whole quarter for a day after it, and nothing for a day before it', async () => {
    expect(await base('2026-06-30')).toEqual(['150.00']);
    expect(await base('2025-12-31')).toEqual([]);
  });
});
