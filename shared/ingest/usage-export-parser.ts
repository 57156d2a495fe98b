/**
 * Streaming parser, validator and pre-aggregator of a billing usage-detail export (§4).
 *
 * One pass over the bytes: the scanner finds rows, each row is validated cell by cell (I2: every
 * problem is collected, with its physical line and column) and folded into its
 * (account, day, service, sku, currency) group (I4). The file is accepted only when no row has a
 * problem; then each account-day carries its version for the replacement rule (I1).
 */
import { addDays, moscowDay } from '../domain/calendar';
import type { AccountDayBatch } from '../ports/store';
import { sniffForeignFormat } from './export-format';
import {
  CURRENCY_CODES,
  compareDayCell,
  isCalendarDayCell,
  parseCurrencyCell,
  parseMoneyCell,
  parseUnsignedCell,
  type MoneyCell,
} from './cell-parsers';
import { CsvRowScanner, fieldText, type CsvRow } from './csv-row-scanner';
import { RawTextTable } from './raw-text';
import { accountDayBatches, SpillRuns, type MergeProblem } from './spill-runs';
import { UsageAggregator, type KeyColumns } from './usage-aggregator';

export interface ExportProblem {
  line: number;
  column: string | null;
  reason: string;
}

type Rejected = { ok: false; rows: number; bytes: number; problems: ExportProblem[]; problemCount: number };

export type ParsedExport = { ok: true; rows: number; bytes: number; accountDays: AccountDayBatch[] } | Rejected;

/**
 * A valid file's account-days, ready to apply: in memory, or merged from spill runs as they are
 * read (then iterating twice merges twice). Ascending (day, accountId), as the store applies them.
 * `dispose` removes the runs; call it once the apply is done, whatever its outcome.
 */
export interface StagedAccountDays extends Iterable<AccountDayBatch> {
  count: number;
  /** The largest version of any account-day (I1), null when there are none. */
  version: number | null;
  /** How many sorted runs the file was spilled into (0: it fitted in memory). */
  runs: number;
  /** Removes the runs, or gives back the aggregator's memory: the account-days cannot be read after. */
  dispose(): void;
}

export type StagedExport = { ok: true; rows: number; bytes: number; accountDays: StagedAccountDays } | Rejected;

export interface SpillOptions {
  /** Where the runs go (a private directory is made inside it): the function's /tmp, or the OS's. */
  directory: string;
  /**
   * Groups plus account-days held in memory before they are written to a run (bounds the parse's
   * memory: an account-day costs about as much as a group).
   */
  maxGroups: number;
  /**
   * Called after each run is written, when the groups it held have become garbage: the ingest
   * passes a full garbage collection, so the heap shrinks back instead of growing lazily.
   */
  afterSpill?: () => void;
}

export interface ParseOptions {
  /** Version (Unix seconds) for account-days when the file has no updated_at column (object last-modified). */
  fallbackVersion: number | null;
  /**
   * The time of the ingest. Given (as every ingest does), versions must be plausible Unix seconds
   * — from 2010-01-01 to `now` plus a small clock skew — and usage days may not lie after
   * tomorrow (UTC+3): a version in milliseconds or a far-future day would otherwise outrank every
   * later genuine correction (I1). Unit tests of the byte parser may leave it out.
   */
  now?: Date;
  /** How many problems to keep in detail (default 20); problemCount counts all. */
  maxProblems?: number;
}

const REQUIRED = ['billing_account_id', 'service_id', 'sku_id', 'date', 'currency', 'cost', 'credit'] as const;
const OPTIONAL = ['updated_at', 'service_name', 'sku_name'] as const;
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];
const ID_COLUMNS = ['billing_account_id', 'service_id', 'sku_id'] as const;

/** 2010-01-01T00:00:00Z: no billing export is older; smaller numbers are not Unix seconds of one. */
export const MIN_PLAUSIBLE_VERSION = 1_262_304_000;
/** How far a version may lie after the ingest's clock (billing's and our clocks may differ a little). */
export const VERSION_CLOCK_SKEW_SECONDS = 3600;

/** Parses a whole file in memory: for small files and tests. Ingests use `stageUsageExport`. */
export async function parseUsageExport(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseOptions,
): Promise<ParsedExport> {
  const staged = await stageUsageExport(chunks, options);
  if (!staged.ok) return staged;
  return { ok: true, rows: staged.rows, bytes: staged.bytes, accountDays: [...staged.accountDays] };
}

