/** Text for `accrue`, `balance`, `statement`: aligned tables a person reads at a glance. */
import { renderTable } from '../table';
import { impactText, warningsText, type ImpactJson, type WarningJson } from './warnings';

interface AccrualJson {
  partnerId: string;
  specialization: string;
  currency: string;
  base: string;
  amount: string;
  posted: string;
  delta: string;
}

const isZero = (amount: string) => /^-?0(\.0+)?$/.test(amount);

export function accrueText(r: {
  quarter: string;
  dryRun: boolean;
  runId: string;
  accruals: AccrualJson[];
  warnings?: WarningJson[];
  impact?: ImpactJson;
}): string {
  const title = `${r.dryRun ? 'Dry run — nothing written. ' : ''}Accruals for ${r.quarter} (run ${r.runId})`;
  const table = renderTable(r.accruals, [
    { header: 'partner', value: (a) => a.partnerId },
    { header: 'specialization', value: (a) => a.specialization },
    { header: 'cur', value: (a) => a.currency },
    { header: 'base', value: (a) => a.base, align: 'right' },
    { header: 'amount', value: (a) => a.amount, align: 'right' },
    { header: 'posted', value: (a) => a.posted, align: 'right' },
    { header: 'delta', value: (a) => a.delta, align: 'right' },
  ]);
  // One entry per non-zero delta (R7): what the run appended, or would append.
  const entries = r.accruals.filter((a) => !isZero(a.delta)).length;
  const footer = r.dryRun ? `${entries} ledger entr(ies) would be appended` : `${entries} ledger entr(ies) appended`;
  const sections = [`${title}\n${r.accruals.length === 0 ? '(no eligible usage)' : table}\n${footer}`];
  // Issue 12: what looks wrong, after the numbers it is about; the impact preview last.
  if (r.warnings) sections.push(warningsText(r.warnings));
  if (r.impact) sections.push(impactText(r.impact));
  return sections.join('\n');
}

export function balanceText(r: { partnerId: string; balances: { currency: string; amount: string }[] }): string {
  const table = renderTable(r.balances, [
    { header: 'currency', value: (b) => b.currency },
    { header: 'amount', value: (b) => b.amount, align: 'right' },
  ]);
  return `Rebate accrual balance of ${r.partnerId}\n${r.balances.length === 0 ? '(no ledger entries)' : table}`;
}

interface StatementJson {
  partnerId: string;
  quarter: string;
  rounding: { scale: number; mode: string };
  rulesVersions: string[];
  lines: {
    specialization: string;
    currency: string;
    base: string;
    exact: string;
    amount: string;
    posted: string;
    pending: string;
    details: {
      subaccountId: string;
      serviceId: string;
      serviceName: string;
      rulesVersion: string;
      rate: string;
      base: string;
      rows: number;
    }[];
  }[];
  entries: { createdAt: string; specialization: string; currency: string; kind: string; amount: string; runId: string; actor: string }[];
}

export function statementText(r: StatementJson): string {
  const parts = [
    `Statement of ${r.partnerId} for ${r.quarter} (rounding ${r.rounding.mode} to ${r.rounding.scale} places, rules ${r.rulesVersions.join(', ') || '-'})`,
  ];
  for (const l of r.lines) {
    parts.push(
      '',
      `${l.specialization} ${l.currency}: base ${l.base} → exact ${l.exact} → amount ${l.amount}; posted ${l.posted}, pending ${l.pending}`,
    );
    parts.push(
      renderTable(l.details, [
        { header: 'subaccount', value: (d) => d.subaccountId },
        { header: 'service', value: (d) => `${d.serviceName || d.serviceId}` },
        { header: 'service id', value: (d) => d.serviceId },
        { header: 'rules', value: (d) => d.rulesVersion },
        { header: 'rate', value: (d) => d.rate, align: 'right' },
        { header: 'base', value: (d) => d.base, align: 'right' },
        { header: 'rows', value: (d) => String(d.rows), align: 'right' },
      ]),
    );
  }
  if (r.lines.length === 0) parts.push('(no eligible usage and nothing posted)');
  parts.push(
    '',
    'Ledger entries',
    r.entries.length === 0
      ? '(none)'
      : renderTable(r.entries, [
          { header: 'created', value: (e) => e.createdAt },
          { header: 'specialization', value: (e) => e.specialization },
          { header: 'cur', value: (e) => e.currency },
          { header: 'kind', value: (e) => e.kind },
          { header: 'amount', value: (e) => e.amount, align: 'right' },
          { header: 'run', value: (e) => e.runId },
          { header: 'actor', value: (e) => e.actor },
        ]),
  );
  return parts.join('\n');
}
