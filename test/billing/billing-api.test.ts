import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createBillingApi, createBillingApiFromConfig } from '../../shared/adapters/billing';
import { loadConfig } from '../../shared/config';
import { formatMoney } from '../../shared/domain/money';
import { BillingApiError, type BillingApi } from '../../shared/ports/billing';
import { startFakeBillingApi, type FakeBillingApi, type FakeBillingData } from './fake-billing-api';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/billing/catalog.json', import.meta.url), 'utf8')) as FakeBillingData & {
  token: string;
};
const RESELLER = 'dn2partneracme000001';

let fake: FakeBillingApi;
const opened: BillingApi[] = [];

function api(token: () => string | undefined = () => fixture.token, extra: { pageSize?: number; retries?: number } = {}): BillingApi {
  const billing = createBillingApi({ iamToken: token, endpoint: fake.endpoint, retryDelayMs: 1, usageReportIntervalMs: 0, ...extra });
  opened.push(billing);
  return billing;
}

async function failure(promise: Promise<unknown>): Promise<BillingApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BillingApiError);
  return error as BillingApiError;
}

beforeAll(async () => {
  fake = await startFakeBillingApi(fixture);
});
afterEach(() => {
  fake.calls.length = 0;
  for (const billing of opened.splice(0)) billing.close();
});
afterAll(async () => fake.close());