/**
 * Parses and validates a whole file (I2) in bounded memory: with `spill`, groups beyond
 * `maxGroups` go to sorted runs on disk, merged when the file is known to be valid. The file is
 * accepted only when every row and every merged account-day is; a rejected file leaves no runs.
 */
export async function stageUsageExport(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseOptions & { spill?: SpillOptions },
): Promise<StagedExport> {
  const runs = options.spill === undefined ? null : new SpillRuns(options.spill.directory);
  let parser: ExportParser | null = null;
  try {
    parser = new ExportParser(options, runs, options.spill);
    const scanning = parser;
    const scanner = new CsvRowScanner((row) => scanning.onRow(row));
    for await (const chunk of chunks) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError('parseUsageExport expects byte chunks (Uint8Array), not decoded text');
      scanner.push(chunk);
    }
    scanner.end();
    const staged = parser.finish(scanner.bytes);
    if (!staged.ok) runs?.dispose();
    return staged;
  } catch (error) {
    parser?.dispose();
    runs?.dispose();
    throw error;
  }
}

class ExportParser {
  private header: string[] | null = null;
  /** Column index of each known column, -1 when absent. */
  private readonly col: Record<Column, number> = {
    billing_account_id: -1,
    service_id: -1,
    sku_id: -1,
    date: -1,
    currency: -1,
    cost: -1,
    credit: -1,
    updated_at: -1,
    service_name: -1,
    sku_name: -1,
  };
  private rows = 0;
  private problemCount = 0;
  private readonly problems: ExportProblem[] = [];
  private readonly maxProblems: number;
  private readonly fallbackVersion: number | null;
  private readonly cost: MoneyCell = { units: 0, nanos: 0 };
  private readonly credit: MoneyCell = { units: 0, nanos: 0 };
  /** Created once the header is known to be usable; null means rows are only checked. */
  private aggregator: UsageAggregator | null = null;

  private readonly maxVersion: number;
  private readonly minVersion: number;
  /** The last usage day accepted (tomorrow in UTC+3), as ASCII bytes; null without `now`. */
  private readonly lastDay: Buffer | null;
  /** Set when the bytes are not a comma-separated UTF-8 file at all: rows are then only counted. */
  private foreign = false;

  private readonly maxGroups: number;
  /** Ids and names seen, shared by every aggregator of the file (bounded by its own limit). */
  private readonly texts = new RawTextTable();

  constructor(
    options: ParseOptions,
    private readonly runs: SpillRuns | null,
    private readonly spill: SpillOptions | undefined,
  ) {
    this.maxGroups = spill?.maxGroups ?? Number.POSITIVE_INFINITY;
    this.maxProblems = options.maxProblems ?? 20;
    this.fallbackVersion = options.fallbackVersion;
    const now = options.now;
    this.minVersion = now === undefined ? 0 : MIN_PLAUSIBLE_VERSION;
    this.maxVersion = now === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(now.getTime() / 1000) + VERSION_CLOCK_SKEW_SECONDS;
    this.lastDay = now === undefined ? null : Buffer.from(addDays(moscowDay(now), 1), 'latin1');
  }

  /** Why a version is not plausible, or null (I1). */
  private versionProblem(version: number): string | null {
    if (version < this.minVersion) return `is before 2010-01-01 (${MIN_PLAUSIBLE_VERSION}); a version is a Unix time in seconds`;
    if (version > this.maxVersion) {
      const hint = version > this.maxVersion * 100 ? ' — milliseconds, not seconds?' : '';
      return `is after the time of this ingest (${new Date((this.maxVersion - VERSION_CLOCK_SKEW_SECONDS) * 1000).toISOString()} + ${VERSION_CLOCK_SKEW_SECONDS / 3600} h)${hint}; it would lock out every later correction of its account-days`;
    }
    return null;
  }

  onRow(row: CsvRow): void {
    if (this.header === null) this.onHeader(row);
    else if (this.foreign) this.rows++;
    else this.onDataRow(row);
  }

  finish(bytes: number): StagedExport {
    if (this.header === null) this.problem(1, null, 'empty file: no header row');
    if (this.problemCount > 0) return this.rejected(bytes);
    if (this.runs !== null && this.runs.count > 0) return this.finishRuns(this.runs, bytes);
    const finished = this.aggregator?.finish() ?? null;
    // A group whose sum does not fit Decimal(22,9) cannot be stored: the file is rejected (I2).
    for (const o of finished?.overflows ?? []) {
      this.problem(
        o.line,
        o.column,
        `the sum of ${o.column} of ${o.accountId} ${o.day} ${o.serviceId}/${o.skuId} (first row here) does not fit Decimal(22,9)`,
      );
    }
    if (this.problemCount > 0) return this.rejected(bytes);
    const aggregator = this.aggregator;
    const accountDays: StagedAccountDays = {
      count: finished?.accountDays ?? 0,
      version: finished?.version ?? null,
      runs: 0,
      [Symbol.iterator]: () => finished?.batches() ?? [][Symbol.iterator](),
      dispose: () => aggregator?.dispose(),
    };
    return { ok: true, rows: this.rows, bytes, accountDays };
  }

