/**
 * ingest-usage (§4, §7): Object Storage trigger batches and manual `{bucket,key}` /
 * `{bucket,prefix}` invokes → the ingest-from-storage use case. Config, store and S3 client are
 * built once per instance, on first use.
 */
import { randomUUID } from 'node:crypto';
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { createS3ExportSource } from '../../shared/adapters/s3/s3-export-source';
import type { Store } from '../../shared/ports/store';
import { parseIngestEvent, toStorageIngestRequest } from '../../shared/runtime/events';
import type { FunctionContext } from '../../shared/runtime/function-context';
import { createTokenHolder, functionClock, functionConfig } from '../../shared/runtime/function-runtime';
import { lazy } from '../../shared/runtime/lazy';
import { createLogger, errorFields, type LogLevel } from '../../shared/runtime/logger';
import { openStore } from '../../shared/runtime/open-store';
import {
  ingestFromStorage,
  throwForTriggerRetry,
  type IngestFromStorageResult,
  type StorageExportSource,
} from '../../shared/usecases/ingest-from-storage';

export { IngestRetryError } from '../../shared/usecases/ingest-from-storage';

export interface IngestUsageRuntime {
  store: Store;
  source: StorageExportSource;
  logLevel: LogLevel;
}

/** A backfill stops when less than this remains before the function timeout (one file takes seconds). */
const STOP_MARGIN_MS = 60_000;

/** The IAM token of the latest invocation; the YDB store reads it on every call (openStore). */
const token = createTokenHolder();

export function createIngestUsageHandler(getRuntime: () => Promise<IngestUsageRuntime>) {
  return async (event: unknown, context: FunctionContext): Promise<IngestFromStorageResult> => {
    token.update(context);
    let logger = createLogger({ level: 'info', requestId: context.requestId, fields: { function: 'ingest-usage' } });
    try {
      const { store, source, logLevel } = await getRuntime();
      logger = createLogger({ level: logLevel, requestId: context.requestId, fields: { function: 'ingest-usage' } });
      const parsed = parseIngestEvent(event);
      const remaining = context.getRemainingTimeInMillis;
      const deps = {
        store,
        source,
        logger,
        clock: functionClock,
        newId: randomUUID,
        shouldStop: () => (remaining ? remaining() < STOP_MARGIN_MS : false),
      };
      const result = await ingestFromStorage(deps, toStorageIngestRequest(parsed));
      throwForTriggerRetry(parsed.kind, result);
      return result;
    } catch (error) {
      logger.error('ingest-usage invocation failed', errorFields(error));
      throw error;
    }
  };
}

export const handler = createIngestUsageHandler(
  lazy(async () => {
    const config = functionConfig();
    return {
      store: await openStore(config, { iamToken: token.current, remainingMs: token.remainingMs }),
      source: createS3ExportSource(createS3Client(config)),
      logLevel: config.LOG_LEVEL,
    };
  }),
);
