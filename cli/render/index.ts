/** The text form of each action's result (the `--json` form is the result itself). */
import type { ActionName } from '../../shared/actions/schema';
import { syncCatalogText, syncSubaccountsText, tokenIssueText, tokenListText, tokenRevokeText } from './billing';
import { ingestLogText, ingestText } from './ingest';
import { accrueText, balanceText, statementText } from './ledger';
import { importText } from './import';
import { eligibilityText, reconcileText } from './report';
import { grantText, linkText, releaseText, revokeText, showText, unlinkText } from './program';

// The results are the JSON documents built in shared/actions/handlers; each renderer names the shape it reads.
// biome-ignore lint/suspicious/noExplicitAny: the result's shape is fixed per action by its handler
type Result = any;

export function renderText(action: ActionName, result: Result): string {
  switch (action) {
    case 'partner.link':
      return linkText(result);
    case 'partner.unlink':
      return unlinkText(result);
    case 'partner.show':
      return showText(result);
    case 'partner.import':
      return importText(result);
    case 'specialization.grant':
      return grantText(result);
    case 'specialization.revoke':
      return revokeText(result);
    case 'ingest':
      return ingestText(result);
    case 'usage.release':
      return releaseText(result);
    case 'ingest-log':
      return ingestLogText(result);
    case 'accrue':
      return accrueText(result);
    case 'balance':
      return balanceText(result);
    case 'statement':
      return statementText(result);
    case 'reconcile':
      return reconcileText(result);
    case 'report.eligibility':
      return eligibilityText(result);
    case 'migrate':
      return result.store === 'sqlite'
        ? `sqlite schema is up to date (${result.target})`
        : [
            `ydb ${result.target}`,
            `created:  ${result.created.join(', ') || '(none)'}`,
            `existing: ${result.existing.join(', ') || '(none)'}`,
          ].join('\n');
    case 'sync-catalog':
      return syncCatalogText(result);
    case 'sync-subaccounts':
      return syncSubaccountsText(result);
    case 'token.issue':
      return tokenIssueText(result);
    case 'token.revoke':
      return tokenRevokeText(result);
    case 'token.list':
      return tokenListText(result);
  }
}
