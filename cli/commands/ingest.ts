/** `ingest PATH_OR_URL...` — local files, directories (their *.csv) or s3://bucket/prefix (§4, §8). */
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { createS3ExportSource } from '../../shared/adapters/s3/s3-export-source';
import type { Config } from '../../shared/config';
import { ingestExport, type ExportObject, type IngestOutcome } from '../../shared/ingest/ingest-export';
import { listLocalExports } from '../../shared/ingest/local-source';
import type { Deps } from '../../shared/usecases/deps';
import { parseCommand, UsageError } from '../args';
import { EXIT, type CommandOutput } from '../output';
import { renderTable } from '../table';

const USAGE = 'ingest PATH_OR_URL... [--json]   (file, directory of *.csv, or s3://bucket/prefix)';

async function* objectsOf(config: Config, target: string): AsyncIterable<ExportObject> {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target);
  if (s3) {
    const source = createS3ExportSource(createS3Client(config));
    yield* source.listExports(s3[1]!, s3[2] ?? '');
    return;
  }
  yield* await listLocalExports(target);
}

export async function ingestCommand(deps: Deps, config: Config, argv: string[], progress: (line: string) => void): Promise<CommandOutput> {
  const p = parseCommand(argv, {}, USAGE);
  if (p.positionals.length === 0) throw new UsageError(`nothing to ingest\nusage: ${USAGE}`);
  const outcomes: IngestOutcome[] = [];
  const errors: string[] = [];
  for (const target of p.positionals) {
    let found = 0;
    try {
      for await (const object of objectsOf(config, target)) {
        found++;
        progress(`[${outcomes.length + 1}] ${object.key}`);
        const outcome = await ingestExport(deps, object);
        outcomes.push(outcome);
        if (outcome.status === 'rejected') errors.push(`error: ${outcome.reason}`);
      }
    } catch (error) {
      errors.push(`error: ${target}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (found === 0) errors.push(`error: ${target}: no *.csv export files found`);
  }

  const files = outcomes.map((o) => ({
    objectKey: o.objectKey,
    status: o.status,
    rows: o.rows,
    bytes: o.bytes,
    accountDaysApplied: o.accountDaysApplied,
    accountDaysStale: o.accountDaysStale,
    reason: o.reason,
    problems: o.problems,
  }));
  const totals = {
    files: files.length,
    applied: files.filter((f) => f.status === 'applied').length,
    stale: files.filter((f) => f.status === 'stale').length,
    rejected: files.filter((f) => f.status === 'rejected').length,
    rows: files.reduce((n, f) => n + f.rows, 0),
    accountDaysApplied: files.reduce((n, f) => n + f.accountDaysApplied, 0),
    accountDaysStale: files.reduce((n, f) => n + f.accountDaysStale, 0),
  };
  const table = renderTable(files, [
    { header: 'file', value: (f) => f.objectKey },
    { header: 'status', value: (f) => f.status },
    { header: 'rows', value: (f) => String(f.rows), align: 'right' },
    { header: 'applied', value: (f) => String(f.accountDaysApplied), align: 'right' },
    { header: 'stale', value: (f) => String(f.accountDaysStale), align: 'right' },
  ]);
  const summary = `${totals.files} file(s): ${totals.applied} applied, ${totals.stale} stale, ${totals.rejected} rejected; ${totals.accountDaysApplied} account-day(s) replaced, ${totals.accountDaysStale} skipped as stale`;
  return { json: { files, totals }, text: `${table}\n${summary}`, errors, exitCode: errors.length > 0 ? EXIT.rejected : EXIT.ok };
}
