export { createBillingApi, type BillingApiOptions } from './billing-api';
export { BILLING_ENDPOINT_FORMS, isBillingEndpoint, parseBillingEndpoint } from './endpoint';
export { createBillingApiFromConfig } from './from-config';
