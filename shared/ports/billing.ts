/**
 * The Billing API port: what the program needs from Yandex Cloud Billing — the service catalog
 * (sync-catalog), a reseller's customers (sync-subaccounts) and Billing's own daily totals per
 * service (reconciliation). The adapter lives in shared/adapters/billing/.
 */
import { RebatesError } from '../errors';
import type { Day } from '../domain/calendar';
import type { Nanos } from '../domain/money';

/** One entry of the billing service catalog (ServiceService.List). */
export interface BillingService {
  id: string;
  name: string;
  description: string;
}

/**
 * A reseller's customer (CustomerService.List). Billing's Customer message carries only these two
 * ids — no display name; `billingAccountId` is the subaccount the program links to a partner.
 */
export interface BillingCustomer {
  id: string;
  billingAccountId: string;
}

/** Currencies Billing reports in (usage_records `Currency`, without the UNSPECIFIED sentinel). */
export const BILLING_CURRENCIES = ['RUB', 'USD', 'KZT', 'EUR'] as const;
export type BillingCurrency = (typeof BILLING_CURRENCIES)[number];

export interface UsageReportQuery {
  billingAccountId: string;
  /** Inclusive Moscow days (R1). */
  from: Day;
  to: Day;
  /** Only these services; empty means every service of the account. */
  serviceIds: string[];
}

/** Billing's own total for one service on one day of one billing account. */
export interface ServiceUsageDay {
  serviceId: string;
  serviceName: string;
  day: Day;
  currency: BillingCurrency;
  /** Nano-units. `credit` is ≤ 0 as in the export; `expense` = cost + credit as Billing states it. */
  cost: Nanos;
  credit: Nanos;
  expense: Nanos;
}

export interface BillingApi {
  /** The whole service catalog, every page. */
  listServices(): Promise<BillingService[]>;
  /** Every customer of the reseller (the partner's billing account id), every page. */
  listCustomers(resellerId: string): Promise<BillingCustomer[]>;
  /**
   * Daily totals per service (ConsumptionCoreService.GetServiceUsageReport, DAY aggregation).
   * Billing allows this 1 call per minute per IP address: the adapter spaces its calls.
   */
  usageReport(query: UsageReportQuery): Promise<ServiceUsageDay[]>;
  /** Closes the gRPC channels. */
  close(): void;
}

export type BillingErrorCode =
  | 'BILLING_NO_TOKEN'
  | 'BILLING_UNAUTHENTICATED'
  | 'BILLING_PERMISSION_DENIED'
  | 'BILLING_NOT_FOUND'
  | 'BILLING_INVALID_ARGUMENT'
  | 'BILLING_UNAVAILABLE'
  /** ConsumptionCoreService allows 1 request per minute per IP address. */
  | 'BILLING_RATE_LIMITED'
  | 'BILLING_BAD_RESPONSE'
  | 'BILLING_FAILED';

/** A Billing API call that failed; `message` says what to fix, `cause` keeps the gRPC error. */
export class BillingApiError extends RebatesError {
  declare readonly code: BillingErrorCode;
  constructor(
    code: BillingErrorCode,
    /** Which call, e.g. `CustomerService.List`. */
    readonly method: string,
    message: string,
    /** The gRPC status name when the server answered with one (`PERMISSION_DENIED` …). */
    readonly grpcStatus: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
