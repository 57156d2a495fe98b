/**
 * The records the domain works with. Money is `Nanos` (bigint nano-units) inside; days are
 * `YYYY-MM-DD` strings; every change carries its audit fields (R12).
 */
import type { Day, Quarter } from './calendar';
import type { Nanos } from './money';

export const CURRENCIES = ['RUB', 'USD', 'KZT'] as const;
export type Currency = (typeof CURRENCIES)[number];

export function isCurrency(value: string): value is Currency {
  return (CURRENCIES as readonly string[]).includes(value);
}

/** Who changed something, when, and why (R12). `actor` is an operator id or `timer`. */
export interface Audit {
  actor: string;
  at: string;
  note: string;
}

/** What links and specialization periods share: an inclusive day period of a partner, audited. */
export interface PeriodRecord {
  id: string;
  partnerId: string;
  from: Day;
  /** Last day, inclusive; null = open-ended. */
  to: Day | null;
  created: Audit;
  /** Who ended the period early (unlink / revoke), if anyone. */
  ended: Audit | null;
}

/** R3: a subaccount linked to a partner for an inclusive day period (`to` null = still linked). */
export interface SubaccountLink extends PeriodRecord {
  subaccountId: string;
}

/** R5: a partner's specialization for an inclusive day period (`to` null = still active). */
export interface SpecializationPeriod extends PeriodRecord {
  specialization: string;
}

/** Usage pre-aggregated per (account, day, service, sku, currency) — the stored unit of usage. */
export interface UsageAggregate {
  accountId: string;
  day: Day;
  serviceId: string;
  skuId: string;
  currency: Currency;
  cost: Nanos;
  credit: Nanos;
  /** Display names as last seen in the export; never used for matching (R4). */
  serviceName: string;
  skuName: string;
  /** Number of export rows folded into this aggregate. */
  rows: number;
}

/** I1: an account-day and its version (largest `updated_at`, in Unix seconds). */
export interface AccountDayVersion {
  accountId: string;
  day: Day;
  version: number;
  /** The object the stored data came from. */
  sourceKey: string;
}

export type LedgerKind = 'accrual' | 'adjustment' | 'withdrawal';

/** R7: one append-only ledger entry. `seq` numbers the entries of one key from 1. */
export interface LedgerEntry {
  id: string;
  partnerId: string;
  quarter: Quarter;
  specialization: string;
  currency: Currency;
  seq: number;
  amount: Nanos;
  kind: LedgerKind;
  runId: string;
  createdAt: string;
  actor: string;
  note: string;
}

/** R12: what an accrual run used and did. */
export interface AccrualRun {
  runId: string;
  quarter: Quarter;
  dryRun: boolean;
  rulesVersions: Day[];
  rulesDigest: string;
  startedAt: string;
  actor: string;
  note: string;
  entries: number;
}

export type IngestStatus = 'applied' | 'rejected' | 'stale';

/** I5: one processed export object. */
export interface IngestLogEntry {
  id: string;
  objectKey: string;
  etag: string | null;
  version: number | null;
  rows: number;
  accountDaysApplied: number;
  accountDaysStale: number;
  status: IngestStatus;
  reason: string | null;
  startedAt: string;
  finishedAt: string;
}

/** Deterministic id of a ledger entry: the same key and sequence number always get the same id. */
export function ledgerEntryId(
  key: { partnerId: string; quarter: Quarter; specialization: string; currency: Currency },
  seq: number,
): string {
  return `${key.partnerId}/${key.quarter}/${key.specialization}/${key.currency}/${seq}`;
}
