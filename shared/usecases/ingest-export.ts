/**
 * Use case: ingest one billing usage export (§4). Parse and validate the whole file first (I2),
 * in bounded memory (large files spill sorted runs to disk, I4), then replace its account-days in
 * one atomic store call that reads them as it goes (I1, I3), then record the outcome in
 * the ingest log (I5). Used by the CLI, the ingest-usage function and the demo alike.
 */
import { printable } from '../domain/identifiers';
import type { IngestLogEntry, IngestStatus } from '../domain/model';
import type { ApplyResult, StaleAccountDay, Store, VersionConflict } from '../ports/store';
import { ExportReadError, type ExportObject } from '../ports/export-source';
import { stageUsageExport, type ExportProblem, type SpillOptions, type StagedExport } from '../ingest/usage-export-parser';
import { tmpdir } from 'node:os';
import { collectGarbage } from '../ingest/collect-garbage';
import type { ParseWorkerLauncher } from '../ingest/parse-worker';

export type { ExportObject } from '../ports/export-source';
export { ExportReadError } from '../ports/export-source';

export interface IngestDeps {
  store: Store;
  clock: () => Date;
  newId: () => string;
  /** Where and when a large file's groups spill to disk (default: the OS temp directory, the store's `ingestMemoryEntries`). */
  spill?: SpillOptions;
  /**
   * Starts a worker thread that scans and checks a large file's rows while this thread folds them
   * (parse-worker.ts): the CLI passes one when it has a second core. Files below
   * PARSE_WORKER_FROM_BYTES, and sources that cannot tell a size, parse on this thread.
   */
  parseWorker?: ParseWorkerLauncher;
  /** From how many bytes a file is parsed with `parseWorker` (default PARSE_WORKER_FROM_BYTES; tests force it on small files). */
  parseWorkerFromBytes?: number;
}

/**
 * Bytes from which a file is parsed on two threads. Starting the worker costs ~30 ms
 * (measured with the CLI bundle); a 4 MiB file (~10,000 rows) takes ~0.1 s to parse on one.
 */
export const PARSE_WORKER_FROM_BYTES = 4 << 20;

export interface IngestOutcome {
  objectKey: string;
  status: IngestStatus;
  rows: number;
  bytes: number;
  accountDaysApplied: number;
  accountDaysStale: number;
  /** Why the file was rejected or skipped; null when applied. */
  reason: string | null;
  problems: ExportProblem[];
  problemCount: number;
  /** I1: account-days that arrived with the stored version but other content (settled by digest): the first few. */
  conflicts: VersionConflict[];
  /** How many there were in all. */
  conflictCount: number;
  logId: string;
}

const REASON_LINES = 5;

export function describeProblems(objectKey: string, problems: ExportProblem[], problemCount: number): string {
  const shown = problems.slice(0, REASON_LINES).map((p) => `line ${p.line}${p.column ? `, column ${p.column}` : ''}: ${p.reason}`);
  const more = problemCount > shown.length ? `; and ${problemCount - shown.length} more` : '';
  return `${objectKey} rejected: ${shown.join('; ')}${more}`;
}

