/**
 * An in-process gRPC fake of the Billing API, served from the SDK's own generated service
 * definitions (ServiceService, CustomerService, ConsumptionCoreService) on @grpc/grpc-js, on
 * 127.0.0.1:<free port>, plaintext. It checks `Authorization: Bearer <token>` on every call
 * (UNAUTHENTICATED otherwise), pages List answers by page_size / page_token, and can be told to
 * fail the next calls with any status (PERMISSION_DENIED, UNAVAILABLE …); it can also enforce a
 * least interval between usage reports (Billing's real limit is 1 per minute per IP address).
 *
 * Used by test/billing/*.test.ts and, through serve-fake.ts, by the deploy rehearsal.
 */
import { Server, ServerCredentials, status, type Metadata, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { customerService, serviceService } from '@yandex-cloud/nodejs-sdk/billing-v1';
import { commonTypes, consumptionCoreService } from '@yandex-cloud/nodejs-sdk/billing-usage_records-v1';
import { fakeBillingDataSchema, serviceReportEntities, type FakeBillingData, type FakeBillingState } from './fake-billing-data';

export type { FakeBillingData } from './fake-billing-data';

export type FakeMethod = 'ServiceService.List' | 'CustomerService.List' | 'ConsumptionCoreService.GetServiceUsageReport';
export type FakeStatus = keyof typeof status;

/** One call as the fake received it. */
export interface ReceivedCall {
  method: FakeMethod;
  /** The `authorization` header exactly as received, or null. */
  authorization: string | null;
  request: Record<string, unknown>;
  /** Date.now() when the call arrived. */
  receivedAt: number;
}

export interface FakeBillingApi {
  /** `grpc://127.0.0.1:<port>` — the form BILLING_API_ENDPOINT takes for plaintext. */
  endpoint: string;
  port: number;
  /** The token the fake accepts. */
  token: string;
  calls: ReceivedCall[];
  /** Fails the next `times` calls of `method` ('*' = any) with `code`. */
  failNext(method: FakeMethod | '*', code: FakeStatus, options?: { times?: number; message?: string }): void;
  close(): Promise<void>;
}

class CallFailure extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_PAGE_SIZE = 50;

function bearer(metadata: Metadata): string | null {
  const value = metadata.get('authorization')[0];
  return value === undefined ? null : String(value);
}

/** Page tokens are opaque to clients; here they carry the list and the offset. */
function pageOf<T>(
  all: T[],
  list: string,
  request: { pageSize: number; pageToken: string },
  maxPageSize: number,
): { items: T[]; nextPageToken: string } {
  let offset = 0;
  if (request.pageToken !== '') {
    const match = /^([a-z]+):(\d+)$/.exec(Buffer.from(request.pageToken, 'base64url').toString('utf8'));
    if (!match || match[1] !== list || Number(match[2]) > all.length)
      throw new CallFailure(status.INVALID_ARGUMENT, `invalid page token "${request.pageToken}"`);
    offset = Number(match[2]);
  }
  if (request.pageSize < 0) throw new CallFailure(status.INVALID_ARGUMENT, 'page_size must not be negative');
  const size = Math.min(request.pageSize === 0 ? DEFAULT_PAGE_SIZE : request.pageSize, maxPageSize);
  const end = offset + size;
  return { items: all.slice(offset, end), nextPageToken: end < all.length ? Buffer.from(`${list}:${end}`).toString('base64url') : '' };
}

function handlers(state: FakeBillingState) {
  return {
    'ServiceService.List': (request: serviceService.ListServicesRequest) => {
      let all = state.services;
      if (request.filter !== '') {
        const match = /^id\s*=\s*"([^"]+)"$/.exec(request.filter.trim());
        if (!match) throw new CallFailure(status.INVALID_ARGUMENT, `unsupported filter "${request.filter}" (only id="…")`);
        all = all.filter((s) => s.id === match[1]);
      }
      const page = pageOf(all, 'services', request, state.maxPageSize);
      return serviceService.ListServicesResponse.fromPartial({ services: page.items, nextPageToken: page.nextPageToken });
    },
    'CustomerService.List': (request: customerService.ListCustomersRequest) => {
      const customers = state.customers[request.resellerId];
      if (customers === undefined) throw new CallFailure(status.PERMISSION_DENIED, `no access to reseller ${request.resellerId}`);
      const page = pageOf(customers, 'customers', request, state.maxPageSize);
      return customerService.ListCustomersResponse.fromPartial({ customers: page.items, nextPageToken: page.nextPageToken });
    },
    'ConsumptionCoreService.GetServiceUsageReport': (request: consumptionCoreService.UsageReportRequest) => {
      const account = state.usage[request.billingAccountId];
      if (account === undefined)
        throw new CallFailure(status.PERMISSION_DENIED, `no access to billing account ${request.billingAccountId}`);
      if (!request.startDate || !request.endDate) throw new CallFailure(status.INVALID_ARGUMENT, 'start_date and end_date are required');
      if (request.aggregationPeriod !== commonTypes.TimeGrouping.DAY)
        throw new CallFailure(status.UNIMPLEMENTED, 'the fake serves DAY aggregation only');
      // Billing reads the request dates as days; the time of day is ignored.
      const from = request.startDate.toISOString().slice(0, 10);
      const to = request.endDate.toISOString().slice(0, 10);
      const services = new Set(request.serviceIds);
      const rows = account.rows.filter((r) => r.day >= from && r.day <= to && (services.size === 0 || services.has(r.serviceId)));
      const currency = commonTypes.Currency[account.currency];
      return consumptionCoreService.ServiceUsageReportResponse.fromPartial({ currency, ...serviceReportEntities(rows) });
    },
  };
}