  /**
   * A spilled file: the last groups become a run too, then one merge checks what only merged sums
   * can show (currencies, Decimal(22,9)) and counts; applying merges again, as the store reads.
   */
  private finishRuns(runs: SpillRuns, bytes: number): StagedExport {
    if (this.aggregator !== null) runs.write(this.aggregator.partials());
    this.dispose();
    const onProblem = (p: MergeProblem) => this.problem(p.line, p.column, p.reason);
    let count = 0;
    let version: number | null = null;
    for (const batch of accountDayBatches(runs.merged(), onProblem)) {
      count++;
      if (version === null || batch.version > version) version = batch.version;
    }
    if (this.problemCount > 0) return this.rejected(bytes);
    const accountDays: StagedAccountDays = {
      count,
      version,
      runs: runs.count,
      [Symbol.iterator]: () =>
        accountDayBatches(runs.merged(), (p) => {
          throw new Error(`spill runs changed between two merges: ${p.reason}`);
        }),
      dispose: () => runs.dispose(),
    };
    return { ok: true, rows: this.rows, bytes, accountDays };
  }

  private rejected(bytes: number): Rejected {
    this.dispose();
    // Problems found by the merge come after the rows'; an operator reads them in line order.
    this.problems.sort((a, b) => a.line - b.line);
    return { ok: false, rows: this.rows, bytes, problems: this.problems, problemCount: this.problemCount };
  }

  /** Gives back the aggregator's memory (a garbage collection does not count it, see resizable-column.ts). */
  dispose(): void {
    this.aggregator?.dispose();
    this.aggregator = null;
  }

  private problem(line: number, column: string | null, reason: string): void {
    this.problemCount++;
    if (this.problems.length < this.maxProblems) this.problems.push({ line, column, reason });
  }

  private onHeader(row: CsvRow): void {
    const foreign = sniffForeignFormat(row);
    if (foreign !== null) {
      this.header = [];
      this.foreign = true;
      this.problem(row.line, null, foreign);
      return;
    }
    const names: string[] = [];
    for (let i = 0; i < row.fieldCount; i++) names.push(fieldText(row, i).trim());
    this.header = names;
    let headerOk = true;
    if (row.malformed) {
      this.problem(row.line, null, `header: ${row.malformed.reason}`);
      headerOk = false;
    }
    const seen = new Set<string>();
    names.forEach((name, index) => {
      if (!Object.hasOwn(this.col, name)) return;
      if (seen.has(name)) {
        this.problem(row.line, name, `column ${name} appears more than once in the header`);
        headerOk = false;
      }
      seen.add(name);
      this.col[name as Column] = index;
    });
    for (const name of REQUIRED) {
      if (this.col[name] === -1) {
        this.problem(row.line, name, `missing required column ${name}`);
        headerOk = false;
      }
    }
    if (this.col.updated_at === -1 && this.fallbackVersion === null) {
      this.problem(
        row.line,
        'updated_at',
        'no updated_at column and no fallback version (object last-modified time): account-days would have no version (I1)',
      );
      headerOk = false;
    }
    if (this.col.updated_at === -1 && this.fallbackVersion !== null) {
      const problem = this.versionProblem(this.fallbackVersion);
      if (problem !== null) {
        this.problem(
          row.line,
          'updated_at',
          `no updated_at column, and the object's last-modified time ${this.fallbackVersion} ${problem}`,
        );
        headerOk = false;
      }
    }
    // An unusable header still lets every row be checked, but nothing is aggregated.
    if (headerOk) this.aggregator = this.newAggregator();
  }

  /** Its columns reserve room for the most entries it can hold before spilling (none without a spill bound). */
  private newAggregator(): UsageAggregator {
    return new UsageAggregator(this.keyColumns(), this.texts, Number.isFinite(this.maxGroups) ? this.maxGroups + 1 : undefined);
  }

