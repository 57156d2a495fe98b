/**
 * Builds billing usage-detail exports (§4) in the real column layout for ingest tests: names
 * with commas and doubled quotes, a user label column, `reward`, 9-decimal money, CRLF.
 */
import { BILLING_EXPORT_COLUMNS } from '../../shared/ingest/export-columns';
export interface UsageRowSpec {
  account: string;
  day: string;
  service?: string;
  sku?: string;
  currency?: 'RUB' | 'USD' | 'KZT' | string;
  cost: string;
  credit: string;
  /** Unix seconds; omitted with `withUpdatedAt: false`. */
  updatedAt?: number;
}

/** A partner export's columns: Billing's, plus `reward`. */
const HEADER: readonly string[] = [...BILLING_EXPORT_COLUMNS, 'reward'];

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function usageCsv(rows: UsageRowSpec[], options: { withUpdatedAt?: boolean } = {}): string {
  const withUpdatedAt = options.withUpdatedAt ?? true;
  const header = withUpdatedAt ? HEADER : HEADER.filter((h) => h !== 'updated_at');
  const lines = [header.join(',')];
  for (const r of rows) {
    const cells: Record<string, string> = {
      billing_account_id: r.account,
      billing_account_name: `Customer ${r.account}, "Ltd"`,
      cloud_id: 'b1gcloud0000000000001',
      cloud_name: 'prod',
      folder_id: 'b1gfolder000000000001',
      folder_name: 'default',
      resource_id: 'fhm0resource00000001',
      service_id: r.service ?? 'dn22pas77ftg9h3f2djj',
      service_name: 'Compute Cloud',
      sku_id: r.sku ?? 'dn2sku-cpu-standard',
      sku_name: 'Intel Ice Lake. 100% vCPU, "standard"',
      date: r.day,
      currency: r.currency ?? 'RUB',
      pricing_quantity: '24.000000000',
      pricing_unit: 'core*hour',
      cost: r.cost,
      credit: r.credit,
      monetary_grant_credit: r.credit,
      volume_incentive_credit: '0',
      cud_credit: '0',
      misc_credit: '0',
      'label.user_labels.env': 'prod,eu',
      locale: 'en',
      updated_at: String(r.updatedAt ?? 1774990800),
      exported_at: '2026-04-01T00:00:00Z',
      reward: '0',
    };
    lines.push(header.map((h) => quote(cells[h] ?? '')).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
