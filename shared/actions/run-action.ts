/**
 * Runs one validated action through its use case. The CLI and the operator function both call
 * this, so an action does the same thing wherever it is invoked; they differ only in the deps
 * they supply (ActionDeps) and in how they print the result.
 */
import type { ActionDeps, ActionResult } from './deps';
import { succeeded } from './deps';
import { ingest } from './handlers/ingest';
import { partnerImport } from './handlers/import';
import { reconcile } from './handlers/reconcile';
import { eligibility } from './handlers/report';
import { ingestLog } from './handlers/inspect';
import { accrue } from './handlers/accrue';
import { balance, statement } from './handlers/ledger';
import { partnerLink, partnerShow, partnerUnlink, specializationGrant, specializationRevoke, usageRelease } from './handlers/program';
import { syncCatalog, syncSubaccounts } from './handlers/billing';
import { tokenIssue, tokenList, tokenRevoke } from './handlers/tokens';
import type { Action } from './schema';

export async function runAction(deps: ActionDeps, action: Action): Promise<ActionResult> {
  switch (action.action) {
    case 'partner.link':
      return partnerLink(deps, action);
    case 'partner.unlink':
      return partnerUnlink(deps, action);
    case 'partner.show':
      return partnerShow(deps, action);
    case 'partner.import':
      return partnerImport(deps, action);
    case 'specialization.grant':
      return specializationGrant(deps, action);
    case 'specialization.revoke':
      return specializationRevoke(deps, action);
    case 'ingest':
      return ingest(deps, action);
    case 'usage.release':
      return usageRelease(deps, action);
    case 'ingest-log':
      return ingestLog(deps, action);
    case 'accrue':
      return accrue(deps, action);
    case 'balance':
      return balance(deps, action);
    case 'statement':
      return statement(deps, action);
    case 'reconcile':
      return reconcile(deps, action);
    case 'report.eligibility':
      return eligibility(deps, action);
    case 'migrate':
      return succeeded({ ...(await deps.migrate()) });
    case 'sync-catalog':
      return syncCatalog(deps, action);
    case 'sync-subaccounts':
      return syncSubaccounts(deps, action);
    case 'token.issue':
      return tokenIssue(deps, action);
    case 'token.revoke':
      return tokenRevoke(deps, action);
    case 'token.list':
      return tokenList(deps, action);
  }
}
