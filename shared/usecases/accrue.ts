/**
 * Use case: accrue (and post) a quarter — R6 computation, R7 deltas, R10 dry run, R12 run record.
 * The quarterly timer calls it for the last closed quarter and the one before it (R9).
 */
import {
  createAccrualAccumulator,
  createDetailedAccrualAccumulator,
  type AccrualAccumulator,
  type AccrualInput,
  type AccrualLine,
  type AccrualTotal,
  type QuarterAccrual,
  type QuarterTotals,
} from '../domain/accrual';
import { addDays, lastClosedQuarter, moscowDay, previousQuarter, quarterRange, type Day, type Quarter } from '../domain/calendar';
import { actorProblem, firstProblem, noteProblem, quarterProblem } from '../domain/identifiers';
import { amountOutOfRange, droppedSpecializationReversals, type ReversalWarning } from '../domain/posting-guards';
import { planPosting, type PostingLine } from '../domain/ledger';
import type { AccrualRun } from '../domain/model';
import { isScanInterrupted, LedgerConflictError } from '../ports/store';
import { fail, type Actor, type Deps, type Failure } from './deps';

export interface AccrueResult {
  ok: true;
  quarter: Quarter;
  dryRun: boolean;
  runId: string;
  accruals: PostingLine[];
  entriesAppended: number;
  accrual: QuarterTotals;
  /** Posted rebates this run reverses because the rules no longer define their specialization (confirm needed to post). */
  reversals: ReversalWarning[];
}

const SCAN_RETRIES = 3;

/**
 * Computes a quarter's totals for all partners (or one) from the stored state, in memory that does
 * not grow with the quarter's usage. A scan the store had to interrupt (its snapshot changed under
 * a retry) is computed again from scratch.
 */
export async function computeQuarter(
  deps: Deps,
  quarter: Quarter,
  partnerId?: string,
  options: { through?: Day } = {},
): Promise<QuarterTotals> {
  return withScanRetries(() => computeOnce(deps, quarter, createAccrualAccumulator, partnerId, options.through));
}

/** One partner's quarter with the R11 breakdown per subaccount, service and rules version (statements). */
export async function computePartnerQuarter(deps: Deps, quarter: Quarter, partnerId: string): Promise<QuarterAccrual<AccrualLine>> {
  return withScanRetries(() => computeOnce(deps, quarter, createDetailedAccrualAccumulator, partnerId));
}

async function withScanRetries<T>(compute: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await compute();
    } catch (error) {
      if (!isScanInterrupted(error) || attempt >= SCAN_RETRIES) throw error;
    }
  }
}

/** `through` (a running quarter's preview) stops the scan at that day: usage after it is not counted. */
async function computeOnce<Line extends AccrualTotal>(
  deps: Deps,
  quarter: Quarter,
  accumulator: (input: AccrualInput) => AccrualAccumulator<Line>,
  partnerId?: string,
  through?: Day,
): Promise<QuarterAccrual<Line>> {
  const [links, specializations] = await Promise.all([deps.store.program.listLinks(), deps.store.program.listSpecializations()]);
  const acc = accumulator({ rules: deps.rules.rules, quarter, links, specializations, partnerId });
  const accountIds =
    partnerId === undefined ? undefined : [...new Set(links.filter((l) => l.partnerId === partnerId).map((l) => l.subaccountId))];
  const range = quarterRange(quarter);
  if (through !== undefined && through < range.to) range.to = through;
  if (accountIds?.length === 0 || range.to < range.from) return acc.finish();
  for await (const row of deps.store.usage.scanUsage(range, accountIds ? { accountIds } : undefined)) acc.add(row);
  return acc.finish();
}

const CONFLICT_RETRIES = 3;

export async function accrueQuarter(
  deps: Deps,
  input: { quarter: string; dryRun: boolean; confirm?: boolean; beforePost?: (lines: readonly PostingLine[]) => void } & Actor,
): Promise<AccrueResult | Failure> {
  const invalid = firstProblem([quarterProblem(input.quarter, '--quarter'), actorProblem(input.actor), noteProblem(input.note)]);
  if (invalid !== null) return fail('INVALID_INPUT', invalid);
  const today = moscowDay(deps.clock());
  const range = quarterRange(input.quarter);
  if (range.from > today) return fail('INVALID_INPUT', `${input.quarter} has not started yet (today is ${today}, UTC+3)`);
  // A rebate is earned for a quarter (R6); a running quarter can be previewed, not posted.
  if (!input.dryRun && range.to >= today) {
    return fail(
      'INVALID_INPUT',
      `${input.quarter} has not ended yet (today is ${today}, UTC+3): preview it with --dry-run; it can be posted from ${addDays(range.to, 1)}`,
    );
  }

  for (let attempt = 1; ; attempt++) {
    const runId = deps.newId();
    const startedAt = deps.clock().toISOString();
    const accrual = await computeQuarter(deps, input.quarter);
    const posted = await deps.store.ledger.listEntries({ quarter: input.quarter });
    const plan = planPosting(accrual.lines, posted, {
      quarter: input.quarter,
      runId,
      createdAt: startedAt,
      actor: input.actor,
      note: input.note,
    });
    // R10: the preview refuses what the post would refuse, with the same words.
    const outOfRange = amountOutOfRange(plan.lines);
    if (outOfRange !== null) return fail('OUT_OF_RANGE', outOfRange);
    const warnings = droppedSpecializationReversals(deps.rules.rules, input.quarter, plan.lines);
    const base = {
      ok: true as const,
      quarter: input.quarter,
      dryRun: input.dryRun,
      runId,
      accruals: plan.lines,
      accrual,
      reversals: warnings,
    };
    if (input.dryRun) return { ...base, entriesAppended: 0 }; // R10: same computation, nothing written
    if (warnings.length > 0 && input.confirm !== true) {
      return fail(
        'CONFIRMATION_REQUIRED',
        `posting ${input.quarter} would reverse rebates whose specialization the rules no longer define:\n  ${warnings.map((w) => w.message).join('\n  ')}\nif that is intended, post again with --confirm (the dry run shows the same list)`,
      );
    }
    input.beforePost?.(plan.lines); // issue 12: a guard may stop the post (it throws) on the very plan that would be written
    const run: AccrualRun = {
      runId,
      quarter: input.quarter,
      dryRun: false,
      rulesVersions: accrual.rulesVersions,
      rulesDigest: deps.rules.digest,
      startedAt,
      actor: input.actor,
      note: input.note,
      entries: plan.entries.length,
    };
    try {
      await deps.store.ledger.appendRun(run, plan.entries);
      return { ...base, entriesAppended: plan.entries.length };
    } catch (error) {
      // Another run posted the same keys meanwhile: recompute against the new ledger (R7 idempotency).
      if (error instanceof LedgerConflictError && attempt < CONFLICT_RETRIES) continue;
      throw error;
    }
  }
}

/** R9: the quarters the timer posts on a given day — the last closed one and the one before. */
export function quartersForTimer(now: Date): Quarter[] {
  const last = lastClosedQuarter(moscowDay(now));
  return [previousQuarter(last), last];
}
