/** Text for `report eligibility` (issue 12): one row per partner, specialization and currency. */
import { renderTable } from '../table';

interface EligibilityJson {
  year: number;
  partners: {
    partnerId: string;
    specializations: {
      specialization: string;
      held: { from: string; to: string | null }[];
      consumption: {
        currency: string;
        quarters: Record<'Q1' | 'Q2' | 'Q3' | 'Q4', string>;
        year: string;
        threshold: string | null;
        meets: boolean | null;
      }[];
    }[];
  }[];
}

export function eligibilityText(r: EligibilityJson): string {
  const rows = r.partners.flatMap((p) =>
    p.specializations.flatMap((s) => {
      const held = s.held.length === 0 ? 'no' : s.held.map((h) => `${h.from}..${h.to ?? ''}`).join(', ');
      const base = { partner: p.partnerId, specialization: s.specialization, held };
      if (s.consumption.length === 0) return [{ ...base, currency: '', q: ['', '', '', ''], year: '', threshold: '', meets: '' }];
      return s.consumption.map((c) => ({
        ...base,
        currency: c.currency,
        q: [c.quarters.Q1, c.quarters.Q2, c.quarters.Q3, c.quarters.Q4],
        year: c.year,
        threshold: c.threshold ?? '-',
        meets: c.meets === null ? '-' : c.meets ? 'yes' : 'no',
      }));
    }),
  );
  if (rows.length === 0) return `Eligibility ${r.year}\n(no partners with links or specializations in ${r.year})`;
  return `Eligibility ${r.year}: paid consumption of each specialization's services by the partner's subaccounts\n${renderTable(rows, [
    { header: 'partner', value: (x) => x.partner },
    { header: 'specialization', value: (x) => x.specialization },
    { header: 'held', value: (x) => x.held },
    { header: 'cur', value: (x) => x.currency },
    { header: 'Q1', value: (x) => x.q[0]!, align: 'right' },
    { header: 'Q2', value: (x) => x.q[1]!, align: 'right' },
    { header: 'Q3', value: (x) => x.q[2]!, align: 'right' },
    { header: 'Q4', value: (x) => x.q[3]!, align: 'right' },
    { header: 'year', value: (x) => x.year, align: 'right' },
    { header: 'threshold', value: (x) => x.threshold, align: 'right' },
    { header: 'meets', value: (x) => x.meets },
  ])}`;
}

interface ReconcileJson {
  quarter: string;
  tolerance: string;
  accounts: {
    subaccountId: string;
    partnerId: string;
    from: string;
    to: string;
    totals: { currency: string; billing: string; ingested: string }[];
    mismatches: number;
  }[];
  mismatches: {
    subaccountId: string;
    serviceId: string;
    serviceName: string;
    day: string;
    currency: string;
    billing: string;
    ingested: string;
    difference: string;
  }[];
}

export function reconcileText(r: ReconcileJson): string {
  const accounts = r.accounts.flatMap((a) =>
    a.totals.length === 0 ? [{ a, t: { currency: '', billing: '0.00', ingested: '0.00' } }] : a.totals.map((t) => ({ a, t })),
  );
  const parts = [
    `Reconciliation of ${r.quarter} with Billing's usage report (tolerance ${r.tolerance} per subaccount, service and day)`,
    accounts.length === 0
      ? '(no linked subaccounts in the quarter)'
      : renderTable(accounts, [
          { header: 'subaccount', value: (x) => x.a.subaccountId },
          { header: 'partner', value: (x) => x.a.partnerId },
          { header: 'days', value: (x) => `${x.a.from}..${x.a.to}` },
          { header: 'cur', value: (x) => x.t.currency },
          { header: 'billing', value: (x) => x.t.billing, align: 'right' },
          { header: 'ingested', value: (x) => x.t.ingested, align: 'right' },
          { header: 'mismatches', value: (x) => String(x.a.mismatches), align: 'right' },
        ]),
  ];
  if (r.mismatches.length > 0) {
    parts.push(
      `BILLING_MISMATCH: ${r.mismatches.length} difference(s)`,
      renderTable(r.mismatches, [
        { header: 'subaccount', value: (m) => m.subaccountId },
        { header: 'service', value: (m) => m.serviceName || m.serviceId },
        { header: 'day', value: (m) => m.day },
        { header: 'cur', value: (m) => m.currency },
        { header: 'billing', value: (m) => m.billing, align: 'right' },
        { header: 'ingested', value: (m) => m.ingested, align: 'right' },
        { header: 'difference', value: (m) => m.difference, align: 'right' },
      ]),
    );
  } else parts.push('Billing and the ingested exports agree.');
  return parts.join('\n');
}
