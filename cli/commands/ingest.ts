/**
 * `ingest PATH_OR_URL...` — local files, directories (their *.csv) or s3://bucket/prefix (§4, §8).
 * `s3://` goes through the same use case as the ingest-usage function (ingestFromStorage).
 */
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { createS3ExportSource, s3Url } from '../../shared/adapters/s3/s3-export-source';
import type { Config } from '../../shared/config';
import { printable } from '../../shared/domain/identifiers';
import { ingestExport } from '../../shared/ingest/ingest-export';
import { listLocalExports } from '../../shared/ingest/local-source';
import { createLogger } from '../../shared/runtime/logger';
import type { Deps } from '../../shared/usecases/deps';
import { ingestFromStorage, type ItemStatus } from '../../shared/usecases/ingest-from-storage';
import { parseCommand, UsageError } from '../args';
import { EXIT, type CommandOutput } from '../output';
import { renderTable } from '../table';

const USAGE = 'ingest PATH_OR_URL... [--json]   (file, directory of *.csv, or s3://bucket/prefix)';

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

/**
 * Each file on its own: one that fails (the store busy past its bound, or a bug) is reported and
 * the next one goes on, so the totals always count every file.
 */
async function ingestLocal(deps: Deps, target: string, progress: (line: string) => void, bugs: { count: number }): Promise<IngestedFile[]> {
  const files: IngestedFile[] = [];
  const objects = await listLocalExports(target);
  for (const [i, object] of objects.entries()) {
    progress(`[${i + 1}/${objects.length}] ${object.key}`);
    try {
      const o = await ingestExport(deps, object);
      files.push({ objectKey: o.objectKey, status: o.status, rows: o.rows, accountDaysApplied: o.accountDaysApplied, accountDaysStale: o.accountDaysStale, conflicts: o.conflicts.length, reason: o.reason });
    } catch (error) {
      const expected = typeof (error as { code?: unknown } | null)?.code === 'string';
      if (!expected) {
        bugs.count += 1;
        console.error(error);
      }
      const message = `${expected ? '' : 'internal error (a bug): '}${error instanceof Error ? error.message : String(error)}`;
      files.push({ objectKey: object.key, status: 'failed', rows: 0, accountDaysApplied: 0, accountDaysStale: 0, conflicts: 0, reason: message });
    }
  }
  return files;
}

async function ingestS3(deps: Deps, config: Config, bucket: string, prefix: string, progress: (line: string) => void): Promise<IngestedFile[]> {
  // The use case logs one JSON line per object; on a terminal they are the progress display.
  const logger = createLogger({ level: 'info', write: (line) => progress(line) });
  const source = createS3ExportSource(createS3Client(config));
  const result = await ingestFromStorage({ ...deps, source, logger }, { kind: 'prefix', bucket, prefix });
  return result.items.map((i) => ({ objectKey: s3Url(i.bucket, i.key), status: i.status, rows: i.rows, accountDaysApplied: i.accountDaysApplied, accountDaysStale: i.accountDaysStale, conflicts: i.conflicts, reason: i.reason }));
}

export async function ingestCommand(deps: Deps, config: Config, argv: string[], progress: (line: string) => void): Promise<CommandOutput> {
  const p = parseCommand(argv, {}, USAGE, { positionals: true });
  if (p.positionals.length === 0) throw new UsageError(`nothing to ingest\nusage: ${USAGE}`);
  const files: IngestedFile[] = [];
  const errors: string[] = [];
  // A file that failed because of a bug (an error without a code) makes the command exit 70.
  const bugs = { count: 0 };
  for (const target of p.positionals) {
    const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target);
    let found: IngestedFile[];
    try {
      found = s3 ? await ingestS3(deps, config, s3[1]!, s3[2] ?? '', progress) : await ingestLocal(deps, target, progress, bugs);
    } catch (error) {
      errors.push(`error: ${target}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (found.length === 0) errors.push(`error: ${target}: no *.csv export files found`);
    for (const f of found) {
      if (f.status === 'rejected' || f.status === 'failed') errors.push(`error: ${f.status === 'failed' ? `${f.objectKey}: ` : ''}${f.reason}`);
      else if (f.conflicts > 0) errors.push(`error: ${f.objectKey}: ${f.reason}`);
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
  const table = renderTable(files, [
    { header: 'file', value: (f) => printable(f.objectKey) },
    { header: 'status', value: (f) => f.status },
    { header: 'rows', value: (f) => String(f.rows), align: 'right' },
    { header: 'applied', value: (f) => String(f.accountDaysApplied), align: 'right' },
    { header: 'stale', value: (f) => String(f.accountDaysStale), align: 'right' },
  ]);
  const failed = totals.failed > 0 ? `, ${totals.failed} failed` : '';
  const conflicts = totals.conflicts > 0 ? `, ${totals.conflicts} version conflict(s)` : '';
  const summary = `${totals.files} file(s): ${totals.applied} applied, ${totals.stale} stale, ${totals.rejected} rejected${failed}; ${totals.accountDaysApplied} account-day(s) replaced, ${totals.accountDaysStale} skipped as stale${conflicts}`;
  // With --json the reasons travel in the document too (one `error` object, §8), not only on stderr.
  errors.splice(0, errors.length, ...errors.map(printable));
  const error = errors.length > 0 ? { error: { code: 'INGEST_REJECTED', message: `${errors.length} problem(s); see details`, details: errors.map((e) => e.replace(/^error: /, '')) } } : {};
  return { json: { files, totals, ...error }, text: `${table}\n${summary}`, errors, exitCode: bugs.count > 0 ? EXIT.internal : errors.length > 0 ? EXIT.rejected : EXIT.ok };
}
