/**
 * A realistic, deterministic sample of billing exports for the demo: one file per day of a
 * quarter, in the real column set, several partners, subaccounts and currencies, names with
 * commas, quotes and Cyrillic. Amounts are generated as integers of nano-units, so the files hold
 * exact 9-decimal money.
 */
import { BILLING_EXPORT_COLUMNS } from '../../shared/ingest/export-columns';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, quarterRange } from '../../shared/domain/calendar';
import { formatScaled } from '../../shared/domain/money';
import { prng } from '../lib/prng';

export const SERVICES = {
  compute: {
    id: 'dn22pas77ftg9h3f2djj',
    name: 'Compute Cloud',
    skus: [
      ['dn2k3vqlk9snp1jv351u', 'Intel Ice Lake. 100% vCPU'],
      ['dn27ajm6m8mnfcshbi61', 'Intel Ice Lake. RAM'],
    ],
  },
  storage: { id: 'dn2li5qddoc5cad2n6br', name: 'Object Storage', skus: [['dn2al287u6jr3a710u8g', 'Standard storage, GB×hour']] },
  clickhouse: {
    id: 'dn2220hr46dtogekm57v',
    name: 'Managed Service for ClickHouse',
    skus: [['dn2hrvo0dd8q8mcdb9iu', 'ClickHouse. Intel Cascade Lake. 100% vCPU']],
  },
  speechsense: { id: 'dn2m45g7b9fhfnpqs0je', name: 'SpeechSense', skus: [['dn2s2t07ljeta2v3gu5k', 'SpeechSense, "audio minutes", RU']] },
  monitoring: { id: 'dn2demo0monitoring01', name: 'Monitoring (not in the program)', skus: [['dn2demo0monitorsku01', 'Metrics write']] },
} as const;

type ServiceKey = keyof typeof SERVICES;

export interface SampleSubaccount {
  id: string;
  name: string;
  currency: 'RUB' | 'USD' | 'KZT';
  /** Daily cost scale in whole currency units, per service. */
  usage: Partial<Record<ServiceKey, number>>;
}

export const SUBACCOUNTS: SampleSubaccount[] = [
  { id: 'dn2alpha0retail00001', name: 'ООО "Ромашка", розница', currency: 'RUB', usage: { compute: 4200, storage: 350, speechsense: 900 } },
  { id: 'dn2alpha0logistic002', name: 'Logistics, Inc.', currency: 'USD', usage: { compute: 55, clickhouse: 20 } },
  { id: 'dn2beta00bank000003', name: 'АО "Банк «Север»"', currency: 'RUB', usage: { clickhouse: 6100, compute: 1800, monitoring: 300 } },
  { id: 'dn2beta00media00004', name: 'Media, "Studio" & Co', currency: 'RUB', usage: { storage: 1200, speechsense: 2500 } },
  { id: 'dn2gamma0almaty0005', name: 'ТОО "Алматы Дата"', currency: 'KZT', usage: { speechsense: 41000, compute: 23000 } },
];

const HEADER = BILLING_EXPORT_COLUMNS;

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function unixSeconds(day: string, hour: number): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000 + hour * 3600;
}

/** One generated usage row of a day (amounts in nano-units). */
export interface SampleRow {
  sub: SampleSubaccount;
  key: ServiceKey;
  skuId: string;
  skuName: string;
  cost: bigint;
  credit: bigint;
  quantity: bigint;
}

/** The generated rows of one day, in file order; `revision` changes amounts (a billing correction). */
export function dayRows(day: string, revision = 0): SampleRow[] {
  const random = prng(Number(day.replaceAll('-', '')) * 31 + revision * 7919);
  const rows: SampleRow[] = [];
  for (const sub of SUBACCOUNTS) {
    for (const [key, scale] of Object.entries(sub.usage) as [ServiceKey, number][]) {
      for (const [skuId, skuName] of SERVICES[key].skus) {
        // Amounts as integers of nano-units: exact 9-decimal money in the file.
        const cost = BigInt(Math.floor(random() * scale * 1e6)) * 1000n + BigInt(Math.floor(random() * 1000));
        const credit = random() < 0.2 ? -(cost / BigInt(3 + Math.floor(random() * 5))) : 0n;
        rows.push({ sub, key, skuId, skuName, cost, credit, quantity: BigInt(Math.floor(random() * 1e9)) });
      }
    }
  }
  return rows;
}

/** When Billing publishes a day's export (its rows' updated_at): 02:00 UTC the next day, an hour later per revision. */
export function exportPublishedAt(day: string, revision = 0): Date {
  return new Date(unixSeconds(addDays(day, 1), 2 + revision) * 1000);
}

/** The rows of one day's export; `revision` changes amounts (a billing correction) and updated_at. */
export function dayExport(day: string, revision = 0): string {
  const lines = [HEADER.join(',')];
  const updatedAt = exportPublishedAt(day, revision).getTime() / 1000;
  for (const { sub, key, skuId, skuName, cost, credit, quantity } of dayRows(day, revision)) {
    const service = SERVICES[key];
    const cells = [
      sub.id,
      sub.name,
      `b1g${sub.id.slice(3, 10)}`,
      'production',
      `b1f${sub.id.slice(3, 10)}`,
      'default',
      `res-${key}-${sub.id.slice(-4)}`,
      service.id,
      service.name,
      skuId,
      skuName,
      day,
      sub.currency,
      formatScaled(quantity, 6),
      'unit',
      formatScaled(cost, 9, 2),
      formatScaled(credit, 9, 2),
      formatScaled(credit, 9, 2),
      '0',
      '0',
      '0',
      'prod',
      'ru',
      String(updatedAt),
      new Date(updatedAt * 1000).toISOString(),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function fileName(day: string): string {
  return `${day.replaceAll('-', '')}.csv`;
}

/** Writes one file per day of the quarter into `dir`; returns the paths. */
export function writeQuarterExports(dir: string, quarter: string): string[] {
  mkdirSync(dir, { recursive: true });
  const { from, to } = quarterRange(quarter);
  const paths: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const path = join(dir, fileName(day));
    writeFileSync(path, dayExport(day));
    paths.push(path);
  }
  return paths;
}

/** A usage row the sample subaccounts do not produce (the operator-trust demo: a pending service, an unlinked subaccount). */
export interface ExtraRow {
  accountId: string;
  accountName: string;
  serviceId: string;
  serviceName: string;
  skuId: string;
  skuName: string;
  currency: 'RUB' | 'USD' | 'KZT';
  /** Whole currency units, exact. */
  cost: string;
}

/** A day's export with extra rows appended (same columns, same updated_at as the day's other rows). */
export function dayExportWith(day: string, extra: readonly ExtraRow[], revision = 0): string {
  const updatedAt = exportPublishedAt(day, revision).getTime() / 1000;
  const lines = extra.map((r) =>
    [
      r.accountId,
      r.accountName,
      `b1g${r.accountId.slice(3, 10)}`,
      'production',
      `b1f${r.accountId.slice(3, 10)}`,
      'default',
      `res-extra-${r.accountId.slice(-4)}`,
      r.serviceId,
      r.serviceName,
      r.skuId,
      r.skuName,
      day,
      r.currency,
      '1.000000',
      'unit',
      r.cost,
      '0',
      '0',
      '0',
      '0',
      '0',
      'prod',
      'ru',
      String(updatedAt),
      new Date(updatedAt * 1000).toISOString(),
    ]
      .map(csvCell)
      .join(','),
  );
  return `${dayExport(day, revision)}${lines.join('\r\n')}\r\n`;
}
