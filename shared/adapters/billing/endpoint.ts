/**
 * Where the Billing API adapter connects. Without an override it is the SDK's own endpoint for
 * the service (`billing.api.cloud.yandex.net:443`), over TLS. `BILLING_API_ENDPOINT` overrides
 * it: `grpc://host:port` is plaintext (the in-process fake, the deploy rehearsal); `grpcs://host:port`
 * and a bare `host:port` use TLS — a bearer token never leaves in plaintext unless asked to.
 */
export interface BillingEndpoint {
  /** `host:port`, what a gRPC channel takes. */
  address: string;
  tls: boolean;
}

const ENDPOINT_RE = /^(?:(grpcs?):\/\/)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})\/?$/;

export const BILLING_ENDPOINT_FORMS = 'grpc://host:port (plaintext), grpcs://host:port or host:port (TLS)';

export function isBillingEndpoint(value: string): boolean {
  return ENDPOINT_RE.test(value);
}

export function parseBillingEndpoint(value: string): BillingEndpoint {
  const match = ENDPOINT_RE.exec(value);
  if (!match) throw new RangeError(`Billing API endpoint "${value}" is not one of: ${BILLING_ENDPOINT_FORMS}`);
  const [, scheme, host, port] = match;
  return { address: `${host}:${port}`, tls: scheme !== 'grpc' };
}
