/**
 * What running an action needs beyond the use cases' deps. The CLI and the operator function
 * build this once; each supplies the parts it has (local files only in the CLI, the function's
 * IAM token for the Billing API only in the cloud).
 */
import type { ErrorCode } from '../errors';
import type { BillingApi } from '../ports/billing';
import type { Logger } from '../runtime/logger';
import type { Deps } from '../usecases/deps';
import type { ParseWorkerLauncher } from '../ingest/parse-worker';
import type { StorageExportSource } from '../usecases/ingest-from-storage';

export interface MigrateSummary {
  store: 'sqlite' | 'ydb';
  /** What was migrated, for people: a path or an endpoint + database. */
  target: string;
  created: string[];
  existing: string[];
}

export interface ActionDeps extends Deps {
  logger: Logger;
  /** The actor when an action names none (CLI: the local user). Unset: changes must name one (R12). */
  defaultActor?: string;
  /** Whether local paths may be ingested (the CLI); a function reads only `s3://` sources. */
  localFiles: boolean;
  /** Object Storage for `s3://` sources, built on first use. */
  storage?: () => StorageExportSource;
  /** The Billing API (sync-catalog, sync-subaccounts), built on first use. */
  billing?: () => BillingApi;
  /** Creates / updates the store schema. */
  migrate: () => Promise<MigrateSummary>;
  /** Progress lines for long work (a terminal's stderr); ignored when absent. */
  progress?: (line: string) => void;
  /** A worker thread for the parse of large local files (the CLI, given a second core; see ingest-export.ts). */
  parseWorker?: ParseWorkerLauncher;
  /** Asked between objects of a backfill: true stops early (function timeout). */
  shouldStop?: () => boolean;
}

/** JSON-ready output of an action: money as decimal strings, currency beside every amount. */
export type ActionResult =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; error: { code: ErrorCode; message: string; details?: string[] }; result?: Record<string, unknown> };

export function succeeded(result: Record<string, unknown>): ActionResult {
  return { ok: true, result };
}

export function failed(failure: { code: ErrorCode; message: string; details?: string[] }, result?: Record<string, unknown>): ActionResult {
  const error = { code: failure.code, message: failure.message, ...(failure.details ? { details: failure.details } : {}) };
  return { ok: false, error, ...(result ? { result } : {}) };
}
