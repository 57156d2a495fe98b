/**
 * Streaming parser, validator and pre-aggregator of a billing usage-detail export (§4).
 *
 * One pass over the bytes: the scanner finds rows, each row is validated cell by cell
 * (export-rows.ts; I2: every problem is collected, with its physical line and column) and folded
 * into its (account, day, service, sku, currency) group (file-aggregation.ts; I4). The file is
 * accepted only when no row has a problem; then each account-day carries its version for the
 * replacement rule (I1). With a parse worker, the scan and the checks run on a second thread
 * while this one folds (parse-worker.ts): the same code, the same result.
 */
import { CsvRowScanner } from './csv-row-scanner';
import { Problems, RowChecker, type ExportProblem, type ParseOptions } from './export-rows';
import { FileAggregation, type SpillOptions, type StagedExport } from './file-aggregation';
import { stageOnWorker, type ParseWorkerLauncher } from './parse-worker';
import { SpillRuns } from './spill-runs';
import type { AccountDayBatch } from '../ports/store';

export { MIN_PLAUSIBLE_VERSION, VERSION_CLOCK_SKEW_SECONDS, type ExportProblem, type ParseOptions } from './export-rows';
export type { SpillOptions, StagedAccountDays, StagedExport } from './file-aggregation';

export type ParsedExport =
  | { ok: true; rows: number; bytes: number; accountDays: AccountDayBatch[] }
  | { ok: false; rows: number; bytes: number; problems: ExportProblem[]; problemCount: number };

/** Parses a whole file in memory: for small files and tests. Ingests use `stageUsageExport`. */
export async function parseUsageExport(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseOptions & { worker?: ParseWorkerLauncher },
): Promise<ParsedExport> {
  const staged = await stageUsageExport(chunks, options);
  if (!staged.ok) return staged;
  return { ok: true, rows: staged.rows, bytes: staged.bytes, accountDays: [...staged.accountDays] };
}

/**
 * Parses and validates a whole file (I2) in bounded memory: with `spill`, groups beyond
 * `maxGroups` go to sorted runs on disk, merged when the file is known to be valid. The file is
 * accepted only when every row and every merged account-day is; a rejected file leaves no runs.
 * With `worker`, rows are scanned and checked on a worker thread (parse-worker.ts).
 */
export async function stageUsageExport(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseOptions & { spill?: SpillOptions; worker?: ParseWorkerLauncher },
): Promise<StagedExport> {
  const runs = options.spill === undefined ? null : new SpillRuns(options.spill.directory);
  let aggregation: FileAggregation | null = null;
  try {
    let staged: StagedExport;
    if (options.worker !== undefined) {
      staged = await stageOnWorker(chunks, options, options.worker, (problems, anyProblem) => {
        aggregation = new FileAggregation(problems, runs, options.spill, anyProblem);
        return aggregation;
      });
    } else {
      const problems = new Problems(options.maxProblems ?? 20);
      const folding = new FileAggregation(problems, runs, options.spill);
      aggregation = folding;
      const checker = new RowChecker(options, problems, folding);
      const scanner = new CsvRowScanner((row) => checker.onRow(row));
      for await (const chunk of chunks) {
        if (!(chunk instanceof Uint8Array)) throw new TypeError('parseUsageExport expects byte chunks (Uint8Array), not decoded text');
        scanner.push(chunk);
      }
      scanner.end();
      staged = folding.finish(checker.rows, scanner.bytes, checker.headerSeen);
    }
    if (!staged.ok) runs?.dispose();
    return staged;
  } catch (error) {
    (aggregation as FileAggregation | null)?.dispose();
    runs?.dispose();
    throw error;
  }
}
