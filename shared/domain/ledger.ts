/**
 * The append-only ledger (R7) and balances (R8). Posting compares what a quarter should hold
 * with what is already posted and appends only the difference.
 */
import type { Quarter } from './calendar';
import type { AccrualTotal } from './accrual';
import { ledgerEntryId, type Currency, type LedgerEntry } from './model';
import type { Nanos } from './money';

export interface PostingLine {
  partnerId: string;
  specialization: string;
  currency: Currency;
  base: Nanos;
  amount: Nanos;
  /** What the ledger held for this key before the run. */
  posted: Nanos;
  /** What the run appends (amount − posted). */
  delta: Nanos;
}

export interface PostingPlan {
  lines: PostingLine[];
  entries: LedgerEntry[];
}

export interface PostingMeta {
  quarter: Quarter;
  runId: string;
  createdAt: string;
  actor: string;
  note: string;
}

function keyOf(k: { partnerId: string; specialization: string; currency: string }): string {
  return `${k.partnerId}\u0000${k.specialization}\u0000${k.currency}`;
}

/**
 * R7: for every key with a computed amount or an earlier posting, the delta amount − posted.
 * A non-zero delta becomes an entry: `accrual` when the key has no entries yet, `adjustment`
 * otherwise. Unchanged inputs produce no entries (idempotent). Entry ids are the key plus a
 * sequence number, so two runs racing on the same state produce the same id and one loses.
 */
export function planPosting(lines: readonly AccrualTotal[], postedEntries: readonly LedgerEntry[], meta: PostingMeta): PostingPlan {
  const posted = new Map<string, { sum: Nanos; count: number; partnerId: string; specialization: string; currency: Currency }>();
  for (const e of postedEntries) {
    if (e.quarter !== meta.quarter || e.kind === 'withdrawal') continue;
    const k = keyOf(e);
    const acc = posted.get(k) ?? { sum: 0n, count: 0, partnerId: e.partnerId, specialization: e.specialization, currency: e.currency };
    acc.sum += e.amount;
    acc.count = Math.max(acc.count, e.seq);
    posted.set(k, acc);
  }

  const planned: PostingLine[] = [];
  const entries: LedgerEntry[] = [];
  const seen = new Set<string>();
  const consider = (k: string, key: { partnerId: string; specialization: string; currency: Currency }, base: Nanos, amount: Nanos) => {
    const before = posted.get(k);
    const postedSum = before?.sum ?? 0n;
    const delta = amount - postedSum;
    planned.push({ ...key, base, amount, posted: postedSum, delta });
    if (delta === 0n) return;
    const seq = (before?.count ?? 0) + 1;
    const entryKey = { ...key, quarter: meta.quarter };
    entries.push({
      id: ledgerEntryId(entryKey, seq),
      ...entryKey,
      seq,
      amount: delta,
      kind: before ? 'adjustment' : 'accrual',
      runId: meta.runId,
      createdAt: meta.createdAt,
      actor: meta.actor,
      note: meta.note,
    });
  };

  for (const line of lines) {
    const k = keyOf(line);
    seen.add(k);
    consider(k, { partnerId: line.partnerId, specialization: line.specialization, currency: line.currency }, line.base, line.amount);
  }
  // R7: a key posted before that has no eligible usage now is brought back to zero.
  for (const [k, p] of posted) {
    if (seen.has(k)) continue;
    consider(k, { partnerId: p.partnerId, specialization: p.specialization, currency: p.currency }, 0n, 0n);
  }
  planned.sort(
    (a, b) =>
      a.partnerId.localeCompare(b.partnerId) || a.specialization.localeCompare(b.specialization) || a.currency.localeCompare(b.currency),
  );
  return { lines: planned, entries };
}

/** R8: the balance per currency is the plain sum of the partner's entries. */
export function balances(entries: readonly LedgerEntry[]): { currency: Currency; amount: Nanos }[] {
  const sums = new Map<Currency, Nanos>();
  for (const e of entries) sums.set(e.currency, (sums.get(e.currency) ?? 0n) + e.amount);
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount }));
}
