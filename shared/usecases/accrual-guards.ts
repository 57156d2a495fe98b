/**
 * Use case: accrue a quarter with its guards (issue 12). Every accrual — dry run, an operator's
 * post, the timer — gathers what the guards need from the store and reports the warnings beside
 * the accruals. An operator's post with a LARGE_ADJUSTMENT stops unless confirmed; the timer
 * confirms (it posts anyway and logs the warnings).
 */
import {
  createUsageGuardScan,
  futureOrOpenData,
  largeAdjustments,
  lastExpectedDay,
  missingExportDays,
  orderWarnings,
  type AccrualWarning,
} from '../domain/accrual-guards';
import { addDays, moscowDay, quarterRange, type Day, type Quarter } from '../domain/calendar';
import type { PostingLine } from '../domain/ledger';
import { DEFAULT_LARGE_ADJUSTMENT_SHARE } from '../domain/rules';
import { parseRate } from '../domain/money';
import { isScanInterrupted } from '../ports/store';
import { formatMoney } from '../domain/money';
import type { ReversalWarning } from '../domain/posting-guards';
import { accrueQuarter, type AccrueResult } from './accrue';
import type { Actor, Deps, Failure } from './deps';

export interface GuardedAccrueResult extends AccrueResult {
  warnings: AccrualWarning[];
}

/** A post stopped by LARGE_ADJUSTMENT: nothing was written; `preview` is what it would have done. */
export interface ConfirmationRequired {
  ok: false;
  code: 'CONFIRMATION_REQUIRED';
  message: string;
  preview: GuardedAccrueResult;
}

/** Guards that come from outside the store's data (BILLING_MISMATCH from a reconciliation). */
export type ExtraGuards = (quarter: Quarter) => Promise<AccrualWarning[]>;

/** The last day a usage file can be about: far enough to find any future-dated data. */
const END_OF_TIME = '2099-12-31';
const SCAN_RETRIES = 3;

function shareOf(deps: Deps) {
  const g = deps.rules.rules.guards;
  return g
    ? { share: g.largeAdjustmentShare, text: g.largeAdjustmentShareText }
    : { share: parseRate(DEFAULT_LARGE_ADJUSTMENT_SHARE), text: DEFAULT_LARGE_ADJUSTMENT_SHARE };
}

/** The warnings of a quarter given its posting lines (what the run did or would do). */
export async function quarterWarnings(
  deps: Deps,
  quarter: Quarter,
  accruals: readonly PostingLine[],
  extra?: ExtraGuards,
): Promise<AccrualWarning[]> {
  const today = moscowDay(deps.clock());
  const range = quarterRange(quarter);
  const [future, links] = await Promise.all([
    deps.store.usage.listAccountDayVersions({ from: addDays(today, 1), to: END_OF_TIME }),
    deps.store.program.listLinks(),
  ]);
  const usage = await scanGuards(deps, quarter, links);
  const daysWithData = await withAccountDays(deps, usage.days, range.from, lastExpectedDay(quarter, today));
  const { share, text } = shareOf(deps);
  return orderWarnings([
    missingExportDays(quarter, today, daysWithData),
    ...usage.warnings,
    largeAdjustments(accruals, share, text),
    futureOrOpenData(quarter, today, [...new Set(future.map((v) => v.day))].sort()),
    ...(extra ? await extra(quarter) : []),
  ]);
}

/**
 * The days from..through on which at least one account-day arrived: the days the scan saw usage
 * on (stored usage always has its account-day's version), plus any other day the store holds an
 * account-day for, asked one day at a time — so memory never holds the quarter's account-days
 * (issue 11: 10M aggregates are 1.7M account-days), and a quarter with data every day asks nothing.
 */
