/**
 * Use case: the quarterly job (R9). Without a quarter it posts the last closed quarter and
 * re-posts the one before, so late corrections land as adjustments; "today" is taken in UTC+3
 * (R1). With a quarter, it posts (or previews) that one. Each quarter is its own accrual run; two
 * runs at once never append an entry twice (ledger entry ids are deterministic, accrueQuarter
 * recomputes after a conflict).
 */
import { moscowDay } from '../domain/calendar';
import type { AccrualWarning } from '../domain/accrual-guards';
import type { Currency } from '../domain/model';
import { formatMoney, type Nanos } from '../domain/money';
import type { Logger } from '../runtime/logger';
import { quartersForTimer } from './accrue';
import { accrueWithGuards } from './accrual-guards';
import type { Actor, Deps } from './deps';

export interface QuarterRunSummary {
  quarter: string;
  dryRun: boolean;
  runId: string | null;
  /** (partner, specialization, currency) lines computed. */
  lines: number;
  entriesAppended: number;
  /** Entries a dry run would append. */
  entriesPlanned: number;
  /** Sum of the deltas per currency (what this run moved), as decimal strings. */
  deltas: { currency: Currency; amount: string }[];
  error: { code: string; message: string } | null;
  /** The guards' findings (issue 12), each also logged once at `warn`. */
  warnings: { code: string; message: string }[];
}

export interface QuarterlySummary {
  ok: boolean;
  today: string;
  quarters: QuarterRunSummary[];
}

export async function runQuarterlyAccrual(
  deps: Deps & { logger: Logger },
  input: { quarter?: string | undefined; dryRun: boolean; confirm?: boolean; confirmReversals?: boolean } & Actor,
): Promise<QuarterlySummary> {
  const now = deps.clock();
  const quarters = input.quarter ? [input.quarter] : quartersForTimer(now);
  const summaries: QuarterRunSummary[] = [];
  for (const quarter of quarters) {
    const { summary, warnings } = await runOne(deps, quarter, input);
    // Issue 12: the timer posts anyway, but says what looked wrong — one warn line per warning.
    for (const w of warnings) deps.logger.warn(`${quarter}: ${w.code}`, { quarter, warning: w });
    deps.logger[summary.error ? 'error' : 'info'](
      summary.error ? `accrual of ${quarter} failed` : `accrual of ${quarter} ${summary.dryRun ? 'previewed' : 'posted'}`,
      { ...summary },
    );
    summaries.push(summary);
  }
  return { ok: summaries.every((s) => s.error === null), today: moscowDay(now), quarters: summaries };
}

async function runOne(
  deps: Deps,
  quarter: string,
  input: { dryRun: boolean; confirm?: boolean; confirmReversals?: boolean } & Actor,
): Promise<{ summary: QuarterRunSummary; warnings: AccrualWarning[] }> {
  const empty = { quarter, dryRun: input.dryRun, runId: null, lines: 0, entriesAppended: 0, entriesPlanned: 0, deltas: [], warnings: [] };
  try {
    // The timer confirms (the default): nobody is there to answer; its warnings go to the log instead.
    // A reversal caused by a rules change is never confirmed by the timer itself (issue 8): that
    // quarter fails with CONFIRMATION_REQUIRED (an ERROR line) until an operator posts it with confirm.
    const r = await accrueWithGuards(deps, {
      quarter,
      dryRun: input.dryRun,
      confirm: input.confirm ?? true,
      confirmReversals: input.confirmReversals ?? false,
      actor: input.actor,
      note: input.note,
    });
    if (!r.ok) return { summary: { ...empty, error: { code: r.code, message: r.message } }, warnings: [] };
    const sums = new Map<Currency, Nanos>();
    for (const a of r.accruals) sums.set(a.currency, (sums.get(a.currency) ?? 0n) + a.delta);
    const summary: QuarterRunSummary = {
      quarter,
      dryRun: r.dryRun,
      runId: r.runId,
      lines: r.accruals.length,
      entriesAppended: r.entriesAppended,
      entriesPlanned: r.accruals.filter((a) => a.delta !== 0n).length,
      deltas: [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount: formatMoney(amount, 2) })),
      error: null,
      warnings: r.warnings.map((w) => ({ code: w.code, message: w.message })),
    };
    return { summary, warnings: r.warnings };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      summary: {
        ...empty,
        error: { code: typeof code === 'string' ? code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
      },
      warnings: [],
    };
  }
}
