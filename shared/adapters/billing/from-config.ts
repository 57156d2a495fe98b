/**
 * The Billing API adapter as the CLI and the functions build it, from the configuration keys:
 * `BILLING_API_ENDPOINT` (optional override of the SDK's endpoint) and the IAM token — the
 * invocation's `context.token.access_token` when a function has one, else `YC_IAM_TOKEN`.
 * Build it once (module scope in a function) and pass a getter for the current invocation's token.
 */
import type { Config } from '../../config';
import type { BillingApi } from '../../ports/billing';
import { createBillingApi } from './billing-api';

export function createBillingApiFromConfig(
  config: Pick<Config, 'YC_IAM_TOKEN' | 'BILLING_API_ENDPOINT'>,
  contextToken: () => string | undefined = () => undefined,
): BillingApi {
  return createBillingApi({ endpoint: config.BILLING_API_ENDPOINT, iamToken: () => contextToken() ?? config.YC_IAM_TOKEN });
}
