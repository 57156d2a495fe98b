/** `sync-catalog`, `sync-subaccounts` (§7): the Billing API use cases. Wired when the Billing API adapter lands. */
import { failed, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';

export async function syncCatalog(_deps: ActionDeps, _input: ActionOf<'sync-catalog'>): Promise<ActionResult> {
  return failed({ code: 'NOT_AVAILABLE', message: 'sync-catalog: the Billing API adapter is not wired yet' });
}

export async function syncSubaccounts(_deps: ActionDeps, _input: ActionOf<'sync-subaccounts'>): Promise<ActionResult> {
  return failed({ code: 'NOT_AVAILABLE', message: 'sync-subaccounts: the Billing API adapter is not wired yet' });
}
