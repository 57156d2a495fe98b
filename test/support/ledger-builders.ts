/** Ledger entries for tests, and posting them into a store as one run each (as if accrued earlier). */
import type { LedgerEntry } from '../../shared/domain/model';
import { parseMoney } from '../../shared/domain/money';
import type { Store } from '../../shared/ports/store';

export function ledgerEntry(
  partnerId: string,
  quarter: string,
  specialization: string,
  options: { kind?: LedgerEntry['kind']; amount?: string } = {},
): LedgerEntry {
  const { kind = 'accrual', amount = '1' } = options;
  return {
    id: `${partnerId}/${quarter}/${specialization}/${kind}`,
    partnerId,
    quarter,
    specialization,
    currency: 'RUB',
    seq: 1,
    amount: parseMoney(amount),
    kind,
    runId: `run-${quarter}`,
    createdAt: '2026-04-01T03:00:00.000Z',
    actor: 'op',
    note: '',
  };
}

export async function postEntries(store: Store, ...entries: LedgerEntry[]): Promise<void> {
  for (const e of entries) {
    await store.ledger.appendRun(
      {
        runId: `${e.id}-run`,
        quarter: e.quarter,
        dryRun: false,
        rulesVersions: [],
        rulesDigest: 'test',
        startedAt: e.createdAt,
        actor: 'op',
        note: '',
        entries: 1,
      },
      [e],
    );
  }
}
