/**
 * What the operator function gives an action: the instance's store and rules, Object Storage and
 * the Billing API built once per instance (the Billing API asks for the current invocation's IAM
 * token on every call), no local files, no default actor (changes must name one, R12), and a
 * backfill that stops before the function's timeout.
 */
import { randomUUID } from 'node:crypto';
import { createBillingApiFromConfig } from '../adapters/billing/from-config';
import { createS3Client } from '../adapters/s3/s3-client';
import { createS3ExportSource } from '../adapters/s3/s3-export-source';
import type { ActionDeps } from '../actions/deps';
import type { BillingApi } from '../ports/billing';
import type { StorageExportSource } from '../usecases/ingest-from-storage';
import type { FunctionContext } from './function-context';
import type { FunctionRuntime, TokenHolder } from './function-runtime';
import type { Logger } from './logger';
import { migrateStore } from './migrate-store';

/** A backfill stops when less than this remains before the function timeout. */
const STOP_MARGIN_MS = 60_000;

export interface OperatorOptions {
  clock?: () => Date;
  /** Object Storage; by default an S3 client from the configuration. */
  storage?: (config: FunctionRuntime['config']) => StorageExportSource;
  /** The Billing API; by default built from the configuration with the invocation's IAM token. */
  billing?: (config: FunctionRuntime['config']) => BillingApi;
}

export function operatorDepsFactory(token: TokenHolder, options: OperatorOptions = {}) {
  const clock = options.clock ?? (() => new Date());
  const storage = options.storage ?? ((config: FunctionRuntime['config']) => createS3ExportSource(createS3Client(config)));
  let billingApi: BillingApi | undefined;
  const billing = (config: FunctionRuntime['config']) =>
    (billingApi ??= (options.billing ?? ((c) => createBillingApiFromConfig(c, token.current)))(config));
  return ({ store, rules, config }: FunctionRuntime, context: FunctionContext, logger: Logger): ActionDeps => {
    const remaining = context.getRemainingTimeInMillis;
    return {
      store,
      rules,
      clock,
      newId: randomUUID,
      logger,
      localFiles: false,
      storage: () => storage(config),
      billing: () => billing(config),
      migrate: () => migrateStore(config, { iamToken: token.current }),
      shouldStop: () => (remaining ? remaining() < STOP_MARGIN_MS : false),
    };
  };
}
