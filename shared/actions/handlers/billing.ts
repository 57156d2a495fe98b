/**
 * `sync-catalog`, `sync-subaccounts` (§7): the Billing API use cases. sync-catalog can write the
 * proposed rules file (the shipped rules with the ids found for pending services) where the
 * operator says — in the CLI only; a function returns it in its answer.
 */
import { writeFileSync } from 'node:fs';
import { moscowDay } from '../../domain/calendar';
import { formatMoney } from '../../domain/money';
import { syncCatalog as syncCatalogUseCase } from '../../usecases/sync-catalog';
import { syncSubaccounts as syncSubaccountsUseCase } from '../../usecases/sync-subaccounts';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';
import { ACTOR_REQUIRED, actorOf } from './program';

const NO_BILLING = {
  code: 'NOT_AVAILABLE',
  message: 'the Billing API is not configured here (set YC_IAM_TOKEN locally; a function uses its service account token)',
} as const;

/** bigint → decimal string anywhere in a result (Billing amounts are nanos inside). */
function jsonReady(value: unknown): unknown {
  if (typeof value === 'bigint') return formatMoney(value, 2);
  if (Array.isArray(value)) return value.map(jsonReady);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonReady(v)]));
  return value;
}

export async function syncCatalog(deps: ActionDeps, input: ActionOf<'sync-catalog'>): Promise<ActionResult> {
  if (!deps.billing) return failed(NO_BILLING);
  if (input.writeRules && !deps.localFiles)
    return failed({
      code: 'INVALID_INPUT',
      message: 'writeRules: a function cannot write files; the proposed rules file is in the answer (newRulesFile)',
    });
  const r = await syncCatalogUseCase({ billing: deps.billing(), rules: deps.rules });
  if (input.writeRules && r.newRulesFile !== null) writeFileSync(input.writeRules, `${JSON.stringify(r.newRulesFile, null, 2)}\n`);
  return succeeded({
    ...(jsonReady(r) as Record<string, unknown>),
    ...(input.writeRules ? { rulesWrittenTo: r.newRulesFile !== null ? input.writeRules : null } : {}),
  });
}

export async function syncSubaccounts(deps: ActionDeps, input: ActionOf<'sync-subaccounts'>): Promise<ActionResult> {
  if (!deps.billing) return failed(NO_BILLING);
  const confirm = input.confirm ?? false;
  const who = actorOf(deps, input) ?? (confirm ? null : { actor: 'preview', note: '' });
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await syncSubaccountsUseCase(
    { ...deps, billing: deps.billing() },
    { partnerId: input.partnerId, resellerId: input.resellerId, effective: input.effective ?? moscowDay(deps.clock()), confirm, ...who },
  );
  return r.ok ? succeeded(jsonReady(r) as Record<string, unknown>) : failed(r);
}