export async function ingestExport(deps: IngestDeps, object: ExportObject): Promise<IngestOutcome> {
  const now = deps.clock();
  const startedAt = now.toISOString();
  let parsed: StagedExport;
  try {
    const spill = deps.spill ?? { directory: tmpdir(), maxGroups: deps.store.usage.ingestMemoryEntries, afterSpill: collectGarbage };
    const large = (object.size ?? 0) >= (deps.parseWorkerFromBytes ?? PARSE_WORKER_FROM_BYTES);
    const worker = deps.parseWorker !== undefined && large ? { worker: deps.parseWorker } : {};
    parsed = await stageUsageExport(object.open(), { fallbackVersion: object.lastModified, now, spill, ...worker });
  } catch (error) {
    if (!(error instanceof ExportReadError)) throw error;
    parsed = { ok: false, rows: 0, bytes: 0, problems: [{ line: 0, column: null, reason: error.message }], problemCount: 1 };
  }
  const base = { id: deps.newId(), objectKey: object.key, etag: object.etag, rows: parsed.rows, startedAt };

  if (!parsed.ok) {
    const unreadable = parsed.problems[0]?.line === 0;
    // Names from outside (a file called "x\nerror: ok.csv") must not forge lines in logs or on stderr.
    const reason = printable(
      unreadable
        ? `${object.key} rejected: ${parsed.problems[0]!.reason}`
        : describeProblems(object.key, parsed.problems, parsed.problemCount),
    );
    const entry: IngestLogEntry = {
      ...base,
      version: null,
      accountDaysApplied: 0,
      accountDaysStale: 0,
      status: 'rejected',
      reason,
      finishedAt: deps.clock().toISOString(),
    };
    await deps.store.usage.recordIngest(entry);
    return {
      ...outcomeOf(entry, parsed.bytes),
      problems: parsed.problems,
      problemCount: parsed.problemCount,
      conflicts: [],
      conflictCount: 0,
    };
  }

  const accountDays = parsed.accountDays;
  let result: ApplyResult;
  try {
    result = await deps.store.usage.applyAccountDays(object.key, accountDays);
  } finally {
    accountDays.dispose();
  }
  const version = accountDays.version;
  // A file whose every account-day lost to what is stored changed nothing: it is stale (I1).
  const lost = result.staleCount + result.conflictsKeptStored;
  const status: IngestStatus = result.appliedCount === 0 && lost > 0 ? 'stale' : 'applied';
  const reasons = [describeConflicts(result.conflicts, result.conflictCount), describeStale(result.stale, result.staleCount)].filter(
    (r) => r !== null,
  );
  const entry: IngestLogEntry = {
    ...base,
    version,
    accountDaysApplied: result.appliedCount,
    accountDaysStale: result.staleCount,
    status,
    reason: reasons.length > 0 ? printable(reasons.join('; ')) : null,
    finishedAt: deps.clock().toISOString(),
  };
  await deps.store.usage.recordIngest(entry);
  return {
    ...outcomeOf(entry, parsed.bytes),
    problems: [],
    problemCount: 0,
    conflicts: result.conflicts,
    conflictCount: result.conflictCount,
  };
}

/** The reason text of I1 conflicts; starts with CONFLICT so the ingest log can be searched for it. */
export function describeConflicts(conflicts: readonly VersionConflict[], count = conflicts.length): string | null {
  const first = conflicts[0];
  if (first === undefined) return null;
  const more = count > 1 ? ` and ${count - 1} more account-day(s)` : '';
  const kept = first.kept === 'stored' ? 'kept the stored content' : 'replaced the stored content';
  return `CONFLICT: ${first.accountId} ${first.day} version ${first.version} arrived with different content (digest ${first.digest.slice(0, 12)} vs stored ${first.storedDigest.slice(0, 12)}); ${kept} (the larger digest wins, whatever the order)${more}`;
}

function describeStale(stale: readonly StaleAccountDay[], count: number): string | null {
  const first = stale[0];
  if (first === undefined) return null;
  const more = count > 1 ? ` and ${count - 1} more account-day(s)` : '';
  return `older than stored data: ${first.accountId} ${first.day} version ${first.version} < stored ${first.storedVersion}${more}`;
}

function outcomeOf(entry: IngestLogEntry, bytes: number): Omit<IngestOutcome, 'problems' | 'problemCount' | 'conflicts' | 'conflictCount'> {
  return {
    objectKey: entry.objectKey,
    status: entry.status,
    rows: entry.rows,
    bytes,
    accountDaysApplied: entry.accountDaysApplied,
    accountDaysStale: entry.accountDaysStale,
    reason: entry.reason,
    logId: entry.id,
  };
}
