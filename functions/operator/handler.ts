/**
 * operator (§7, §8): manual invokes only. The body is an action of the shared schema
 * (`{ "action": "partner.link", ... }`), the same the CLI builds from argv; it runs through the same
 * use cases. Returns `{ ok, action, result }` or `{ ok: false, error }` — an unknown action or a bad
 * field is answered with what is valid, and nothing is written.
 */
import { randomUUID } from 'node:crypto';
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { createS3ExportSource } from '../../shared/adapters/s3/s3-export-source';
import { createBillingApiFromConfig } from '../../shared/adapters/billing/from-config';
import type { BillingApi } from '../../shared/ports/billing';
import type { ActionResult } from '../../shared/actions/deps';
import { runAction } from '../../shared/actions/run-action';
import { ActionValidationError, parseAction } from '../../shared/actions/schema';
import type { FunctionContext } from '../../shared/runtime/function-context';
import { createTokenHolder, functionClock, functionRuntime, type FunctionRuntime } from '../../shared/runtime/function-runtime';
import { createLogger, errorFields } from '../../shared/runtime/logger';
import { migrateStore } from '../../shared/runtime/migrate-store';
import type { StorageExportSource } from '../../shared/usecases/ingest-from-storage';

export type OperatorResponse = ({ action: string } & ActionResult) | { ok: false; action: string | null; error: { code: string; message: string; problems?: string[] } };

/** A backfill stops when less than this remains before the function timeout. */
const STOP_MARGIN_MS = 60_000;

export interface OperatorOptions {
  clock?: () => Date;
  /** Object Storage; by default an S3 client from the configuration. */
  storage?: (config: FunctionRuntime['config']) => StorageExportSource;
  /** The Billing API; by default built from the configuration with the invocation's IAM token. */
  billing?: (config: FunctionRuntime['config']) => BillingApi;
}

export function createOperatorHandler(getRuntime: () => Promise<FunctionRuntime>, options: OperatorOptions = {}) {
  const clock = options.clock ?? functionClock;
  const storage = options.storage ?? ((config: FunctionRuntime['config']) => createS3ExportSource(createS3Client(config)));
  // Built once per instance; it asks for the current invocation's token on every call.
  let billingApi: BillingApi | undefined;
  const billing = (config: FunctionRuntime['config']) => (billingApi ??= (options.billing ?? ((c) => createBillingApiFromConfig(c, token.current)))(config));
  return async (event: unknown, context: FunctionContext): Promise<OperatorResponse> => {
    token.update(context);
    const logger = createLogger({ level: 'info', requestId: context.requestId, fields: { function: 'operator' } });
    const name = typeof event === 'object' && event !== null && typeof (event as { action?: unknown }).action === 'string' ? (event as { action: string }).action : null;
    try {
      const action = parseAction(event === '' ? undefined : event);
      const { store, rules, config } = await getRuntime();
      const remaining = context.getRemainingTimeInMillis;
      const outcome = await runAction(
        {
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
        },
        action,
      );
      logger[outcome.ok ? 'info' : 'warn'](`${action.action} ${outcome.ok ? 'done' : 'rejected'}`, { action: action.action, ...(outcome.ok ? {} : { error: outcome.error }) });
      return { action: action.action, ...outcome };
    } catch (error) {
      if (error instanceof ActionValidationError) {
        logger.warn('invalid action', { action: name, problems: error.problems });
        return { ok: false, action: name, error: { code: error.code, message: error.message, problems: error.problems } };
      }
      logger.error('operator invocation failed', { action: name, ...errorFields(error) });
      throw error;
    }
  };
}

const token = createTokenHolder();
export const handler = createOperatorHandler(functionRuntime(token));
