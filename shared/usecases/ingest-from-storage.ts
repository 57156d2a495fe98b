/**
 * Use case: ingest billing exports from Object Storage — the objects named by a trigger batch or
 * a manual invoke, or every export under a prefix (backfill). Each object goes through
 * `ingestExport` on its own: a rejected file (I2) or an unexpected error on one object is
 * reported for that object and never loses or blocks the others. Used by the ingest-usage
 * function and by the CLI's `ingest s3://bucket/prefix`.
 */
import { RebatesError } from '../errors';
import type { IngestStatus } from '../domain/model';
import type { ExportObject, ObjectLocation, StorageExportSource } from '../ports/export-source';
import { ingestExport, type IngestDeps, type IngestOutcome } from './ingest-export';
import { errorFields, type Logger } from '../runtime/logger';

export type { ObjectLocation, StorageExportSource } from '../ports/export-source';

export interface IngestFromStorageDeps extends IngestDeps {
  source: StorageExportSource;
  logger: Logger;
  /** Asked before each object of a backfill; true stops it early with `resumeAfter` set (function timeout). */
  shouldStop?: () => boolean;
}

export interface ObjectTarget extends ObjectLocation {
  /** Set: do not read the object, report it `ignored` with this reason (e.g. a delete event). */
  skipReason?: string | undefined;
  /**
   * True for trigger events: an object that no longer exists was deleted after its event was
   * sent; retrying cannot bring it back, so it is `ignored` rather than `failed`.
   */
  ignoreIfMissing?: boolean | undefined;
}

export type StorageIngestRequest =
  | { kind: 'objects'; objects: ObjectTarget[] }
  | { kind: 'prefix'; bucket: string; prefix: string; startAfter?: string | undefined };

/** `failed`: an unexpected error (read, store) — worth a retry. `ignored`: nothing to ingest (a delete). */
export type ItemStatus = IngestStatus | 'failed' | 'ignored';

export interface IngestItemResult {
  bucket: string;
  key: string;
  status: ItemStatus;
  rows: number;
  accountDaysApplied: number;
  accountDaysStale: number;
  /** Account-days that arrived with the stored version but other content (I1; settled by digest). */
  conflicts: number;
  reason: string | null;
}

export interface IngestFromStorageResult {
  /** True when every object was applied, stale or ignored, without a version conflict. */
  ok: boolean;
  counts: Record<ItemStatus, number>;
  items: IngestItemResult[];
  /** Set when a backfill stopped early: re-invoke with `startAfter` = this key to continue. */
  resumeAfter: string | null;
}

export async function ingestFromStorage(deps: IngestFromStorageDeps, request: StorageIngestRequest): Promise<IngestFromStorageResult> {
  const items: IngestItemResult[] = [];
  let resumeAfter: string | null = null;

  if (request.kind === 'objects') {
    for (const { bucket, key, skipReason, ignoreIfMissing } of request.objects) {
      items.push(
        skipReason !== undefined
          ? ignoreObject(deps.logger, { bucket, key }, skipReason)
          : await ingestOne(deps, { bucket, key }, () => deps.source.exportObject(bucket, key), ignoreIfMissing ?? false),
      );
    }
  } else {
    const { bucket, prefix } = request;
    let lastKey = request.startAfter ?? null;
    try {
      for await (const object of deps.source.listExports(bucket, prefix, request.startAfter ? { startAfter: request.startAfter } : {})) {
        const location = object.location ?? { bucket, key: object.key };
        // At least one object per invocation, so re-invoking with `resumeAfter` always progresses.
        if (items.length > 0 && deps.shouldStop?.()) {
          resumeAfter = lastKey;
          deps.logger.warn('backfill stopped early; re-invoke with startAfter to continue', { bucket, prefix, resume_after: lastKey });
          break;
        }
        items.push(await ingestOne(deps, location, async () => object));
        lastKey = location.key;
      }
    } catch (error) {
      // The listing itself failed (not one object): report it as a failed item for the prefix.
      deps.logger.error('listing exports failed', { bucket, prefix, after_key: lastKey, ...errorFields(error) });
      items.push(failedItem({ bucket, key: prefix }, error));
    }
  }

  const counts: Record<ItemStatus, number> = { applied: 0, stale: 0, rejected: 0, failed: 0, ignored: 0 };
  for (const item of items) counts[item.status] += 1;
  const conflicts = items.reduce((n, i) => n + i.conflicts, 0);
  const ok = counts.failed === 0 && counts.rejected === 0 && conflicts === 0;
  deps.logger[ok ? 'info' : 'warn']('ingest finished', { ...counts, conflicts, objects: items.length, resume_after: resumeAfter });
  return { ok, counts, items, resumeAfter };
}

