/**
 * Contract: the store rules that are not storage (shared/ports/store-rules.ts). Every adapter
 * calls the same rule code; these tests state each rule so every adapter must keep it.
 */
import { describe, expect, it } from 'vitest';
import { LedgerConflictError } from '../../shared/ports/store';
import { audit, batch, entry, ingest, link, period, run, usageIn, type ContractContext } from './fixtures';

const ALL = { from: '2000-01-01', to: '2099-12-31' } as const;

/** Breaks a stored period's "ended by" audit in half (ended_note set to NULL), below the port. */
export type HalfEndAudit = (table: 'subaccount_links' | 'specialization_periods', id: string) => Promise<void>;

export function describeRulesContract(ctx: ContractContext, halfEndAudit: (() => HalfEndAudit | undefined) | undefined): void {
  describe('store rules (one set, above both adapters)', () => {
    it('rejects an account-day that appears twice in one apply (never last-wins) and writes nothing of the call', async () => {
      const twice = [
        batch('acc-1', '2026-01-05', 100, [{ cost: '1' }]),
        batch('acc-2', '2026-01-05', 100, [{}]),
        batch('acc-1', '2026-01-05', 100, [{ cost: '2' }]),
      ];

      await expect(ctx.store.usage.applyAccountDays('twice.csv', twice)).rejects.toMatchObject({
        code: 'INVALID_BATCH',
        message: expect.stringMatching(/acc-1\/2026-01-05 appears twice/),
      });
      expect(await usageIn(ctx.store, ALL.from, ALL.to)).toEqual([]);
      expect(await ctx.store.usage.listAccountDayVersions(ALL)).toEqual([]);
    });

    it('rejects an amount outside Decimal(22,9) with INVALID_RECORD before writing anything', async () => {
      const huge = [batch('acc-1', '2026-01-05', 1, [{}]), batch('acc-2', '2026-01-05', 1, [{ cost: '9999999999999.999999999' }])];
      huge[1]!.rows[0]!.cost = 10n ** 22n;

      await expect(ctx.store.usage.applyAccountDays('huge.csv', huge)).rejects.toMatchObject({ code: 'INVALID_RECORD' });
      expect(await usageIn(ctx.store, ALL.from, ALL.to)).toEqual([]);
    });

    it('holds the Decimal(22,9) bounds on both amounts: 10^22 - 1 nano-units either way is stored, one more is refused naming the amount', async () => {
      const edge = [batch('acc-1', '2026-01-05', 1, [{}])];
      edge[0]!.rows[0]!.cost = 10n ** 22n - 1n;
      edge[0]!.rows[0]!.credit = -(10n ** 22n) + 1n;
      expect((await ctx.store.usage.applyAccountDays('edge.csv', edge)).appliedCount).toBe(1);

      const credit = [batch('acc-2', '2026-01-05', 1, [{}])];
      credit[0]!.rows[0]!.credit = -(10n ** 22n);
      await expect(ctx.store.usage.applyAccountDays('credit.csv', credit)).rejects.toMatchObject({
        code: 'INVALID_RECORD',
        message: expect.stringMatching(/credit is outside Decimal\(22,9\)/),
      });
      const cost = [batch('acc-3', '2026-01-05', 1, [{}])];
      cost[0]!.rows[0]!.cost = -(10n ** 22n);
      await expect(ctx.store.usage.applyAccountDays('cost.csv', cost)).rejects.toMatchObject({
        code: 'INVALID_RECORD',
        message: expect.stringMatching(/cost is outside Decimal\(22,9\)/),
      });
      expect((await usageIn(ctx.store, ALL.from, ALL.to)).map((u) => u.accountId)).toEqual(['acc-1']);
    });

    it('refuses a second ingest log entry with an existing id (ALREADY_EXISTS) and keeps the first', async () => {
      const first = ingest('i-1', 'exports/a.csv', '2026-01-05T10:00:00.000Z');
      await ctx.store.usage.recordIngest(first);

      const again = ctx.store.usage.recordIngest(
        ingest('i-1', 'exports/b.csv', '2026-01-06T10:00:00.000Z', { status: 'rejected', reason: 'x' }),
      );

      await expect(again).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      expect(await ctx.store.usage.listIngestLog()).toEqual([first]);
    });

    it('lists the ingest log newest first, a tie on start time by id descending, also under a limit', async () => {
      const same = '2026-01-05T10:00:00.000Z';
      const entries = [
        ingest('i-a', 'k.csv', same),
        ingest('i-c', 'k.csv', same),
        ingest('i-b', 'k.csv', same),
        ingest('i-old', 'k.csv', '2026-01-04T10:00:00.000Z'),
      ];
      for (const e of entries) await ctx.store.usage.recordIngest(e);

      expect((await ctx.store.usage.listIngestLog()).map((e) => e.id)).toEqual(['i-c', 'i-b', 'i-a', 'i-old']);
      expect((await ctx.store.usage.listIngestLog({ limit: 2 })).map((e) => e.id)).toEqual(['i-c', 'i-b']);
      expect((await ctx.store.usage.listIngestLog({ objectKey: 'k.csv', limit: 1 })).map((e) => e.id)).toEqual(['i-c']);
    });

    it.each([
      [
        'link',
        (c: ContractContext) => ({
          insert: (to: string | null) => c.store.program.insertLink(link('x-1', 'p-1', 'sub-a', '2026-01-01', to)),
          end: (to: string) => c.store.program.endLink('x-1', to, audit('op', '2026-05-01T00:00:00.000Z', 'end')),
        }),
      ],
      [
        'specialization period',
        (c: ContractContext) => ({
          insert: (to: string | null) => c.store.program.insertSpecialization(period('x-1', 'p-1', 'ml-ai', '2026-01-01', to)),
          end: (to: string) => c.store.program.endSpecialization('x-1', to, audit('op', '2026-05-01T00:00:00.000Z', 'end')),
        }),
      ],
    ] as const)('ends a %s only earlier than it ends now, an ended one too (ALREADY_ENDED otherwise)', async (_noun, make) => {
      const subject = make(ctx);
      await subject.insert('2026-06-30');

      await expect(subject.end('2026-06-30')).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
      await expect(subject.end('2026-07-31')).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
      await subject.end('2026-04-30');
      await expect(subject.end('2026-04-30')).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
      await expect(subject.end('2026-05-31')).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
      await subject.end('2026-03-31'); // a correction of the end (issue 8)
    });

    it('refuses ledger entries of one append that share an id or a key and seq, writing nothing', async () => {
      const one = entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '1' });
      const clash = {
        ...entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '2' }),
        id: 'other-id',
      };

      await expect(ctx.store.ledger.appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 2), [one, clash])).rejects.toBeInstanceOf(
        LedgerConflictError,
      );
      expect(await ctx.store.ledger.listEntries()).toEqual([]);
      expect(await ctx.store.ledger.listRuns()).toEqual([]);
    });

    if (halfEndAudit)
      it.each(['subaccount_links', 'specialization_periods'] as const)(
        'reads a %s row whose "ended by" audit is half there as corruption (CORRUPT_ROW), never filled in',
        async (table) => {
          const tamper = halfEndAudit();
          if (tamper === undefined)
            throw new Error(
              'this store factory must provide halfEndAudit() (or declare tamperable: false when another factory covers the same adapter)',
            );
          const ended = audit('op-vera', '2026-05-02T12:30:00.000Z', 'customer left');
          if (table === 'subaccount_links') {
            await ctx.store.program.insertLink(link('l-1', 'p-1', 'sub-a', '2026-01-01'));
            await ctx.store.program.endLink('l-1', '2026-04-30', ended);
          } else {
            await ctx.store.program.insertSpecialization(period('l-1', 'p-1', 'ml-ai', '2026-01-01'));
            await ctx.store.program.endSpecialization('l-1', '2026-04-30', ended);
          }

          await tamper(table, 'l-1');

          const read = table === 'subaccount_links' ? ctx.store.program.listLinks() : ctx.store.program.listSpecializations();
          await expect(read).rejects.toMatchObject({
            code: 'CORRUPT_ROW',
            message: expect.stringMatching(/ended_actor, ended_at and ended_note must be all set or all null/),
          });
        },
      );
  });
}
