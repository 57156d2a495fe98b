/**
 * The row side of a parse (§4): the header, and every data row checked cell by cell (I2: every
 * problem is collected, with its physical line and column). A valid row goes to a `RowSink` —
 * folded into its group on this thread (file-aggregation.ts), or packed for the thread that folds
 * them (parse-worker.ts), so both ways run exactly this code.
 */
import { addDays, moscowDay } from '../domain/calendar';
import type { Currency } from '../domain/model';
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
import { fieldText, type CsvRow } from './csv-row-scanner';
import type { KeyColumns } from './usage-aggregator';

export interface ExportProblem {
  line: number;
  column: string | null;
  reason: string;
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

/** 2010-01-01T00:00:00Z: no billing export is older; smaller numbers are not Unix seconds of one. */
export const MIN_PLAUSIBLE_VERSION = 1_262_304_000;
/** How far a version may lie after the ingest's clock (billing's and our clocks may differ a little). */
export const VERSION_CLOCK_SKEW_SECONDS = 3600;

const REQUIRED = ['billing_account_id', 'service_id', 'sku_id', 'date', 'currency', 'cost', 'credit'] as const;
const OPTIONAL = ['updated_at', 'service_name', 'sku_name'] as const;
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];
const ID_COLUMNS = ['billing_account_id', 'service_id', 'sku_id'] as const;

/** A file's problems: every one counted, the first `max` (in the order found) kept in detail. */
export class Problems {
  count = 0;
  readonly list: ExportProblem[] = [];

  constructor(readonly max: number) {}

  add(line: number, column: string | null, reason: string): void {
    this.count++;
    if (this.list.length < this.max) this.list.push({ line, column, reason });
  }

  /**
   * Takes in another part of the same file's problems, found in line order as these were (the
   * rows checked on one thread, the rows folded on another): the first `max` by line are then
   * those a single pass would have kept, because each part kept its own first `max`.
   */
  merge(other: { list: readonly ExportProblem[]; count: number }): void {
    const all = [...this.list, ...other.list].sort((a, b) => a.line - b.line);
    this.list.length = 0;
    this.list.push(...all.slice(0, this.max));
    this.count += other.count;
  }
}

/** Where valid rows go once the header is known to be usable. */
export interface RowSink {
  /** The header is usable: its key columns, and how many fields a row has. */
  start(columns: KeyColumns, width: number): void;
  /** A valid row (`cost` and `credit` are reused by the next row). */
  add(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell): void;
}

export class RowChecker {
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
  rows = 0;
  private readonly fallbackVersion: number | null;
  private readonly cost: MoneyCell = { units: 0, nanos: 0 };
  private readonly credit: MoneyCell = { units: 0, nanos: 0 };
  /** Set once the header is known to be usable; until then (or for good) rows are only checked. */
  private usable = false;

  private readonly maxVersion: number;
  private readonly minVersion: number;
  /** The last usage day accepted (tomorrow in UTC+3), as ASCII bytes; null without `now`. */
  private readonly lastDay: Buffer | null;
  /** Set when the bytes are not a comma-separated UTF-8 file at all: rows are then only counted. */
  private foreign = false;

  constructor(
    options: ParseOptions,
    private readonly problems: Problems,
    private readonly sink: RowSink,
  ) {
    this.fallbackVersion = options.fallbackVersion;
    const now = options.now;
    this.minVersion = now === undefined ? 0 : MIN_PLAUSIBLE_VERSION;
    this.maxVersion = now === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(now.getTime() / 1000) + VERSION_CLOCK_SKEW_SECONDS;
    this.lastDay = now === undefined ? null : Buffer.from(addDays(moscowDay(now), 1), 'latin1');
  }

  /** Whether a header row was seen (an empty file has none). */
  get headerSeen(): boolean {
    return this.header !== null;
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

  private problem(line: number, column: string | null, reason: string): void {
    this.problems.add(line, column, reason);
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
    if (headerOk) {
      this.usable = true;
      this.sink.start(this.keyColumns(), names.length);
    }
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

    if (valid && this.usable) this.sink.add(row, CURRENCY_CODES[currency]!, version, this.cost, this.credit);
  }

  private money(row: CsvRow, name: 'cost' | 'credit', out: MoneyCell): boolean {
    const i = this.col[name];
    if (i < 0) return true;
    const reason = parseMoneyCell(row.buf, row.starts[i]!, row.ends[i]!, out);
    if (reason === null) return true;
    this.problem(row.line, name, `${name} ${show(row, i)} ${reason}`);
    return false;
  }
}

/** A cell for an error message: quoted, truncated, never a whole row. */
function show(row: CsvRow, i: number): string {
  const text = fieldText(row, i);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
