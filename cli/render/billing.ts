/** Text for `sync-catalog`, `sync-subaccounts` and `token issue|revoke|list`. */
import type { ChangeOutcome, SubaccountChange } from '../../shared/usecases/sync-subaccounts';
import { renderTable } from '../table';

interface CatalogJson {
  rulesSource: string;
  billingServiceCount: number;
  unknownRuleServices: { serviceId: string; under: string; versions: string[] }[];
  unmappedBillingServices: { id: string; name: string; resolvesPending: string | null }[];
  pending: { specialization: string; service: string; status: string; message: string }[];
  changes: { latestVersion: string; added: { specialization: string; serviceId: string; serviceName: string }[] };
  newRulesFile: unknown;
  rulesWrittenTo?: string | null;
}

export function syncCatalogText(r: CatalogJson): string {
  const parts = [`Billing catalog: ${r.billingServiceCount} service(s); rules: ${r.rulesSource}`, ''];
  parts.push(
    'Rules service ids Billing does not know',
    r.unknownRuleServices.length === 0
      ? '(none)'
      : renderTable(r.unknownRuleServices, [
          { header: 'service id', value: (u) => u.serviceId },
          { header: 'under', value: (u) => u.under },
          { header: 'rules versions', value: (u) => u.versions.join(', ') },
        ]),
  );
  parts.push(
    '',
    'Billing services no rules version maps',
    r.unmappedBillingServices.length === 0
      ? '(none)'
      : renderTable(r.unmappedBillingServices, [
          { header: 'service id', value: (u) => u.id },
          { header: 'name', value: (u) => u.name },
          { header: 'resolves pending', value: (u) => u.resolvesPending ?? '' },
        ]),
  );
  parts.push(
    '',
    'Pending services (they earn nothing until mapped)',
    r.pending.length === 0
      ? '(none)'
      : renderTable(r.pending, [
          { header: 'specialization', value: (p) => p.specialization },
          { header: 'service', value: (p) => p.service },
          { header: 'status', value: (p) => p.status },
          { header: 'detail', value: (p) => p.message },
        ]),
  );
  if (r.changes.added.length === 0) parts.push('', 'No rules change proposed.');
  else {
    parts.push('', `Proposed rules change (version effective ${r.changes.latestVersion}):`);
    for (const a of r.changes.added) parts.push(`  + ${a.specialization}: ${a.serviceId} (${a.serviceName})`);
    parts.push(
      r.rulesWrittenTo
        ? `written to ${r.rulesWrittenTo}: review it, then set REBATES_RULES to it or replace rules/program-rules.json`
        : 'write it with --write-rules NEW_RULES.json (or take newRulesFile from --json)',
    );
  }
  return parts.join('\n');
}

export function syncSubaccountsText(r: {
  partnerId: string;
  resellerId: string;
  effective: string;
  confirmed: boolean;
  customerCount: number;
  unchanged: string[];
  changes: SubaccountChange[];
  outcomes: ChangeOutcome[] | null;
}): string {
  const head = `${r.confirmed ? '' : 'Preview — nothing written (add --confirm to apply). '}Subaccounts of ${r.partnerId} per Billing (reseller ${r.resellerId}), effective ${r.effective}: ${r.customerCount} customer(s), ${r.unchanged.length} already linked`;
  if (r.changes.length === 0) return `${head}\nno changes`;
  const rows = r.changes.map((c, i) => ({ c, o: r.outcomes?.[i] ?? null }));
  return `${head}\n${renderTable(rows, [
    { header: 'change', value: ({ c }) => c.action },
    { header: 'subaccount', value: ({ c }) => c.subaccountId },
    { header: 'from / effective', value: ({ c }) => (c.action === 'link' ? c.from : c.effective) },
    {
      header: r.confirmed ? 'outcome' : 'expected problem',
      value: ({ c, o }) => (o ? `${o.status}${o.status === 'rejected' ? `: ${o.message}` : ''}` : (c.problem ?? '')),
    },
  ])}`;
}

interface TokenJson {
  id: string;
  partnerId: string;
  created: { actor: string; at: string };
  revoked: { actor: string; at: string } | null;
}

export function tokenIssueText(r: TokenJson & { token: string }): string {
  return `portal token for ${r.partnerId} (id ${r.id}) — shown once, only its hash is stored:\n${r.token}\nsign-in link: <portal URL>/#token=${r.token}`;
}

export function tokenRevokeText(r: TokenJson): string {
  return `revoked portal token ${r.id} of ${r.partnerId} (by ${r.revoked?.actor ?? '?'})`;
}

export function tokenListText(r: { partnerId: string; tokens: TokenJson[] }): string {
  const table = renderTable(r.tokens, [
    { header: 'id', value: (t) => t.id },
    { header: 'issued', value: (t) => t.created.at },
    { header: 'by', value: (t) => t.created.actor },
    { header: 'revoked', value: (t) => (t.revoked ? `${t.revoked.at} by ${t.revoked.actor}` : '-') },
  ]);
  return `Portal tokens of ${r.partnerId}\n${r.tokens.length === 0 ? '(none)' : table}`;
}