  private keyColumns(): KeyColumns {
    const col = this.col;
    return {
      account: col.billing_account_id,
      day: col.date,
      service: col.service_id,
      sku: col.sku_id,
      serviceName: col.service_name,
      skuName: col.sku_name,
    };
  }

  private onDataRow(row: CsvRow): void {
    this.rows++;
    const header = this.header!;
    const line = row.line;
    if (row.malformed !== null) {
      this.problem(line, header[row.malformed.field] ?? null, row.malformed.reason);
      return;
    }
    if (row.fieldCount !== header.length) {
      this.problem(line, null, `row has ${row.fieldCount} fields, the header has ${header.length}`);
      return;
    }
    const { starts, ends } = row;
    const col = this.col;
    let valid = true;

    for (const name of ID_COLUMNS) {
      const i = col[name];
      if (i >= 0 && starts[i] === ends[i]) {
        this.problem(line, name, `${name} is empty`);
        valid = false;
      }
    }

    if (col.date >= 0) {
      if (!isCalendarDayCell(row.buf, starts[col.date]!, ends[col.date]!)) {
        this.problem(line, 'date', `${show(row, col.date)} is not a calendar day YYYY-MM-DD`);
        valid = false;
      } else if (this.lastDay !== null && compareDayCell(row.buf, starts[col.date]!, this.lastDay) > 0) {
        this.problem(
          line,
          'date',
          `${show(row, col.date)} is in the future (the last day accepted is ${this.lastDay.toString('latin1')}, UTC+3)`,
        );
        valid = false;
      }
    }

    let currency = -1;
    if (col.currency >= 0) {
      currency = parseCurrencyCell(row.buf, starts[col.currency]!, ends[col.currency]!);
      if (currency < 0) {
        this.problem(line, 'currency', `${show(row, col.currency)} is not one of ${CURRENCY_CODES.join(', ')}`);
        valid = false;
      }
    }

    if (!this.money(row, 'cost', this.cost)) valid = false;
    if (!this.money(row, 'credit', this.credit)) valid = false;
    else if (col.credit >= 0 && (this.credit.units > 0 || this.credit.nanos > 0)) {
      // R2: credit is ≤ 0 in the export (it already includes grants); a positive one would inflate the base.
      this.problem(line, 'credit', `credit ${show(row, col.credit)} is positive; credits in the billing export are ≤ 0`);
      valid = false;
    }

    let version = this.fallbackVersion ?? -1;
    if (col.updated_at >= 0) {
      const vs = starts[col.updated_at]!;
      const ve = ends[col.updated_at]!;
      // An empty cell is refused rather than replaced by the object's last-modified time: that is
      // the time of copying, and it would outrank genuine corrections (I1).
      version = vs === ve ? -1 : parseUnsignedCell(row.buf, vs, ve);
      const problem =
        vs === ve
          ? 'is empty; every row of a file with an updated_at column needs its version'
          : version < 0
            ? 'is not a non-negative integer (Unix seconds)'
            : this.versionProblem(version);
      if (problem !== null) {
        this.problem(line, 'updated_at', `updated_at ${show(row, col.updated_at)} ${problem}`);
        valid = false;
      }
    }

    if (valid && this.aggregator !== null) this.aggregate(row, currency, version);
  }

  private money(row: CsvRow, name: 'cost' | 'credit', out: MoneyCell): boolean {
    const i = this.col[name];
    if (i < 0) return true;
    const reason = parseMoneyCell(row.buf, row.starts[i]!, row.ends[i]!, out);
    if (reason === null) return true;
    this.problem(row.line, name, `${name} ${show(row, i)} ${reason}`);
    return false;
  }

  private aggregate(row: CsvRow, currencyIndex: number, version: number): void {
    const currency = CURRENCY_CODES[currencyIndex]!;
    const aggregator = this.aggregator!;
    const problem = aggregator.add(row, currency, version, this.cost, this.credit);
    if (problem !== null) this.problem(row.line, problem.column, problem.reason);
    // Bounded memory (I4): a full aggregator goes to a sorted run and a fresh one takes over. A
    // file with problems is rejected anyway: its groups are dropped instead (rows are still
    // checked; a second currency is then only caught within what is held).
    if (aggregator.groups + aggregator.accountDayCount >= this.maxGroups) {
      if (this.problemCount === 0 && this.runs !== null) this.runs.write(aggregator.partials());
      aggregator.dispose();
      this.aggregator = this.newAggregator();
      this.spill?.afterSpill?.();
    }
  }
}

/** A cell for an error message: quoted, truncated, never a whole row. */
function show(row: CsvRow, i: number): string {
  const text = fieldText(row, i);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
