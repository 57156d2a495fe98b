/**
 * BillingApi over @yandex-cloud/nodejs-sdk 3.x: the SDK's generated clients, request/response
 * codecs and endpoint map, on a channel we open ourselves.
 *
 * Why not `Session`: its channel is always TLS (the fake and the deploy rehearsal speak plaintext)
 * and it fixes the IAM token when it is built, whereas a function's token comes with each
 * invocation (`context.token`). Here the token is asked for on every call, so one adapter built at
 * module scope serves every invocation, and it travels as `Authorization: Bearer <token>` —
 * exactly what the SDK's Session sends.
 */
import { credentials, Metadata, type CallOptions, type Client, type ServiceError } from '@grpc/grpc-js';
import { customerService, serviceService } from '@yandex-cloud/nodejs-sdk/billing-v1';
import { commonTypes, consumptionCoreService } from '@yandex-cloud/nodejs-sdk/billing-usage_records-v1';
import { getServiceClientEndpoint } from '@yandex-cloud/nodejs-sdk/dist/service-endpoints';
import { isDay } from '../../domain/calendar';
import { BillingApiError, type BillingApi, type UsageReportQuery } from '../../ports/billing';
import { parseBillingEndpoint, type BillingEndpoint } from './endpoint';
import { isTransient, toBillingError, type BillingMethod, type CallSubject } from './errors';
import { BadResponse, readCustomersPage, readServicesPage, readServiceUsageReport } from './responses';

export interface BillingApiOptions {
  /** The IAM token for the next call: the function's `context.token.access_token`, or `YC_IAM_TOKEN` locally. */
  iamToken: () => string | undefined;
  /** `BILLING_API_ENDPOINT`; default: the SDK's endpoint for the service, over TLS. */
  endpoint?: string;
  /** Page size asked of the List calls (Billing may return fewer). */
  pageSize?: number;
  /** Extra attempts after UNAVAILABLE / RESOURCE_EXHAUSTED (the calls only read, so retrying is safe). */
  retries?: number;
  retryDelayMs?: number;
  /** Deadline of one call. */
  timeoutMs?: number;
  /**
   * Least time between two usage-report calls of this adapter (Billing allows 1 per minute per IP
   * address; default 60 000). A reconciliation of N accounts therefore takes about N minutes.
   */
  usageReportIntervalMs?: number;
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: Partial<CallOptions>, callback: Callback<Res>) => unknown;

const MAX_PAGES = 10_000;

