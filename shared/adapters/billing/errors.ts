/**
 * Turns a gRPC failure of a Billing API call into a BillingApiError that says what to fix. The
 * roles are those of Yandex Cloud Billing's access management (yandex-cloud/docs,
 * en/billing/security/index.md): `billing.accounts.partnerViewer` lets an account see a partner's
 * subaccounts; usage reports need the `billing.accounts.getReport` permission on the billing
 * account (the SDK's ConsumptionCoreService docs), which `billing.accounts.viewer` grants, and are
 * limited to 1 request per minute per IP address.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { BillingApiError, type BillingErrorCode } from '../../ports/billing';

export type BillingMethod = 'ServiceService.List' | 'CustomerService.List' | 'ConsumptionCoreService.GetServiceUsageReport';

/** What a call was about, for the message: the reseller or billing account it named. */
export interface CallSubject {
  method: BillingMethod;
  /** e.g. `reseller dn2abc…` or `billing account dn2abc…`; absent for the catalog. */
  subject?: string;
  address: string;
}

const ROLE_HINT: Record<BillingMethod, (subject?: string) => string> = {
  'ServiceService.List': () =>
    'the caller may not read the billing service catalog: give its account the billing.accounts.viewer role on the partner billing account',
  'CustomerService.List': (subject) =>
    `the caller may not list the customers of ${subject ?? 'this reseller'}: give its service account the billing.accounts.partnerViewer role on that (partner) billing account`,
  'ConsumptionCoreService.GetServiceUsageReport': (subject) =>
    `the caller may not read the usage of ${subject ?? 'this billing account'}: it needs the billing.accounts.getReport permission there — give its service account the billing.accounts.viewer role on that billing account`,
};

const TOKEN_HINT =
  'the IAM token was refused (missing, malformed or expired — IAM tokens live at most 12 hours): locally set a fresh YC_IAM_TOKEN (e.g. `export YC_IAM_TOKEN=$(yc iam create-token)`); in Cloud Functions give the function a service account so that context.token is present';

function statusName(code: number): string {
  return (status as unknown as Record<number, string>)[code] ?? `status ${code}`;
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;
}

/**
 * Retrying a read is harmless, and worth it when the service was briefly unreachable. Not on
 * RESOURCE_EXHAUSTED: that is the usage API's per-minute limit, which a quick retry only prolongs.
 */
export function isTransient(error: unknown): boolean {
  return isServiceError(error) && error.code === status.UNAVAILABLE;
}

export function toBillingError(error: unknown, call: CallSubject, attempts: number): BillingApiError {
  if (error instanceof BillingApiError) return error;
  const where = `${call.method}${call.subject ? ` for ${call.subject}` : ''}`;
  if (!isServiceError(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new BillingApiError('BILLING_FAILED', call.method, `${where} failed: ${reason}`, null, { cause: error });
  }
  const name = statusName(error.code);
  const said = error.details ? ` (Billing said: ${error.details})` : '';
  const make = (code: BillingErrorCode, message: string) =>
    new BillingApiError(code, call.method, `${where}: ${name}${said} — ${message}`, name, { cause: error });
  switch (error.code) {
    case status.UNAUTHENTICATED:
      return make(
        'BILLING_UNAUTHENTICATED',
        call.method === 'ConsumptionCoreService.GetServiceUsageReport'
          ? `${TOKEN_HINT}; Billing also answers so for a billing account that does not exist — check the id`
          : TOKEN_HINT,
      );
    case status.PERMISSION_DENIED:
      return make('BILLING_PERMISSION_DENIED', ROLE_HINT[call.method](call.subject));
    case status.NOT_FOUND:
      return make('BILLING_NOT_FOUND', `check the id: ${call.subject ?? 'the requested object'} is not known to Billing`);
    case status.INVALID_ARGUMENT:
      return make('BILLING_INVALID_ARGUMENT', 'Billing rejected the request; check the ids and dates given');
    case status.RESOURCE_EXHAUSTED:
      return make(
        'BILLING_RATE_LIMITED',
        'Billing limits usage reports to 1 request per minute per IP address: wait a minute and run again (one process at a time)',
      );
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
      return make(
        'BILLING_UNAVAILABLE',
        `no usable answer from ${call.address} after ${attempts} attempt(s); try again later, and check BILLING_API_ENDPOINT if set (a plaintext endpoint is written grpc://host:port)`,
      );
    default:
      return make('BILLING_FAILED', 'unexpected Billing API failure');
  }
}