describe('Billing API adapter against the in-process Billing API fake', () => {
  it('lists every service across several pages, passing each next_page_token back', async () => {
    const services = await api(undefined, { pageSize: 4 }).listServices();
    expect(services).toHaveLength(15);
    expect(services.map((s) => s.id)).toContain('dn2tracker0fake00001');
    expect(services.find((s) => s.name === 'Tracker')).toEqual({
      id: 'dn2tracker0fake00001',
      name: 'Tracker',
      description: 'Task tracker',
    });
    expect(fake.calls.map((c) => c.request.pageSize)).toEqual([4, 4, 4, 4]);
    const tokens = fake.calls.map((c) => c.request.pageToken);
    expect(tokens[0]).toBe('');
    expect(new Set(tokens).size).toBe(4);
  });

  it('sends the IAM token it is given as "Authorization: Bearer <token>", asking for it on every call', async () => {
    let token = fixture.token;
    const billing = api(() => token);
    await billing.listServices();
    token = 'a-rotated-token';
    await expect(billing.listServices()).rejects.toThrow(BillingApiError);
    expect(fake.calls.map((c) => c.authorization)).toEqual([`Bearer ${fixture.token}`, 'Bearer a-rotated-token']);
  });

  it("lists a reseller's customers across pages", async () => {
    const customers = await api(undefined, { pageSize: 2 }).listCustomers(RESELLER);
    expect(customers).toEqual([
      { id: 'cust-1', billingAccountId: 'dn2subacc0000000001' },
      { id: 'cust-2', billingAccountId: 'dn2subacc0000000002' },
      { id: 'cust-3', billingAccountId: 'dn2subacc0000000003' },
    ]);
    expect(fake.calls.map((c) => [c.request.resellerId, c.request.pageSize])).toEqual([
      [RESELLER, 2],
      [RESELLER, 2],
    ]);
  });

  it("returns Billing's daily totals per service as exact nano-units, filtered to the services and days asked", async () => {
    const rows = await api().usageReport({
      billingAccountId: 'dn2subacc0000000001',
      from: '2026-01-10',
      to: '2026-01-11',
      serviceIds: ['dn2m45g7b9fhfnpqs0je'],
    });
    expect(
      rows.map((r) => [
        r.serviceId,
        r.serviceName,
        r.day,
        r.currency,
        formatMoney(r.cost, 0),
        formatMoney(r.credit, 0),
        formatMoney(r.expense, 0),
      ]),
    ).toEqual([
      ['dn2m45g7b9fhfnpqs0je', 'SpeechSense', '2026-01-10', 'RUB', '200.123456789', '-50', '150.123456789'],
      ['dn2m45g7b9fhfnpqs0je', 'SpeechSense', '2026-01-11', 'RUB', '0.000000001', '0', '0.000000001'],
    ]);
    const request = fake.calls[0]?.request as { aggregationPeriod: number; startDate: Date; endDate: Date; serviceIds: string[] };
    expect([request.aggregationPeriod, request.startDate.toISOString(), request.endDate.toISOString(), request.serviceIds]).toEqual([
      1,
      '2026-01-10T00:00:00.000Z',
      '2026-01-11T00:00:00.000Z',
      ['dn2m45g7b9fhfnpqs0je'],
    ]);
  });

  it('keeps amounts beyond the range of a JS number exact', async () => {
    const rows = await api().usageReport({ billingAccountId: 'dn2subacc0000000001', from: '2026-01-10', to: '2026-01-10', serviceIds: [] });
    expect(rows.map((r) => [r.serviceId, formatMoney(r.cost, 0)])).toEqual([
      ['dn22pas77ftg9h3f2djj', '1234567890123.5'],
      ['dn2m45g7b9fhfnpqs0je', '200.123456789'],
    ]);
  });

  it('says how to get a token when there is none, without calling Billing', async () => {
    const error = await failure(api(() => undefined).listServices());
    expect(error.code).toBe('BILLING_NO_TOKEN');
    expect(error.message).toMatch(/YC_IAM_TOKEN/);
    expect(error.message).toMatch(/context\.token/);
    expect(fake.calls).toHaveLength(0);
  });

  it('maps a refused token to BILLING_UNAUTHENTICATED, naming the fix and keeping the gRPC error as cause', async () => {
    const error = await failure(api(() => 'expired-token').listServices());
    expect([error.code, error.grpcStatus, error.method]).toEqual(['BILLING_UNAUTHENTICATED', 'UNAUTHENTICATED', 'ServiceService.List']);
    expect(error.message).toMatch(/expired/);
    expect(error.message).toMatch(/yc iam create-token/);
    expect((error.cause as { code: number }).code).toBe(16);
    expect(fake.calls[0]?.authorization).toBe('Bearer expired-token');
  });

  it('maps PERMISSION_DENIED on the customer list to the role the service account needs on the reseller', async () => {
    fake.failNext('CustomerService.List', 'PERMISSION_DENIED', { message: 'Permission denied' });
    const error = await failure(api().listCustomers(RESELLER));
    expect([error.code, error.grpcStatus]).toEqual(['BILLING_PERMISSION_DENIED', 'PERMISSION_DENIED']);
    expect(error.message).toContain(`reseller ${RESELLER}`);
    expect(error.message).toContain('billing.accounts.partnerViewer');
    expect(error.message).toContain('Billing said: Permission denied');
  });

  it('maps PERMISSION_DENIED on a usage report to billing.accounts.viewer on that billing account', async () => {
    const error = await failure(
      api().usageReport({ billingAccountId: 'dn2notmine0000000001', from: '2026-01-01', to: '2026-01-31', serviceIds: [] }),
    );
    expect(error.code).toBe('BILLING_PERMISSION_DENIED');
    expect(error.message).toContain('billing account dn2notmine0000000001');
    expect(error.message).toContain('billing.accounts.getReport');
    expect(error.message).toContain('billing.accounts.viewer');
  });

  it("spaces its usage-report calls, as Billing's 1-per-minute limit requires (limit shortened in the fake)", async () => {
    const limited = await startFakeBillingApi({ ...fixture, usageReportMinIntervalMs: 200 });
    const billing = createBillingApi({ iamToken: () => fixture.token, endpoint: limited.endpoint, usageReportIntervalMs: 300 });
    try {
      const query = { billingAccountId: 'dn2subacc0000000001', from: '2026-01-10', to: '2026-01-10', serviceIds: [] };
      const [first, second] = await Promise.all([billing.usageReport(query), billing.usageReport(query)]);
      expect(second).toEqual(first);
      const [a, b] = limited.calls.map((c) => c.receivedAt);
      expect((b ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(200);
    } finally {
      billing.close();
      await limited.close();
    }
  });

  it('maps the usage API rate limit to BILLING_RATE_LIMITED without hammering it with retries', async () => {
    const limited = await startFakeBillingApi({ ...fixture, usageReportMinIntervalMs: 60_000 });
    const billing = createBillingApi({
      iamToken: () => fixture.token,
      endpoint: limited.endpoint,
      usageReportIntervalMs: 0,
      retryDelayMs: 1,
    });
    try {
      const query = { billingAccountId: 'dn2subacc0000000001', from: '2026-01-10', to: '2026-01-10', serviceIds: [] };
      await billing.usageReport(query);
      const error = await failure(billing.usageReport(query));
      expect([error.code, error.grpcStatus]).toEqual(['BILLING_RATE_LIMITED', 'RESOURCE_EXHAUSTED']);
      expect(error.message).toMatch(/1 request per minute per IP address/);
      expect(limited.calls).toHaveLength(2);
    } finally {
      billing.close();
      await limited.close();
    }
  });

  it('retries a transient UNAVAILABLE and then succeeds', async () => {
    fake.failNext('ServiceService.List', 'UNAVAILABLE');
    const services = await api().listServices();
    expect(services).toHaveLength(15);
    expect(fake.calls).toHaveLength(2);
  });

  it('gives up after its retries when Billing stays UNAVAILABLE, saying how many attempts were made', async () => {
    fake.failNext('*', 'UNAVAILABLE', { times: 3 });
    const error = await failure(api(undefined, { retries: 2 }).listServices());
    expect(error.code).toBe('BILLING_UNAVAILABLE');
    expect(error.message).toMatch(/after 3 attempt\(s\)/);
    expect(error.message).toContain(fake.endpoint.replace('grpc://', ''));
    expect(fake.calls).toHaveLength(3);
  });

  it('is built from BILLING_API_ENDPOINT and YC_IAM_TOKEN, a function invocation token taking precedence', async () => {
    const config = loadConfig({ BILLING_API_ENDPOINT: fake.endpoint, YC_IAM_TOKEN: fixture.token });
    let contextToken: string | undefined;
    const billing = createBillingApiFromConfig(config, () => contextToken);
    opened.push(billing);
    await billing.listServices();
    contextToken = 'function-context-token';
    await expect(billing.listServices()).rejects.toMatchObject({ code: 'BILLING_UNAUTHENTICATED' });
    expect(fake.calls.map((c) => c.authorization)).toEqual([`Bearer ${fixture.token}`, 'Bearer function-context-token']);
  });

  it('rejects a usage range that ends before it starts, without calling Billing', async () => {
    const error = await failure(
      api().usageReport({ billingAccountId: 'dn2subacc0000000001', from: '2026-02-01', to: '2026-01-01', serviceIds: [] }),
    );
    expect(error.code).toBe('BILLING_INVALID_ARGUMENT');
    expect(fake.calls).toHaveLength(0);
  });
});
