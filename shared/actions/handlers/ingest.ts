/**
 * `ingest`: export files from `s3://bucket/prefix` (the same use case as the ingest-usage
 * function) or, in the CLI, local files and directories. Each file is applied, skipped or
 * rejected on its own (I2); the action fails (exit 1) when any was rejected or failed.
 */
import { s3Url } from '../../adapters/s3/s3-export-source';
import { ingestExport } from '../../ingest/ingest-export';
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
  reason: string | null;
}

const S3_URL = /^s3:\/\/([^/]+)\/?(.*)$/;

async function ingestLocal(deps: ActionDeps, target: string): Promise<IngestedFile[]> {
  const files: IngestedFile[] = [];
  for (const object of await listLocalExports(target)) {
    deps.progress?.(object.key);
    const o = await ingestExport(deps, object);
    files.push({ objectKey: o.objectKey, status: o.status, rows: o.rows, accountDaysApplied: o.accountDaysApplied, accountDaysStale: o.accountDaysStale, reason: o.reason });
  }
  return files;
}

async function ingestS3(deps: ActionDeps, bucket: string, prefix: string, startAfter: string | undefined): Promise<{ files: IngestedFile[]; resumeAfter: string | null }> {
  if (!deps.storage) throw new Error('Object Storage is not configured for this runner');
  const logger = deps.progress ? deps.logger.child({}) : deps.logger;
  const result = await ingestFromStorage(
    { ...deps, source: deps.storage(), logger, ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}) },
    { kind: 'prefix', bucket, prefix, startAfter },
  );
  const files = result.items.map((i) => ({ objectKey: s3Url(i.bucket, i.key), status: i.status, rows: i.rows, accountDaysApplied: i.accountDaysApplied, accountDaysStale: i.accountDaysStale, reason: i.reason }));
  return { files, resumeAfter: result.resumeAfter };
}

export async function ingest(deps: ActionDeps, input: ActionOf<'ingest'>): Promise<ActionResult> {
  const s3Sources = input.sources.filter((s) => S3_URL.test(s));
  if (!deps.localFiles && s3Sources.length !== input.sources.length) {
    const local = input.sources.filter((s) => !S3_URL.test(s));
    return failed({ code: 'INVALID_INPUT', message: `sources: a function reads only s3://bucket/prefix sources, not local paths (${local.join(', ')})` });
  }
  const files: IngestedFile[] = [];
  const errors: string[] = [];
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
        found = await ingestLocal(deps, target);
      }
    } catch (error) {
      errors.push(`${target}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (found.length === 0) errors.push(`${target}: no *.csv export files found`);
    for (const f of found) if (f.status === 'rejected' || f.status === 'failed') errors.push(`${f.status === 'failed' ? `${f.objectKey}: ` : ''}${f.reason}`);
    files.push(...found);
  }

  const count = (status: ItemStatus) => files.filter((f) => f.status === status).length;
  const totals = {
    files: files.length,
    applied: count('applied'),
    stale: count('stale'),
    rejected: count('rejected'),
    failed: count('failed'),
    rows: files.reduce((n, f) => n + f.rows, 0),
    accountDaysApplied: files.reduce((n, f) => n + f.accountDaysApplied, 0),
    accountDaysStale: files.reduce((n, f) => n + f.accountDaysStale, 0),
  };
  const result = { files, totals, ...(resumeAfter !== null ? { resumeAfter } : {}) };
  if (errors.length === 0) return succeeded(result);
  return failed({ code: 'INGEST_REJECTED', message: errors.join('\n') }, { ...result, errors });
}
