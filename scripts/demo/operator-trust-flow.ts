/**
 * The demo's operator-trust steps (issue 12), after the 2026-Q1 story: bulk links from a CSV
 * (a rejected draft, a preview, the import), the running quarter previewed with its guards
 * (missing days, unlinked usage, a pending service, future-dated and open data), a rules-change
 * impact preview, and the eligibility report. Deterministic, like the rest of the demo.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandOutput } from '../../cli/output';
import { createBillingApi } from '../../shared/adapters/billing';
import type { ActionDeps } from '../../shared/actions/deps';
import { loadRules } from '../../shared/runtime/rules-file';
import { formatScaled } from '../../shared/domain/money';
import { addDays } from '../../shared/domain/calendar';
import type { DemoOutput } from './demo-flow';
import { dayExportWith, dayRows, fileName, SERVICES, SUBACCOUNTS, type ExtraRow } from './sample-exports';

/** A subaccount no partner has claimed yet, using a covered service (UNLINKED_USAGE). */
const UNLINKED: ExtraRow = {
  accountId: 'dn2omega0unlinked007',
  accountName: 'Omega Retail',
  serviceId: SERVICES.speechsense.id,
  serviceName: SERVICES.speechsense.name,
  skuId: SERVICES.speechsense.skus[0][0],
  skuName: SERVICES.speechsense.skus[0][1],
  currency: 'RUB',
  cost: '1500.00',
};
/** Usage of a service listed under pendingServices: its id is not in the rules yet (PENDING_SERVICE). */
const PENDING: ExtraRow = {
  accountId: SUBACCOUNTS[0]!.id,
  accountName: SUBACCOUNTS[0]!.name,
  serviceId: 'dn2demo0functions001',
  serviceName: 'Cloud Functions',
  skuId: 'dn2demo0functionsku1',
  skuName: 'Function invocations',
  currency: 'RUB',
  cost: '320.00',
};

/**
 * Billing's own daily totals per service for these subaccounts and days, from the same generator
 * as the exports — Billing has every day, including the one whose export never arrived.
 */
function billingTotals(accountIds: readonly string[], from: string, to: string) {
  const usage: Record<
    string,
    { currency: 'RUB' | 'USD' | 'KZT'; rows: { serviceId: string; serviceName: string; day: string; cost: string; credit: string }[] }
  > = {};
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const sums = new Map<string, { accountId: string; serviceId: string; serviceName: string; cost: bigint; credit: bigint }>();
    for (const r of dayRows(day)) {
      if (!accountIds.includes(r.sub.id)) continue;
      usage[r.sub.id] ??= { currency: r.sub.currency, rows: [] };
      const key = `${r.sub.id}/${r.key}`;
      const sum = sums.get(key) ?? {
        accountId: r.sub.id,
        serviceId: SERVICES[r.key].id,
        serviceName: SERVICES[r.key].name,
        cost: 0n,
        credit: 0n,
      };
      sum.cost += r.cost;
      sum.credit += r.credit;
      sums.set(key, sum);
    }
    for (const s of sums.values())
      usage[s.accountId]!.rows.push({
        serviceId: s.serviceId,
        serviceName: s.serviceName,
        day,
        cost: formatScaled(s.cost, 9),
        credit: formatScaled(s.credit, 9),
      });
  }
  return usage;
}