export async function startFakeBillingApi(data: FakeBillingData): Promise<FakeBillingApi> {
  const state = fakeBillingDataSchema.parse(data);
  const calls: ReceivedCall[] = [];
  const failures: { method: FakeMethod | '*'; code: FakeStatus; left: number; message: string }[] = [];
  const handle = handlers(state);
  let lastUsageReportAt = Number.NEGATIVE_INFINITY;

  function unary<Req, Res>(method: FakeMethod, run: (request: Req) => Res) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const authorization = bearer(call.metadata);
      const receivedAt = Date.now();
      calls.push({ method, authorization, request: call.request as Record<string, unknown>, receivedAt });
      const injected = failures.find((f) => f.left > 0 && (f.method === '*' || f.method === method));
      if (injected) {
        injected.left -= 1;
        callback({ code: status[injected.code], details: injected.message });
        return;
      }
      if (method === 'ConsumptionCoreService.GetServiceUsageReport') {
        if (receivedAt - lastUsageReportAt < state.usageReportMinIntervalMs) {
          callback({ code: status.RESOURCE_EXHAUSTED, details: 'rate limit: 1 request per minute per IP address' });
          return;
        }
        lastUsageReportAt = receivedAt;
      }
      if (authorization !== `Bearer ${state.token}`) {
        callback({
          code: status.UNAUTHENTICATED,
          details: authorization === null ? 'the request has no Authorization header' : 'the IAM token is invalid or expired',
        });
        return;
      }
      try {
        callback(null, run(call.request));
      } catch (error) {
        const code = error instanceof CallFailure ? error.code : status.INTERNAL;
        callback({ code, details: error instanceof Error ? error.message : String(error) });
      }
    };
  }

  const server = new Server();
  server.addService(serviceService.ServiceServiceService, { list: unary('ServiceService.List', handle['ServiceService.List']) });
  server.addService(customerService.CustomerServiceService, { list: unary('CustomerService.List', handle['CustomerService.List']) });
  server.addService(consumptionCoreService.ConsumptionCoreServiceService, {
    getServiceUsageReport: unary('ConsumptionCoreService.GetServiceUsageReport', handle['ConsumptionCoreService.GetServiceUsageReport']),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );

  return {
    endpoint: `grpc://127.0.0.1:${port}`,
    port,
    token: state.token,
    calls,
    failNext(method, code, options = {}) {
      failures.push({ method, code, left: options.times ?? 1, message: options.message ?? `injected ${code}` });
    },
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
