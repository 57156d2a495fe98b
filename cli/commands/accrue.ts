/** `accrue`, `balance`, `statement` (§8, R6–R11). */
import { formatMoney, formatScaled, PRODUCT_SCALE } from '../../shared/domain/money';
import { accrueQuarter } from '../../shared/usecases/accrue';
import type { Deps } from '../../shared/usecases/deps';
import { partnerBalance, partnerStatement } from '../../shared/usecases/statement';
import { partnerIdProblem, quarterProblem } from '../../shared/domain/identifiers';
import { actorOf, checked, parseCommand, required } from '../args';
import { failureOutput, ok, type CommandOutput } from '../output';
import { renderTable } from '../table';

const USAGE = {
  accrue: 'accrue --quarter YYYY-Qn [--dry-run] [--confirm] [--json] [--actor ID] [--note TEXT]',
  balance: 'balance --partner ID [--json]',
  statement: 'statement --partner ID --quarter YYYY-Qn [--json]',
};

const money = (v: bigint) => formatMoney(v, 2);

export async function accrueCommand(deps: Deps, argv: string[]): Promise<CommandOutput> {
  const p = parseCommand(argv, { quarter: { type: 'string' }, 'dry-run': { type: 'boolean' }, confirm: { type: 'boolean' } }, USAGE.accrue);
  const quarter = checked(required(p, 'quarter', USAGE.accrue), (v) => quarterProblem(v, '--quarter'), USAGE.accrue);
  const result = await accrueQuarter(deps, { quarter, dryRun: p.values['dry-run'] === true, confirm: p.values['confirm'] === true, ...actorOf(p) });
  if (!result.ok) return failureOutput(result);
  const accruals = result.accruals.map((a) => ({
    partnerId: a.partnerId,
    specialization: a.specialization,
    currency: a.currency,
    base: money(a.base),
    amount: money(a.amount),
    posted: money(a.posted),
    delta: money(a.delta),
  }));
  const warnings = result.warnings.map((w) => ({ partnerId: w.partnerId, specialization: w.specialization, currency: w.currency, posted: money(w.posted), delta: money(w.delta), message: w.message }));
  const json = { quarter: result.quarter, dryRun: result.dryRun, runId: result.runId, accruals, warnings };
  const title = `${result.dryRun ? 'Dry run — nothing written. ' : ''}Accruals for ${result.quarter} (run ${result.runId})`;
  const table = renderTable(accruals, [
    { header: 'partner', value: (a) => a.partnerId },
    { header: 'specialization', value: (a) => a.specialization },
    { header: 'cur', value: (a) => a.currency },
    { header: 'base', value: (a) => a.base, align: 'right' },
    { header: 'amount', value: (a) => a.amount, align: 'right' },
    { header: 'posted', value: (a) => a.posted, align: 'right' },
    { header: 'delta', value: (a) => a.delta, align: 'right' },
  ]);
  const footer = result.dryRun
    ? `${result.accruals.filter((a) => a.delta !== 0n).length} ledger entr(ies) would be appended`
    : `${result.entriesAppended} ledger entr(ies) appended`;
  const output = ok(json, `${title}\n${accruals.length === 0 ? '(no eligible usage)' : table}\n${footer}`);
  // Reversals the rules file causes are announced on stderr too (in a dry run: posting needs --confirm).
  output.errors = result.warnings.map((w) => `warning: ${w.message}${result.dryRun ? ' — posting will need --confirm' : ''}`);
  return output;
}

export async function balanceCommand(deps: Deps, argv: string[]): Promise<CommandOutput> {
  const p = parseCommand(argv, { partner: { type: 'string' } }, USAGE.balance);
  const result = await partnerBalance(deps, checked(required(p, 'partner', USAGE.balance), partnerIdProblem, USAGE.balance));
  const balances = result.balances.map((b) => ({ currency: b.currency, amount: money(b.amount) }));
  const table = renderTable(balances, [
    { header: 'currency', value: (b) => b.currency },
    { header: 'amount', value: (b) => b.amount, align: 'right' },
  ]);
  return ok({ partnerId: result.partnerId, balances }, `Rebate accrual balance of ${result.partnerId}\n${balances.length === 0 ? '(no ledger entries)' : table}`);
}

export async function statementCommand(deps: Deps, argv: string[]): Promise<CommandOutput> {
  const p = parseCommand(argv, { partner: { type: 'string' }, quarter: { type: 'string' } }, USAGE.statement);
  const result = await partnerStatement(deps, {
    partnerId: checked(required(p, 'partner', USAGE.statement), partnerIdProblem, USAGE.statement),
    quarter: checked(required(p, 'quarter', USAGE.statement), (v) => quarterProblem(v, '--quarter'), USAGE.statement),
  });
  if (!result.ok) return failureOutput(result);
  const lines = result.lines.map((l) => ({
    specialization: l.specialization,
    currency: l.currency,
    base: money(l.base),
    exact: formatScaled(l.exact, PRODUCT_SCALE, 2),
    amount: money(l.amount),
    posted: money(l.posted),
    pending: money(l.pending),
    details: l.details.map((d) => ({ subaccountId: d.subaccountId, serviceId: d.serviceId, serviceName: d.serviceName, rulesVersion: d.rulesVersion, rate: d.rate, base: money(d.base), rows: d.rows })),
  }));
  const entries = result.entries.map((e) => ({ id: e.id, specialization: e.specialization, currency: e.currency, kind: e.kind, amount: money(e.amount), seq: e.seq, runId: e.runId, createdAt: e.createdAt, actor: e.actor, note: e.note }));
  const json = { partnerId: result.partnerId, quarter: result.quarter, rounding: result.rounding, rulesVersions: result.rulesVersions, lines, entries };

  const parts = [`Statement of ${result.partnerId} for ${result.quarter} (rounding ${result.rounding.mode} to ${result.rounding.scale} places, rules ${result.rulesVersions.join(', ') || '-'})`];
  for (const l of lines) {
    parts.push('', `${l.specialization} ${l.currency}: base ${l.base} → exact ${l.exact} → amount ${l.amount}; posted ${l.posted}, pending ${l.pending}`);
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
  if (lines.length === 0) parts.push('(no eligible usage and nothing posted)');
  parts.push('', 'Ledger entries', entries.length === 0 ? '(none)' : renderTable(entries, [
    { header: 'created', value: (e) => e.createdAt },
    { header: 'specialization', value: (e) => e.specialization },
    { header: 'cur', value: (e) => e.currency },
    { header: 'kind', value: (e) => e.kind },
    { header: 'amount', value: (e) => e.amount, align: 'right' },
    { header: 'run', value: (e) => e.runId },
    { header: 'actor', value: (e) => e.actor },
  ]));
  return ok(json, parts.join('\n'));
}
