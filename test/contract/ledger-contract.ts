/** Contract: the append-only ledger (R7, R8) and accrual runs (R12). */
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../shared/domain/money';
import type { LedgerEntry } from '../../shared/domain/model';
import { LedgerConflictError } from '../../shared/ports/store';
import { entry, run, shownEntry, type ContractContext } from './fixtures';

export function describeLedgerContract(ctx: ContractContext): void {
  const ledger = () => ctx.store.ledger;

  describe('ledger', () => {
    it('appends a run with its entries and lists them with every field, ordered by key then seq', async () => {
      const entries = [
        entry('run-1', { partnerId: 'p-2', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '150.00' }),
        entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', currency: 'USD', seq: 1, amount: '0.01' }),
        entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '1234567890123.45' }),
        entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'data-platform', seq: 1, amount: '7' }),
      ];

      await ledger().appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 4), entries);

      const [accrualA, accrualB, accrualC, accrualD] = entries.map(shownEntry);
      expect((await ledger().listEntries()).map(shownEntry)).toEqual([accrualD, accrualC, accrualB, accrualA]);
      expect((await ledger().listEntries())[1]?.amount).toBe(1_234_567_890_123_450_000_000n);
    });

    it('keeps later adjustments beside the first accrual, negative amounts exact, and filters by partner and quarter', async () => {
      const key = { partnerId: 'p-1', specialization: 'ml-ai' };
      await ledger().appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 2), [
        entry('run-1', { ...key, quarter: '2026-Q1', seq: 1, amount: '100.10' }),
        entry('run-1', { partnerId: 'p-2', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '5' }),
      ]);
      await ledger().appendRun(run('run-2', '2026-Q2', '2026-07-01T03:00:00.000Z', 2), [
        entry('run-2', { ...key, quarter: '2026-Q2', seq: 1, amount: '20' }),
        entry('run-2', { ...key, quarter: '2026-Q1', seq: 2, amount: '-0.01' }),
      ]);

      const line = (e: LedgerEntry) => `${e.partnerId} ${e.quarter} #${e.seq} ${e.kind} ${formatMoney(e.amount, 0)} ${e.runId}`;
      expect((await ledger().listEntries({ partnerId: 'p-1' })).map(line)).toEqual([
        'p-1 2026-Q1 #1 accrual 100.1 run-1',
        'p-1 2026-Q1 #2 adjustment -0.01 run-2',
        'p-1 2026-Q2 #1 accrual 20 run-2',
      ]);
      expect((await ledger().listEntries({ quarter: '2026-Q1' })).map(line)).toEqual([
        'p-1 2026-Q1 #1 accrual 100.1 run-1',
        'p-1 2026-Q1 #2 adjustment -0.01 run-2',
        'p-2 2026-Q1 #1 accrual 5 run-1',
      ]);
      expect(await ledger().listEntries({ partnerId: 'p-2', quarter: '2026-Q2' })).toEqual([]);
      const balance = (await ledger().listEntries({ partnerId: 'p-1' })).reduce((sum, e) => sum + e.amount, 0n);
      expect(balance).toBe(120_090_000_000n);
    });

    it('refuses a run reusing an existing entry id with LedgerConflictError and writes nothing of it', async () => {
      const first = entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '100' });
      await ledger().appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 1), [first]);

      const losing = ledger().appendRun(run('run-2', '2026-Q1', '2026-04-01T03:00:01.000Z', 2), [
        entry('run-2', { partnerId: 'p-9', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '1' }),
        entry('run-2', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '100' }),
      ]);

      await expect(losing).rejects.toBeInstanceOf(LedgerConflictError);
      await expect(losing).rejects.toMatchObject({ code: 'LEDGER_CONFLICT', entryId: first.id });
      expect((await ledger().listEntries()).map(shownEntry)).toEqual([shownEntry(first)]);
      expect((await ledger().listRuns()).map((r) => r.runId)).toEqual(['run-1']);
    });

    it('refuses an entry whose key and seq are taken even under another id', async () => {
      const first = entry('run-1', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '100' });
      await ledger().appendRun(run('run-1', '2026-Q1', '2026-04-01T03:00:00.000Z', 1), [first]);

      const clash = {
        ...entry('run-2', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '5' }),
        id: 'other-id',
      };
      await expect(ledger().appendRun(run('run-2', '2026-Q1', '2026-04-02T00:00:00.000Z', 1), [clash])).rejects.toBeInstanceOf(
        LedgerConflictError,
      );

      expect((await ledger().listEntries()).map((e) => e.id)).toEqual([first.id]);
      expect((await ledger().listRuns()).map((r) => r.runId)).toEqual(['run-1']);
    });
  });

  describe('accrual runs', () => {
    it('records runs with their rules versions and digest, ordered by start, filtered by quarter, dry runs included', async () => {
      const q1 = run('run-b', '2026-Q1', '2026-04-01T03:00:00.000Z', 1);
      const q4 = run('run-a', '2025-Q4', '2026-04-01T03:00:02.000Z', 0);
      const dry = run('run-c', '2026-Q1', '2026-04-02T11:00:00.000Z', 0, true);
      await ledger().appendRun(q1, [
        entry('run-b', { partnerId: 'p-1', quarter: '2026-Q1', specialization: 'ml-ai', seq: 1, amount: '1' }),
      ]);
      await ledger().appendRun(q4, []);
      await ledger().appendRun(dry, []);

      expect(await ledger().listRuns()).toEqual([q1, q4, dry]);
      expect(await ledger().listRuns({ quarter: '2026-Q1' })).toEqual([q1, dry]);
      expect(await ledger().listRuns({ quarter: '2024-Q1' })).toEqual([]);
      expect(await ledger().listEntries()).toHaveLength(1);
    });
  });
}
