/**
 * The storage port. Two adapters implement it (SQLite for local runs and tests, YDB in
 * production) and both pass the contract suite in `test/contract/store-contract.ts`.
 * Stores only get and put; every rule (replacement, eligibility, deltas) is decided in the
 * domain, except the version compare of I1, which must happen inside the write transaction.
 */
import { RebatesError } from '../errors';
import type { Day, DayRange, Quarter } from '../domain/calendar';
import type {
  AccountDayVersion,
  AccrualRun,
  Audit,
  IngestLogEntry,
  LedgerEntry,
  SpecializationPeriod,
  SubaccountLink,
  UsageAggregate,
} from '../domain/model';

/** Links (R3) and specialization periods (R5), with their audit fields (R12). */
export interface ProgramStore {
  listLinks(filter?: { partnerId?: string; subaccountId?: string }): Promise<SubaccountLink[]>;
  insertLink(link: SubaccountLink): Promise<void>;
  /**
   * Inserts several links atomically (bulk import, issue 12): all of them or, on any failure
   * (ALREADY_EXISTS for a taken or repeated id), none.
   */
  insertLinks(links: readonly SubaccountLink[]): Promise<void>;
  /**
   * Sets the last linked day of a link that has not been ended yet: an open one, or a bounded one
   * whose end moves earlier. NOT_FOUND for an unknown id; ALREADY_ENDED otherwise.
   */
  endLink(id: string, to: Day, ended: Audit): Promise<void>;
  listSpecializations(filter?: { partnerId?: string; specialization?: string }): Promise<SpecializationPeriod[]>;
  insertSpecialization(period: SpecializationPeriod): Promise<void>;
  /** Same rules as endLink, for a specialization period. */
  endSpecialization(id: string, to: Day, ended: Audit): Promise<void>;
}

/** One account-day of a file, pre-aggregated, ready to replace the stored account-day (I1). */
export interface AccountDayBatch {
  accountId: string;
  day: Day;
  version: number;
  rows: UsageAggregate[];
}

export interface StaleAccountDay {
  accountId: string;
  day: Day;
  version: number;
  storedVersion: number;
}

/**
 * I1: an account-day that arrived with the version already stored but other content. The larger
 * content digest wins (`decideReplacement`), so the outcome does not depend on arrival order.
 */
export interface VersionConflict {
  accountId: string;
  day: Day;
  version: number;
  /** Digest of the incoming content and of the content stored before the call. */
  digest: string;
  storedDigest: string;
  /** `incoming`: this call replaced the stored content (also listed in `applied`); `stored`: it was kept. */
  kept: 'incoming' | 'stored';
}

/** How many account-days of each outcome an ApplyResult lists; its counts count them all. */
export const APPLY_DETAIL_LIMIT = 100;

/**
 * What an apply did. A file may hold hundreds of thousands of account-days, so the lists hold the
 * first APPLY_DETAIL_LIMIT of each outcome (in the order applied) and the counts hold them all.
 */
export interface ApplyResult {
  applied: AccountDayVersion[];
  appliedCount: number;
  stale: StaleAccountDay[];
  staleCount: number;
  conflicts: VersionConflict[];
  conflictCount: number;
  /** Conflicts settled for the stored content: account-days this call left as they were. */
  conflictsKeptStored: number;
}