async function withAccountDays(deps: Deps, seen: ReadonlySet<Day>, from: Day, through: Day): Promise<Set<Day>> {
  const days = new Set(seen);
  for (let day = from; day <= through; day = addDays(day, 1))
    if (!days.has(day) && (await deps.store.usage.listAccountDayVersions({ from: day, to: day })).length > 0) days.add(day);
  return days;
}

/** UNLINKED_USAGE and PENDING_SERVICE from one scan of the quarter, and the days it saw usage on. */
async function scanGuards(
  deps: Deps,
  quarter: Quarter,
  links: Parameters<typeof createUsageGuardScan>[0]['links'],
): Promise<{ warnings: AccrualWarning[]; days: Set<Day> }> {
  for (let attempt = 1; ; attempt++) {
    const scan = createUsageGuardScan({ rules: deps.rules.rules, quarter, links });
    const days = new Set<Day>();
    try {
      for await (const row of deps.store.usage.scanUsage(quarterRange(quarter))) {
        days.add(row.day);
        scan.add(row);
      }
      return { warnings: scan.finish(), days };
    } catch (error) {
      if (!isScanInterrupted(error) || attempt >= SCAN_RETRIES) throw error;
    }
  }
}

/** Issue 8's reversals, as guard warnings beside the others. */
function reversalWarnings(reversals: readonly ReversalWarning[]): AccrualWarning[] {
  return reversals.map((w) => ({
    code: 'SPECIALIZATION_DROPPED',
    message: w.message,
    partnerId: w.partnerId,
    specialization: w.specialization,
    currency: w.currency,
    posted: formatMoney(w.posted, 2),
    delta: formatMoney(w.delta, 2),
  }));
}

class LargeAdjustmentStop extends Error {
  constructor(readonly warning: AccrualWarning) {
    super(warning.message);
  }
}

/**
 * accrueQuarter plus guards. Without `confirm`, a post whose plan moves a posted amount by more
 * than the configured share (LARGE_ADJUSTMENT) writes nothing and answers CONFIRMATION_REQUIRED
 * with the preview; the check runs on the very plan that would be appended.
 */
export async function accrueWithGuards(
  deps: Deps,
  input: { quarter: string; dryRun: boolean; confirm: boolean; confirmReversals?: boolean; extra?: ExtraGuards } & Actor,
): Promise<GuardedAccrueResult | Failure | ConfirmationRequired> {
  // Reversals a rules change causes (issue 8) need a person's confirmation, even when the timer
  // confirms large adjustments for itself: by default they follow `confirm`.
  const confirmReversals = input.confirmReversals ?? input.confirm;
  const { share, text } = shareOf(deps);
  const check =
    input.dryRun || input.confirm
      ? undefined
      : (lines: readonly PostingLine[]) => {
          const large = largeAdjustments(lines, share, text);
          if (large) throw new LargeAdjustmentStop(large);
        };
  let r: AccrueResult | Failure;
  try {
    r = await accrueQuarter(deps, {
      quarter: input.quarter,
      dryRun: input.dryRun,
      confirm: confirmReversals,
      actor: input.actor,
      note: input.note,
      ...(check ? { beforePost: check } : {}),
    });
  } catch (error) {
    if (!(error instanceof LargeAdjustmentStop)) throw error;
    const preview = await accrueQuarter(deps, { quarter: input.quarter, dryRun: true, actor: input.actor, note: input.note });
    if (!preview.ok) return preview;
    const warnings = [
      ...reversalWarnings(preview.reversals),
      ...(await quarterWarnings(deps, preview.quarter, preview.accruals, input.extra)),
    ];
    return {
      ok: false,
      code: 'CONFIRMATION_REQUIRED',
      message: `nothing posted: ${error.message}; check the inputs, then post again with --confirm (operator function: "confirm": true)`,
      preview: { ...preview, warnings },
    };
  }
  if (!r.ok) return r;
  return { ...r, warnings: [...reversalWarnings(r.reversals), ...(await quarterWarnings(deps, r.quarter, r.accruals, input.extra))] };
}
