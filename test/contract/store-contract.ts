/**
 * The behavioural contract of the storage port (§6). Written only against `Store`, so the SQLite
 * and the YDB adapter run the very same tests. Each test gets a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../shared/ports/store';
import { batch, collect, entry, link, period, run, shown, shownEntry, type ContractContext } from './fixtures';
import { describeLedgerContract } from './ledger-contract';
import { describeProgramContract } from './program-contract';
import { describeTokenContract } from './token-contract';
import { describeRulesContract, type HalfEndAudit } from './rules-contract';
import { describeUsageContract } from './usage-contract';

export interface StoreUnderTest {
  store: Store;
  /** Removes whatever the store left behind (files, tables); runs after the store is closed. */
  cleanup?: () => Promise<void>;
  /** Opens the same data again after `store.close()`; enables the persistence test. */
  reopen?: () => Promise<Store>;
  /** Breaks a stored period's ended audit in half, below the port (the corruption rule's test). */
  halfEndAudit?: HalfEndAudit;
}

export interface ContractOptions {
  /** Whether the factory's stores can be reopened (`reopen`); the persistence test runs only then. */
  persistent?: boolean;
  /**
   * False for a factory that cannot reach below the port (SQLite in memory); the corruption rule
   * is then stated by another factory of the same adapter.
   */
  tamperable?: boolean;
}

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>, options: ContractOptions = {}): void {
  describe(`store contract: ${name}`, () => {
    let subject: StoreUnderTest | undefined;
    let active: Store | undefined;
    const ctx: ContractContext = {
      get store(): Store {
        if (active === undefined) throw new Error('store contract: no store is open');
        return active;
      },
    };

    beforeEach(async () => {
      subject = await makeStore();
      active = subject.store;
    });

    afterEach(async () => {
      await active?.close();
      await subject?.cleanup?.();
      active = undefined;
      subject = undefined;
    });

    describeProgramContract(ctx);
    describeUsageContract(ctx);
    describeLedgerContract(ctx);
    describeTokenContract(ctx);
    describeRulesContract(ctx, options.tamperable === false ? undefined : () => subject?.halfEndAudit);

    if (options.persistent !== false)
      it('keeps links, periods, usage, versions, the ingest log, entries and runs across close and reopen', async () => {
        const reopen = subject?.reopen;
        if (reopen === undefined) throw new Error('a persistent store factory must provide reopen()');
        const store = ctx.store;
        await store.program.insertLink(link('l-1', 'p-1', 'sub-a', '2026-01-01'));
        await store.program.insertSpecialization(period('s-1', 'p-1', 'ml-ai', '2026-01-01'));
        await store.usage.applyAccountDays('k.csv', [
          batch('sub-a', '2026-01-02', 9, [{ cost: '0.000000001', credit: '-12345678901.123456789' }]),
        ]);
        await store.usage.recordIngest({
          id: 'i-1',
          objectKey: 'k.csv',
          etag: null,
          version: 9,
          rows: 1,
          accountDaysApplied: 1,
          accountDaysStale: 0,
          status: 'applied',
          reason: null,
          startedAt: '2026-01-03T00:00:00.000Z',
          finishedAt: '2026-01-03T00:00:01.000Z',
        });
        const entries = [entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '0.01' })];
        await store.ledger.appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 1), entries);
        const range = { from: '2026-01-01', to: '2026-12-31' };
        const before = {
          links: await store.program.listLinks(),
          periods: await store.program.listSpecializations(),
          usage: (await collect(store.usage.scanUsage(range))).map(shown),
          versions: await store.usage.listAccountDayVersions(range),
          log: await store.usage.listIngestLog(),
          entries: (await store.ledger.listEntries()).map(shownEntry),
          runs: await store.ledger.listRuns(),
        };

        await store.close();
        active = undefined;
        active = await reopen();

        expect({
          links: await ctx.store.program.listLinks(),
          periods: await ctx.store.program.listSpecializations(),
          usage: (await collect(ctx.store.usage.scanUsage(range))).map(shown),
          versions: await ctx.store.usage.listAccountDayVersions(range),
          log: await ctx.store.usage.listIngestLog(),
          entries: (await ctx.store.ledger.listEntries()).map(shownEntry),
          runs: await ctx.store.ledger.listRuns(),
        }).toEqual(before);
        expect(before.usage.map((a) => `${a.cost} ${a.credit}`)).toEqual(['0.000000001 -12345678901.123456789']);
        expect(before.entries).toHaveLength(1);
      });
  });
}
