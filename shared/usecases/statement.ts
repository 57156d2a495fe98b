/**
 * Use cases a partner and an operator read: the balance (R8) and the per-quarter breakdown (R11).
 */
import type { AccrualLine } from '../domain/accrual';
import { isQuarter, type Quarter } from '../domain/calendar';
import { balances, planPosting } from '../domain/ledger';
import type { Currency, LedgerEntry } from '../domain/model';
import type { Nanos } from '../domain/money';
import { computePartnerQuarter } from './accrue';
import { fail, type Deps, type Failure } from './deps';

export interface BalanceResult {
  ok: true;
  partnerId: string;
  balances: { currency: Currency; amount: Nanos }[];
}

export async function partnerBalance(deps: Deps, partnerId: string): Promise<BalanceResult> {
  const entries = await deps.store.ledger.listEntries({ partnerId });
  return { ok: true, partnerId, balances: balances(entries) };
}

export interface StatementLine extends AccrualLine {
  posted: Nanos;
  /** What posting the quarter now would append (amount − posted). */
  pending: Nanos;
}

export interface StatementResult {
  ok: true;
  partnerId: string;
  quarter: Quarter;
  rounding: { scale: number; mode: string; version: string | null };
  rulesVersions: string[];
  lines: StatementLine[];
  entries: LedgerEntry[];
}

/** R11: how each amount of a partner's quarter was reached, and what the ledger holds for it. */
export async function partnerStatement(deps: Deps, input: { partnerId: string; quarter: string }): Promise<StatementResult | Failure> {
  if (!isQuarter(input.quarter))
    return fail('INVALID_INPUT', `--quarter ${input.quarter} is not a quarter (expected YYYY-Qn, e.g. 2026-Q1)`);
  const accrual = await computePartnerQuarter(deps, input.quarter, input.partnerId);
  const entries = await deps.store.ledger.listEntries({ partnerId: input.partnerId, quarter: input.quarter });
  const plan = planPosting(accrual.lines, entries, { quarter: input.quarter, runId: '', createdAt: '', actor: '', note: '' });
  const byKey = new Map(accrual.lines.map((l) => [`${l.specialization}\u0000${l.currency}`, l]));
  const lines: StatementLine[] = plan.lines.map((p) => {
    const line = byKey.get(`${p.specialization}\u0000${p.currency}`);
    return {
      partnerId: p.partnerId,
      specialization: p.specialization,
      currency: p.currency,
      base: p.base,
      exact: line?.exact ?? 0n,
      amount: p.amount,
      details: line?.details ?? [],
      posted: p.posted,
      pending: p.delta,
    };
  });
  return {
    ok: true,
    partnerId: input.partnerId,
    quarter: input.quarter,
    rounding: accrual.rounding,
    rulesVersions: accrual.rulesVersions,
    lines,
    entries,
  };
}