/** Usage aggregates, account-day versions and the ingest log (§4). */
export interface UsageStore {
  /**
   * How many groups plus account-days an ingest may hold in memory before it spills sorted runs
   * to disk (I4): what keeps the parse and this store's apply beside it within the 200 MB target.
   */
  readonly ingestMemoryEntries: number;
  /**
   * I1 + I3: for every batch whose version is ≥ the stored version of its account-day, replaces
   * that account-day's aggregates; older batches are left out and reported stale. Readers see
   * either none or all of the replaced account-days.
   *
   * The batches may be a lazy iterable (a large file's merged aggregates, read as the apply goes),
   * which must yield them in ascending (day, accountId) order: a repeated or out-of-order
   * account-day fails the call with INVALID_BATCH and nothing of it becomes visible. An array is
   * checked whole, and put in order, before anything is written (`checkedBatches`).
   */
  applyAccountDays(sourceKey: string, batches: Iterable<AccountDayBatch>): Promise<ApplyResult>;
  /**
   * Every stored aggregate with a day in the range (optionally only these accounts), all from one
   * consistent state (I3). When a store cannot keep that promise after handing out rows, it fails
   * with a StoreError whose code is SCAN_INTERRUPTED (or ends with it); callers start over.
   */
  scanUsage(range: DayRange, filter?: { accountIds?: readonly string[] }): AsyncIterable<UsageAggregate>;
  listAccountDayVersions(range: DayRange): Promise<AccountDayVersion[]>;
  /**
   * Operator recovery from a bad version (I1): sets the stored version of these account-days to
   * 0, so the next file of each replaces it whatever its version; the data stays until then.
   * Returns the account-days found, with the version they had. Unknown account-days are skipped.
   */
  releaseAccountDays(keys: readonly { accountId: string; day: Day }[], sourceKey: string): Promise<AccountDayVersion[]>;
  recordIngest(entry: IngestLogEntry): Promise<void>;
  listIngestLog(filter?: { objectKey?: string; limit?: number }): Promise<IngestLogEntry[]>;
}

/** The append-only rebate ledger (R7, R8) and accrual runs (R12). */
export interface LedgerStore {
  listEntries(filter?: { partnerId?: string; quarter?: Quarter }): Promise<LedgerEntry[]>;
  /**
   * Appends a run and its entries atomically. Entry ids are deterministic (key + seq), so a
   * concurrent run that computed the same entries fails with LedgerConflictError instead of
   * appending twice; nothing of the losing run is written.
   */
  appendRun(run: AccrualRun, entries: LedgerEntry[]): Promise<void>;
  listRuns(filter?: { quarter?: Quarter }): Promise<AccrualRun[]>;
}

/**
 * A partner's portal token (§9): the public lookup id and a salted hash of the secret, never the
 * secret itself. A token belongs to exactly one partner.
 */
export interface PortalToken {
  id: string;
  partnerId: string;
  /** Hex of the per-token salt and of sha256(salt ‖ secret). */
  salt: string;
  hash: string;
  created: Audit;
  revoked: Audit | null;
}

/** Portal tokens (§9): hashes only. */
export interface TokenStore {
  /** ALREADY_EXISTS when the id is taken. */
  insertToken(token: PortalToken): Promise<void>;
  getToken(id: string): Promise<PortalToken | null>;
  /** Ordered by creation time, then id. */
  listTokens(filter?: { partnerId?: string }): Promise<PortalToken[]>;
  /** NOT_FOUND for an unknown id; ALREADY_REVOKED when it was revoked before. */
  revokeToken(id: string, revoked: Audit): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'ydb';
  program: ProgramStore;
  usage: UsageStore;
  ledger: LedgerStore;
  tokens: TokenStore;
  close(): Promise<void>;
}

/**
 * Codes of StoreErrors that are about the store's situation, not a bug: the CLI reports them
 * with exit 1 and says what to do.
 */
export const STORE_BUSY = 'STORE_BUSY' as const;
export const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE' as const;

export class LedgerConflictError extends RebatesError {
  constructor(
    readonly entryId: string,
    options?: { cause?: unknown },
  ) {
    super(
      'LEDGER_CONFLICT',
      `ledger entry ${entryId} already exists: another run posted this quarter concurrently; re-run to recompute`,
      options,
    );
  }
}

/** Suffix of the StoreError code of a scan that had to stop mid-way; the caller recomputes. */
export const SCAN_INTERRUPTED = 'SCAN_INTERRUPTED' as const;

export function isScanInterrupted(error: unknown): boolean {
  return error instanceof StoreError && error.code.endsWith(SCAN_INTERRUPTED);
}

/** A store failure; its code is one of the taxonomy's (shared/errors.ts). */
export class StoreError extends RebatesError {}
