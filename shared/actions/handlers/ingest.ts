/**
 * `ingest`: export files from `s3://bucket/prefix` (the same use case as the ingest-usage
 * function) or, in the CLI, local files and directories. Each file is applied, skipped or
 * rejected on its own (I2); the action fails (exit 1) when any was rejected or failed.
 */
import { s3Url } from '../../ports/export-source';
import { printable } from '../../domain/identifiers';
import { errorFields } from '../../runtime/logger';
import { ingestExport } from '../../usecases/ingest-export';
import { listLocalExports } from '../../ingest/local-source';
import { ingestFromStorage, type ItemStatus } from '../../usecases/ingest-from-storage';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';

export interface IngestedFile {
  objectKey: string;
  status: ItemStatus;
  rows: number;
  accountDaysApplied: number;
  accountDaysStale: number;
  /** I1: account-days with the stored version but other content (settled by digest; exit 1). */
  conflicts: number;
  reason: string | null;
}

const S3_URL = /^s3:\/\/([^/]+)\/?(.*)$/;

/**
 * Each file on its own: one that fails (the store busy past its bound, or a bug) is reported and
 * the next one goes on, so the totals always count every file. A failure without a code is a bug.
 */
async function ingestLocal(deps: ActionDeps, target: string, bugs: { count: number }): Promise<IngestedFile[]> {
  const files: IngestedFile[] = [];
  const objects = await listLocalExports(target);
  for (const [i, object] of objects.entries()) {
    deps.progress?.(`[${i + 1}/${objects.length}] ${printable(object.key)}`);
    try {
      const o = await ingestExport(deps, object);
      files.push({
        objectKey: o.objectKey,
        status: o.status,
        rows: o.rows,
        accountDaysApplied: o.accountDaysApplied,
        accountDaysStale: o.accountDaysStale,
        conflicts: o.conflictCount,
        reason: o.reason,
      });
    } catch (error) {
      const expected = typeof (error as { code?: unknown } | null)?.code === 'string';
      if (!expected) {
        bugs.count += 1;
        deps.logger.error('ingest of one file failed unexpectedly', errorFields(error));
      }
      const message = `${expected ? '' : 'internal error (a bug): '}${error instanceof Error ? error.message : String(error)}`;
      files.push({
        objectKey: object.key,
        status: 'failed',
        rows: 0,
        accountDaysApplied: 0,
        accountDaysStale: 0,
        conflicts: 0,
        reason: message,
      });
    }
  }
  return files;
}

async function ingestS3(
  deps: ActionDeps,
  bucket: string,
  prefix: string,
  startAfter: string | undefined,
): Promise<{ files: IngestedFile[]; resumeAfter: string | null }> {
  if (!deps.storage) throw new Error('Object Storage is not configured for this runner');
  const logger = deps.progress ? deps.logger.child({}) : deps.logger;
  const result = await ingestFromStorage(
    { ...deps, source: deps.storage(), logger, ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}) },
    { kind: 'prefix', bucket, prefix, startAfter },
  );
  const files = result.items.map((i) => ({
    objectKey: s3Url(i.bucket, i.key),
    status: i.status,
    rows: i.rows,
    accountDaysApplied: i.accountDaysApplied,
    accountDaysStale: i.accountDaysStale,
    conflicts: i.conflicts,
    reason: i.reason,
  }));
  return { files, resumeAfter: result.resumeAfter };
}

export async function ingest(deps: ActionDeps, input: ActionOf<'ingest'>): Promise<ActionResult> {
  const s3Sources = input.sources.filter((s) => S3_URL.test(s));
  if (!deps.localFiles && s3Sources.length !== input.sources.length) {
    const local = input.sources.filter((s) => !S3_URL.test(s));
    return failed({
      code: 'INVALID_INPUT',
      message: `sources: a function reads only s3://bucket/prefix sources, not local paths (${local.join(', ')})`,
    });
  }
  const files: IngestedFile[] = [];
  const errors: string[] = [];
  // A file that failed because of a bug (an error without a code) makes the action an internal error.
  const bugs = { count: 0 };
  let resumeAfter: string | null = null;
  for (const target of input.sources) {
    const s3 = S3_URL.exec(target);
    let found: IngestedFile[];
    try {
      if (s3) {
        const r = await ingestS3(deps, s3[1]!, s3[2] ?? '', input.startAfter);
        found = r.files;
        resumeAfter ??= r.resumeAfter;
      } else {
        found = await ingestLocal(deps, target, bugs);
      }
    } catch (error) {
      errors.push(`${target}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (found.length === 0) errors.push(`${target}: no *.csv export files found`);
    for (const f of found) {
      if (f.status === 'rejected' || f.status === 'failed') errors.push(`${f.status === 'failed' ? `${f.objectKey}: ` : ''}${f.reason}`);
      else if (f.conflicts > 0) errors.push(`${f.objectKey}: ${f.reason}`);
    }
    files.push(...found);
  }

  const count = (status: ItemStatus) => files.filter((f) => f.status === status).length;
  const totals = {
    files: files.length,
    applied: count('applied'),
    stale: count('stale'),
    rejected: count('rejected'),
    failed: count('failed'),
    conflicts: files.reduce((n, f) => n + f.conflicts, 0),
    rows: files.reduce((n, f) => n + f.rows, 0),
    accountDaysApplied: files.reduce((n, f) => n + f.accountDaysApplied, 0),
    accountDaysStale: files.reduce((n, f) => n + f.accountDaysStale, 0),
  };
  const result = { files, totals, ...(resumeAfter !== null ? { resumeAfter } : {}) };
  if (errors.length === 0) return succeeded(result);
  // Names from outside (file names) are printed with control characters escaped.
  const details = errors.map(printable);
  return failed(
    { code: bugs.count > 0 ? 'INTERNAL' : 'INGEST_REJECTED', message: `${details.length} problem(s); see details`, details },
    result,
  );
}