export function createBillingApi(options: BillingApiOptions): BillingApi {
  const pageSize = options.pageSize ?? 100;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const usageReportIntervalMs = options.usageReportIntervalMs ?? 60_000;
  let lastUsageReportAt = Number.NEGATIVE_INFINITY;
  let usageReportQueue: Promise<unknown> = Promise.resolve();

  /** Runs usage-report calls one at a time, each at least usageReportIntervalMs after the one before. */
  function paced<T>(run: () => Promise<T>): Promise<T> {
    const next = usageReportQueue.then(async () => {
      const wait = lastUsageReportAt + usageReportIntervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      lastUsageReportAt = Date.now();
      return run();
    });
    usageReportQueue = next.catch(() => undefined);
    return next;
  }
  const endpoint: BillingEndpoint =
    options.endpoint === undefined
      ? { address: getServiceClientEndpoint(serviceService.ServiceServiceClient), tls: true }
      : parseBillingEndpoint(options.endpoint);
  const channelCredentials = endpoint.tls ? credentials.createSsl() : credentials.createInsecure();

  const clients: Client[] = [];
  function open<T extends Client>(Ctor: new (address: string, creds: typeof channelCredentials) => T): T {
    const client = new Ctor(endpoint.address, channelCredentials);
    clients.push(client);
    return client;
  }
  const services = open(serviceService.ServiceServiceClient);
  const customers = open(customerService.CustomerServiceClient);
  const consumption = open(consumptionCoreService.ConsumptionCoreServiceClient);

  async function unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, call: CallSubject): Promise<Res> {
    const token = options.iamToken();
    if (!token) {
      throw new BillingApiError(
        'BILLING_NO_TOKEN',
        call.method,
        `${call.method}: no IAM token — locally set YC_IAM_TOKEN (e.g. \`export YC_IAM_TOKEN=$(yc iam create-token)\`); in Cloud Functions give the function a service account so that context.token is present`,
      );
    }
    for (let attempt = 1; ; attempt++) {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      try {
        return await new Promise<Res>((resolve, reject) => {
          method(request, metadata, { deadline: Date.now() + timeoutMs }, (error, response) => (error ? reject(error) : resolve(response)));
        });
      } catch (error) {
        if (isTransient(error) && attempt <= retries) {
          await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** (attempt - 1)));
          continue;
        }
        throw toBillingError(error, call, attempt);
      }
    }
  }

  function badResponse(call: CallSubject, error: unknown): BillingApiError {
    const reason = error instanceof Error ? error.message : String(error);
    return new BillingApiError(
      'BILLING_BAD_RESPONSE',
      call.method,
      `${call.method}: Billing answered something this program does not understand: ${reason}`,
      null,
      { cause: error },
    );
  }

  /** Follows next_page_token until it is empty; a token seen twice means a loop, not more data. */
  async function allPages<T>(
    call: CallSubject,
    fetchPage: (pageToken: string) => Promise<unknown>,
    read: (page: unknown) => { items: T[]; next: string },
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let pageToken = '';
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const raw = await fetchPage(pageToken);
      let page: { items: T[]; next: string };
      try {
        page = read(raw);
      } catch (error) {
        throw error instanceof BadResponse ? badResponse(call, error) : error;
      }
      items.push(...page.items);
      if (page.next === '') return items;
      if (seen.has(page.next)) throw badResponse(call, new BadResponse(`page token "${page.next}" came back twice`));
      seen.add(page.next);
      pageToken = page.next;
    }
    throw badResponse(call, new BadResponse(`more than ${MAX_PAGES} pages`));
  }

  const subject = (method: BillingMethod, what?: string): CallSubject => ({ method, subject: what, address: endpoint.address });

  return {
    async listServices() {
      const call = subject('ServiceService.List');
      return allPages(
        call,
        (pageToken) => unary(services.list.bind(services), serviceService.ListServicesRequest.fromPartial({ pageSize, pageToken }), call),
        readServicesPage,
      );
    },

    async listCustomers(resellerId) {
      const call = subject('CustomerService.List', `reseller ${resellerId}`);
      if (resellerId === '')
        throw new BillingApiError(
          'BILLING_INVALID_ARGUMENT',
          call.method,
          `${call.method}: the reseller id (the partner's billing account id) is empty`,
        );
      return allPages(
        call,
        (pageToken) =>
          unary(
            customers.list.bind(customers),
            customerService.ListCustomersRequest.fromPartial({ resellerId, pageSize, pageToken }),
            call,
          ),
        readCustomersPage,
      );
    },

    async usageReport(query: UsageReportQuery) {
      const call = subject('ConsumptionCoreService.GetServiceUsageReport', `billing account ${query.billingAccountId}`);
      const problem =
        query.billingAccountId === ''
          ? 'the billing account id is empty'
          : !isDay(query.from) || !isDay(query.to)
            ? `${query.from}..${query.to} is not a range of calendar days (YYYY-MM-DD)`
            : query.from > query.to
              ? `the range ${query.from}..${query.to} ends before it starts`
              : null;
      if (problem) throw new BillingApiError('BILLING_INVALID_ARGUMENT', call.method, `${call.method}: ${problem}`);
      const request = consumptionCoreService.UsageReportRequest.fromPartial({
        billingAccountId: query.billingAccountId,
        // Billing ignores the time of day; the date labels the day.
        startDate: new Date(`${query.from}T00:00:00Z`),
        endDate: new Date(`${query.to}T00:00:00Z`),
        serviceIds: query.serviceIds,
        aggregationPeriod: commonTypes.TimeGrouping.DAY,
      });
      const raw = await paced(() => unary(consumption.getServiceUsageReport.bind(consumption), request, call));
      try {
        return readServiceUsageReport(raw, query);
      } catch (error) {
        throw error instanceof BadResponse ? badResponse(call, error) : error;
      }
    },

    close() {
      for (const client of clients) client.close();
    },
  };
}
