import { describe, expect, it } from 'vitest';
import { parseBillingEndpoint } from '../../shared/adapters/billing/endpoint';
import { BadResponse, readServicesPage, readServiceUsageReport } from '../../shared/adapters/billing/responses';
import { loadConfig } from '../../shared/config';

const range = { from: '2026-01-01', to: '2026-01-31' };
const report = (periodic: unknown[], currency = 1) => ({
  currency,
  entitiesData: [{ service: { id: 's1', name: 'S1', description: '' }, periodic }],
});

describe('reading Billing API answers', () => {
  it('reads a DAY period as the same Moscow day whether Billing stamps it at 00:00 UTC or 00:00 Moscow time', () => {
    const rows = readServiceUsageReport(
      report([
        { timestamp: new Date('2026-01-10T00:00:00Z'), cost: { value: '1.5' } },
        { timestamp: new Date('2026-01-10T21:00:00Z'), cost: { value: '2' } },
      ]),
      range,
    );
    expect(rows.map((r) => [r.day, r.cost, r.credit, r.expense])).toEqual([
      ['2026-01-10', 1_500_000_000n, 0n, 0n],
      ['2026-01-11', 2_000_000_000n, 0n, 0n],
    ]);
  });

  it('refuses money with more than 9 fractional digits instead of rounding it', () => {
    expect(() =>
      readServiceUsageReport(report([{ timestamp: new Date('2026-01-10T00:00:00Z'), cost: { value: '0.0000000001' } }]), range),
    ).toThrow(/entitiesData\[0\]\.periodic\[0\]\.cost\.value: expected a decimal string with at most 9 fractional digits/);
  });

  it('refuses an unspecified currency, a period outside the range asked and a day reported twice', () => {
    const day = { timestamp: new Date('2026-01-10T00:00:00Z') };
    expect(() => readServiceUsageReport(report([day], 0), range)).toThrow(/currency is unspecified or unknown/);
    expect(() => readServiceUsageReport(report([{ timestamp: new Date('2026-02-01T00:00:00Z') }]), range)).toThrow(
      /outside 2026-01-01\.\.2026-01-31/,
    );
    expect(() => readServiceUsageReport(report([day, day]), range)).toThrow(BadResponse);
  });

  it('refuses a service without an id', () => {
    expect(() => readServicesPage({ services: [{ id: '', name: 'x', description: '' }], nextPageToken: '' })).toThrow(
      /services\[0\]\.id: empty id/,
    );
  });
});

describe('Billing API endpoint and configuration', () => {
  it('speaks plaintext only to a grpc:// endpoint, TLS to grpcs:// and to a bare host:port', () => {
    expect(parseBillingEndpoint('grpc://127.0.0.1:5051')).toEqual({ address: '127.0.0.1:5051', tls: false });
    expect(parseBillingEndpoint('grpcs://billing.api.cloud.yandex.net:443')).toEqual({
      address: 'billing.api.cloud.yandex.net:443',
      tls: true,
    });
    expect(parseBillingEndpoint('billing.api.cloud.yandex.net:443')).toEqual({ address: 'billing.api.cloud.yandex.net:443', tls: true });
    expect(() => parseBillingEndpoint('https://billing.api.cloud.yandex.net')).toThrow(/grpc:\/\/host:port/);
  });

  it('accepts YC_IAM_TOKEN and BILLING_API_ENDPOINT and rejects an endpoint of another form', () => {
    const config = loadConfig({ YC_IAM_TOKEN: 't1.x', BILLING_API_ENDPOINT: 'grpc://127.0.0.1:5051' });
    expect([config.YC_IAM_TOKEN, config.BILLING_API_ENDPOINT]).toEqual(['t1.x', 'grpc://127.0.0.1:5051']);
    expect(() => loadConfig({ BILLING_API_ENDPOINT: 'http://x' })).toThrow(/BILLING_API_ENDPOINT: expected grpc:\/\/host:port/);
  });
});
