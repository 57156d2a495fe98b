/**
 * `accrue` (R6–R10) with its guards and the rules-change impact preview (issue 12): the documented
 * JSON (§8) plus `warnings`, and `impact` when proposed rules are given.
 */
import type { ErrorCode } from '../../errors';
import { loadRules, rulesFromJson } from '../../runtime/rules-file';
import { formatMoney } from '../../domain/money';
import { RulesValidationError } from '../../domain/rules';
import { accrueWithGuards, type GuardedAccrueResult } from '../../usecases/accrual-guards';
import type { LoadedRules } from '../../usecases/deps';
import { rulesImpact, type RulesImpact } from '../../usecases/rules-impact';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';
import { accrualJson } from './ledger';
import { ACTOR_REQUIRED, actorOf } from './program';
import { NO_BILLING_FOR_RECONCILE, reconcileGuard } from './reconcile';

const money = (v: bigint) => formatMoney(v, 2);

export function accrueJson(r: GuardedAccrueResult) {
  return { quarter: r.quarter, dryRun: r.dryRun, runId: r.runId, accruals: r.accruals.map(accrualJson), warnings: r.warnings };
}

export function impactJson(i: RulesImpact) {
  return {
    current: i.current,
    proposed: i.proposed,
    lines: i.lines.map((l) => ({
      partnerId: l.partnerId,
      specialization: l.specialization,
      currency: l.currency,
      posted: money(l.posted),
      current: money(l.current),
      proposed: money(l.proposed),
      change: money(l.change),
    })),
  };
}

/** The proposed rules: a path only where there are local files (the CLI); inline JSON anywhere. */
function proposedRules(deps: ActionDeps, input: ActionOf<'accrue'>): LoadedRules | { code: ErrorCode; message: string } | null {
  if (input.rulesFile !== undefined && input.rules !== undefined)
    return {
      code: 'INVALID_INPUT',
      message: 'give the proposed rules once: "rulesFile" (a path, CLI --rules) or "rules" (the JSON object), not both',
    };
  if (input.rulesFile === undefined && input.rules === undefined) return null;
  if (!input.dryRun)
    return {
      code: 'INVALID_INPUT',
      message: 'proposed rules are a preview only: add --dry-run ("dryRun": true); to put rules in force, replace the rules file',
    };
  try {
    if (input.rules !== undefined) return rulesFromJson(input.rules, 'proposed rules (inline JSON)');
    if (!deps.localFiles)
      return {
        code: 'INVALID_INPUT',
        message: 'rulesFile: a function reads no local files; pass the proposed rules JSON itself as "rules"',
      };
    return loadRules(input.rulesFile);
  } catch (error) {
    if (error instanceof RulesValidationError) return { code: error.code, message: error.message };
    throw error;
  }
}

export async function accrue(deps: ActionDeps, input: ActionOf<'accrue'>): Promise<ActionResult> {
  const dryRun = input.dryRun ?? false;
  // A dry run writes nothing, so it needs no actor; a post does (R12).
  const who = actorOf(deps, input) ?? (dryRun ? { actor: 'dry-run', note: '' } : null);
  if (!who) return failed(ACTOR_REQUIRED);
  const proposed = proposedRules(deps, input);
  if (proposed && 'code' in proposed) return failed(proposed);
  const extra = input.reconcile ? reconcileGuard(deps) : undefined;
  if (input.reconcile && !extra) return failed(NO_BILLING_FOR_RECONCILE);
  const r = await accrueWithGuards(deps, {
    quarter: input.quarter,
    dryRun,
    confirm: input.confirm ?? false,
    ...(extra ? { extra } : {}),
    ...who,
  });
  if (!r.ok) return 'preview' in r ? failed(r, accrueJson(r.preview)) : failed(r);
  const impact = proposed ? impactJson(await rulesImpact(deps, r.quarter, proposed)) : undefined;
  return succeeded({ ...accrueJson(r), ...(impact ? { impact } : {}) });
}