export async function runOperatorTrustSteps(ctx: {
  cli: (...argv: string[]) => Promise<CommandOutput>;
  out: DemoOutput;
  root: string;
  who: string[];
  deps: ActionDeps;
}): Promise<void> {
  const { cli, out, root, who } = ctx;
  const { say } = out;
  out.write('\n# Operator trust (issue 12): bulk links, guards before posting, rules-change impact, eligibility\n');

  const draft = join(root, 'links-draft.csv');
  writeFileSync(
    draft,
    [
      'partner_id,subaccount_id,from,to',
      `partner-beta,${SUBACCOUNTS[2]!.id},2026-01-01,2026-01-20`,
      'partner-delta,dn2delta0shop000006,2026-04-31,',
    ].join('\n'),
  );
  say(
    'Bulk links: a draft CSV overlapping a stored link and with a bad day is rejected whole, by line — the demo expects this rejected',
    await cli('partner', 'import', '--file', draft, ...who),
  );
  const links = join(root, 'links.csv');
  writeFileSync(
    links,
    [
      'partner_id,subaccount_id,from,to',
      `partner-beta,${SUBACCOUNTS[2]!.id},2026-01-01,2026-01-14`,
      'partner-delta,dn2delta0shop000006,2026-04-01,',
    ].join('\n'),
  );
  say('Bulk links: the corrected CSV, previewed (--dry-run)', await cli('partner', 'import', '--file', links, '--dry-run'));
  say(
    'Bulk links: imported all or nothing, each link audited with its file and line',
    await cli('partner', 'import', '--file', links, ...who),
  );

  // The running quarter so far (today 2026-04-20): 04-09 never arrived, 04-18 and 04-19 not yet,
  // a subaccount nobody linked, a pending service; the quarter itself is still open. (A file dated
  // after tomorrow cannot be ingested at all: the parser rejects it, issue 8.)
  const q2 = join(root, 'exports', '2026-Q2');
  mkdirSync(q2, { recursive: true });
  for (let day = '2026-04-01'; day <= '2026-04-17'; day = addDays(day, 1)) {
    if (day !== '2026-04-09') writeFileSync(join(q2, fileName(day)), dayExportWith(day, day === '2026-04-07' ? [UNLINKED, PENDING] : []));
  }
  const ingested = await cli('ingest', q2);
  say(`Ingest ${q2}`, { ...ingested, text: ingested.text.split('\n').slice(-1)[0]! });
  say(
    'Preview 2026-Q2 so far (dry run): the guards say what looks wrong before anything is posted',
    await cli('accrue', '--quarter', '2026-Q2', '--dry-run'),
  );

  // Reconciliation needs the Billing API; the demo has no cloud account, so Billing is the
  // in-process gRPC fake the tests use, serving totals generated like the exports.
  const { startFakeBillingApi } = await import('../../test/billing/fake-billing-api');
  const usage = {
    ...billingTotals(
      SUBACCOUNTS.map((s) => s.id),
      '2026-04-01',
      '2026-04-17',
    ),
    dn2delta0shop000006: { currency: 'RUB' as const, rows: [] },
  };
  const fake = await startFakeBillingApi({ token: 'demo-token', usage });
  const billing = createBillingApi({ iamToken: () => 'demo-token', endpoint: fake.endpoint, usageReportIntervalMs: 0, retries: 0 });
  ctx.deps.billing = () => billing;
  try {
    say(
      "Reconcile 2026-Q2 for partner-alpha: Billing's usage report (the in-process Billing API fake) beside the ingested exports",
      await cli('reconcile', '--quarter', '2026-Q2', '--partner', 'partner-alpha'),
    );
    say(
      'Preview 2026-Q2 with --reconcile: the differences become BILLING_MISMATCH beside the other guards',
      await cli('accrue', '--quarter', '2026-Q2', '--dry-run', '--reconcile'),
    );
  } finally {
    delete ctx.deps.billing;
    billing.close();
    await fake.close();
  }

  // A proposed rules change: from 2026-03-01 ML & AI pays 12% and Cloud Functions' id is known.
  const current = structuredClone(loadRules().json) as {
    versions: { effectiveFrom: string; note?: string; specializations: Record<string, { rate: string; services: string[] }> }[];
  };
  const next = structuredClone(current.versions.at(-1)!);
  next.effectiveFrom = '2026-03-01';
  next.note = 'proposed: ML & AI 12%, Cloud Functions mapped';
  next.specializations['ml-ai']!.rate = '0.12';
  next.specializations['infrastructure-devops']!.services.push(PENDING.serviceId);
  const nextPath = join(root, 'next-rules.json');
  writeFileSync(nextPath, `${JSON.stringify({ ...current, versions: [...current.versions, next] }, null, 2)}\n`);
  say(
    'Rules-change impact: 2026-Q1 under the proposed rules (--dry-run --rules), nothing written',
    await cli('accrue', '--quarter', '2026-Q1', '--dry-run', '--rules', nextPath),
  );
  say(
    "Eligibility 2026: paid consumption of each specialization's services per quarter, with the specializations held",
    await cli('report', 'eligibility', '--year', '2026'),
  );
}
