/**
 * Use case: what proposed rules would do to a quarter (issue 12). Both computations read the same
 * stored state; nothing is written. The proposed rules are validated like any rules file (§5).
 */
import { computeQuarter } from './accrue';
import { compareRules, type ImpactLine } from '../domain/rules-impact';
import type { Quarter } from '../domain/calendar';
import type { Deps, LoadedRules } from './deps';

export interface RulesImpact {
  quarter: Quarter;
  current: { source: string; digest: string };
  proposed: { source: string; digest: string };
  lines: ImpactLine[];
}

export async function rulesImpact(deps: Deps, quarter: Quarter, proposed: LoadedRules): Promise<RulesImpact> {
  const [now, next, posted] = await Promise.all([
    computeQuarter(deps, quarter),
    computeQuarter({ ...deps, rules: proposed }, quarter),
    deps.store.ledger.listEntries({ quarter }),
  ]);
  return {
    quarter,
    current: { source: deps.rules.source, digest: deps.rules.digest },
    proposed: { source: proposed.source, digest: proposed.digest },
    lines: compareRules(posted, now.lines, next.lines),
  };
}
