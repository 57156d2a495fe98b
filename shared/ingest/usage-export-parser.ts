/**
 * Streaming parser, validator and pre-aggregator of a billing usage-detail export (§4).
 *
 * One pass over the bytes: the scanner finds rows, each row is validated cell by cell (I2: every
 * problem is collected, with its physical line and column) and folded into its
 * (account, day, service, sku, currency) group (I4). The file is accepted only when no row has a
 * problem; then each account-day carries its version for the replacement rule (I1).
 */
import type { AccountDayBatch } from '../ports/store';
import { CURRENCY_CODES, isCalendarDayCell, parseCurrencyCell, parseMoneyCell, parseUnsignedCell, type MoneyCell } from './cell-parsers';
import { CsvRowScanner, fieldText, type CsvRow } from './csv-row-scanner';
import { UsageAggregator } from './usage-aggregator';

export interface ExportProblem {
  line: number;
  column: string | null;
  reason: string;
}

export type ParsedExport =
  | { ok: true; rows: number; bytes: number; accountDays: AccountDayBatch[] }
  | { ok: false; rows: number; bytes: number; problems: ExportProblem[]; problemCount: number };

export interface ParseOptions {
  /** Version (Unix seconds) for account-days when the file has no updated_at column (object last-modified). */
  fallbackVersion: number | null;
  /** How many problems to keep in detail (default 20); problemCount counts all. */
  maxProblems?: number;
}

const REQUIRED = ['billing_account_id', 'service_id', 'sku_id', 'date', 'currency', 'cost', 'credit'] as const;
const OPTIONAL = ['updated_at', 'service_name', 'sku_name'] as const;
type Column = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];
const ID_COLUMNS = ['billing_account_id', 'service_id', 'sku_id'] as const;

export async function parseUsageExport(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseOptions,
): Promise<ParsedExport> {
  const parser = new ExportParser(options);
  const scanner = new CsvRowScanner((row) => parser.onRow(row));
  for await (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('parseUsageExport expects byte chunks (Uint8Array), not decoded text');
    scanner.push(chunk);
  }
  scanner.end();
  return parser.finish(scanner.bytes);
}

class ExportParser {
  private header: string[] | null = null;
  /** Column index of each known column, -1 when absent. */
  private readonly col: Record<Column, number> = {
    billing_account_id: -1, service_id: -1, sku_id: -1, date: -1, currency: -1, cost: -1, credit: -1,
    updated_at: -1, service_name: -1, sku_name: -1,
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

  constructor(options: ParseOptions) {
    this.maxProblems = options.maxProblems ?? 20;
    this.fallbackVersion = options.fallbackVersion;
  }

  onRow(row: CsvRow): void {
    if (this.header === null) this.onHeader(row);
    else this.onDataRow(row);
  }

  finish(bytes: number): ParsedExport {
    if (this.header === null) this.problem(1, null, 'empty file: no header row');
    if (this.problemCount > 0) {
      return { ok: false, rows: this.rows, bytes, problems: this.problems, problemCount: this.problemCount };
    }
    return { ok: true, rows: this.rows, bytes, accountDays: this.aggregator?.finish() ?? [] };
  }

  private problem(line: number, column: string | null, reason: string): void {
    this.problemCount++;
    if (this.problems.length < this.maxProblems) this.problems.push({ line, column, reason });
  }

  private onHeader(row: CsvRow): void {
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
      this.problem(row.line, 'updated_at', 'no updated_at column and no fallback version (object last-modified time): account-days would have no version (I1)');
      headerOk = false;
    }
    // An unusable header still lets every row be checked, but nothing is aggregated.
    if (headerOk) {
      const col = this.col;
      this.aggregator = new UsageAggregator({
        account: col.billing_account_id, day: col.date, service: col.service_id, sku: col.sku_id,
        serviceName: col.service_name, skuName: col.sku_name,
      });
    }
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

    let version = this.fallbackVersion ?? -1;
    if (col.updated_at >= 0 && starts[col.updated_at] !== ends[col.updated_at]) {
      version = parseUnsignedCell(row.buf, starts[col.updated_at]!, ends[col.updated_at]!);
      if (version < 0) {
        this.problem(line, 'updated_at', `${show(row, col.updated_at)} is not a non-negative integer (Unix seconds)`);
        valid = false;
      }
    } else if (col.updated_at >= 0 && this.fallbackVersion === null) {
      this.problem(line, 'updated_at', 'updated_at is empty and no fallback version (object last-modified time) was given');
      valid = false;
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
    const conflict = this.aggregator!.add(row, currency, version, this.cost, this.credit);
    if (conflict !== null) {
      // I2: one account-day in two currencies cannot be stored as one replacement unit.
      this.problem(row.line, 'currency', `account-day ${conflict.accountId} ${conflict.day} is in ${conflict.currency} (line ${conflict.firstLine}); a second currency ${currency} is not allowed`);
    }
  }
}

/** A cell for an error message: quoted, truncated, never a whole row. */
function show(row: CsvRow, i: number): string {
  const text = fieldText(row, i);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