async function ingestOne(
  deps: IngestFromStorageDeps,
  location: ObjectLocation,
  load: () => Promise<ExportObject>,
  ignoreIfMissing = false,
): Promise<IngestItemResult> {
  const logger = deps.logger.child({ bucket: location.bucket, key: location.key });
  try {
    let object: ExportObject;
    try {
      object = await load();
    } catch (error) {
      if (!ignoreIfMissing || (error as { code?: unknown } | null)?.code !== 'OBJECT_NOT_FOUND') throw error;
      return ignoreObject(deps.logger, location, 'object no longer exists: deleted after the event was sent');
    }
    const outcome = await ingestExport(deps, object);
    logOutcome(logger, outcome);
    return {
      bucket: location.bucket,
      key: location.key,
      status: outcome.status,
      rows: outcome.rows,
      accountDaysApplied: outcome.accountDaysApplied,
      accountDaysStale: outcome.accountDaysStale,
      conflicts: outcome.conflictCount,
      reason: outcome.reason,
    };
  } catch (error) {
    // Unexpected (S3 read error, store unavailable): this object only; the others go on.
    logger.error('export ingest failed', errorFields(error));
    return failedItem(location, error);
  }
}

function logOutcome(logger: Logger, outcome: IngestOutcome): void {
  const fields = {
    status: outcome.status,
    rows: outcome.rows,
    bytes: outcome.bytes,
    account_days_applied: outcome.accountDaysApplied,
    account_days_stale: outcome.accountDaysStale,
    ingest_log_id: outcome.logId,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...(outcome.status === 'rejected' ? { problem_count: outcome.problemCount } : {}),
    ...(outcome.conflictCount > 0 ? { version_conflicts: outcome.conflictCount } : {}),
  };
  if (outcome.status === 'rejected') logger.error('export rejected', fields);
  else if (outcome.conflictCount > 0)
    logger.warn('export had version conflicts: same version, different content (settled by content digest)', fields);
  else if (outcome.status === 'stale') logger.warn('export stale: every account-day is older than stored data', fields);
  else logger.info('export applied', fields);
}

function ignoreObject(logger: Logger, location: ObjectLocation, reason: string): IngestItemResult {
  logger.info('object ignored', { bucket: location.bucket, key: location.key, reason });
  return {
    bucket: location.bucket,
    key: location.key,
    status: 'ignored',
    rows: 0,
    accountDaysApplied: 0,
    accountDaysStale: 0,
    conflicts: 0,
    reason,
  };
}

function failedItem(location: ObjectLocation, error: unknown): IngestItemResult {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    bucket: location.bucket,
    key: location.key,
    status: 'failed',
    rows: 0,
    accountDaysApplied: 0,
    accountDaysStale: 0,
    conflicts: 0,
    reason,
  };
}

export class IngestRetryError extends RebatesError {
  constructor(readonly result: IngestFromStorageResult) {
    const failed = result.items.filter((i) => i.status === 'failed').map((i) => `s3://${i.bucket}/${i.key}: ${i.reason}`);
    super(
      'INGEST_RETRY',
      `${failed.length} of ${result.items.length} object(s) failed; the trigger will retry the batch:\n  ${failed.join('\n  ')}`,
    );
  }
}

/**
 * Retry policy. A trigger batch with an unexpected failure (S3 read error, store down) is thrown
 * after every object was tried, so the trigger redelivers it (retry_attempts, then the DLQ);
 * redelivery is harmless because re-applying a file is idempotent (I1). Rejected and stale files
 * are outcomes recorded in the ingest log, not failures: retrying cannot change them, so they
 * never loop. Manual invokes return every item; the operator re-invokes.
 */
export function throwForTriggerRetry(eventKind: string, result: IngestFromStorageResult): void {
  if (eventKind === 'storage-trigger' && result.counts.failed > 0) throw new IngestRetryError(result);
}
