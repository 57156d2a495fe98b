/**
 * The fake's storage engine: tables created from the adapter's real CREATE TABLE text, rows kept
 * by primary key, and transactions with YDB's observable behaviour — serializable read-write
 * transactions buffer their writes and commit atomically, failing with ABORTED when a table they
 * touched was changed by someone else meanwhile (optimistic locks); snapshot read-only
 * transactions read the state as of their first query.
 *
 * A table's rows are one Map, replaced by a copy only while an open serializable transaction
 * still reads the Map being changed (what it saw must not move under it); otherwise a write
 * changes it in place. A transaction's own writes are an overlay of the keys it changed. So a
 * write costs what it changes, not the table's size, and a million-row apply stays linear.
 */
import { Meter } from './cost-meter';
import { parseType, renderType, type FakeValue, type YqlType } from './yql-types';

export type Row = Record<string, FakeValue>;

export interface Column {
  name: string;
  type: YqlType;
  notNull: boolean;
}

export interface TableSchema {
  name: string;
  columns: Column[];
  key: string[];
  /** Secondary indexes (name → columns), as CreateTable declared them. */
  indexes?: { name: string; columns: string[] }[];
  /** The partitioning settings CreateTable sent (DescribeTable returns them). */
  partitioning?: Record<string, unknown>;
}

interface TableData {
  schema: TableSchema;
  rows: Map<string, Row>;
  version: number;
}

/** A failure with a YDB status, turned into an operation status by the server. */
export class FakeStatusError extends Error {
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses `CREATE TABLE name (col Type [NOT NULL], …, PRIMARY KEY (a, b));`. */
export function parseCreateTable(ddl: string): TableSchema {
  const match = /^\s*CREATE TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([\s\S]*)\)\s*;?\s*$/.exec(ddl);
  if (!match?.[1] || match[2] === undefined)
    throw new FakeStatusError('GENERIC_ERROR', `not a CREATE TABLE statement: ${ddl.slice(0, 80)}`);
  const columns: Column[] = [];
  let key: string[] = [];
  for (const part of match[2]
    .split(/,(?![^(]*\))/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const pk = /^PRIMARY KEY\s*\(([^)]*)\)$/.exec(part);
    if (pk?.[1] !== undefined) {
      key = pk[1].split(',').map((c) => c.trim());
      continue;
    }
    const col = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.+?)(\s+NOT NULL)?$/.exec(part);
    if (!col?.[1] || !col[2]) throw new FakeStatusError('GENERIC_ERROR', `cannot parse column definition "${part}"`);
    columns.push({ name: col[1], type: parseType(col[2]), notNull: col[3] !== undefined });
  }
  if (key.length === 0 || key.some((k) => !columns.some((c) => c.name === k))) {
    throw new FakeStatusError('GENERIC_ERROR', `table ${match[1]}: primary key (${key.join(', ')}) must name declared columns`);
  }
  return { name: match[1], columns, key };
}

/** The type a column has in a result set: nullable columns come back as Optional<T>. */
export function resultType(column: Column): YqlType {
  return column.notNull ? column.type : { kind: 'optional', item: column.type };
}

export function compareValues(a: FakeValue, b: FakeValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareTuples(a: readonly FakeValue[], b: readonly FakeValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const c = compareValues(a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const keyString = (schema: TableSchema, row: Row) => JSON.stringify(schema.key.map((k) => String(row[k] ?? null)));

const sortedCache = new WeakMap<Map<string, Row>, Row[]>();

/** The rows of a table state in primary-key order (cached per immutable state). */
function sortedRows(schema: TableSchema, rows: Map<string, Row>): Row[] {
  let sorted = sortedCache.get(rows);
  if (!sorted) {
    sorted = [...rows.values()].sort((a, b) =>
      compareTuples(
        schema.key.map((k) => a[k] ?? null),
        schema.key.map((k) => b[k] ?? null),
      ),
    );
    sortedCache.set(rows, sorted);
  }
  return sorted;
}

export class FakeEngine {
  private readonly tables = new Map<string, TableData>();
  /** Distinct keys each committed serializable transaction read or wrote (its locks). */
  readonly txKeys: number[] = [];

  createTable(ddl: string): void {
    this.createFromSchema(parseCreateTable(ddl));
  }

  createFromSchema(schema: TableSchema): void {
    if (this.tables.has(schema.name)) throw new FakeStatusError('SCHEME_ERROR', `table ${schema.name} already exists`);
    this.tables.set(schema.name, { schema, rows: new Map(), version: 0 });
  }

  schema(name: string): TableSchema {
    const table = this.tables.get(name);
    if (!table) throw new FakeStatusError('SCHEME_ERROR', `Cannot find table '${name}'`);
    return table.schema;
  }

  hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  /** Upserts outside any transaction (BulkUpsert), checking each member against the column type. */
  bulkUpsert(name: string, rowType: YqlType, rows: Row[], meter = new Meter()): void {
    const table = this.tables.get(name);
    if (!table) throw new FakeStatusError('SCHEME_ERROR', `Cannot find table '${name}'`);
    if (rowType.kind !== 'struct') throw new FakeStatusError('BAD_REQUEST', 'BulkUpsert rows must be a List<Struct<…>>');
    for (const [member, type] of rowType.members) {
      const column = table.schema.columns.find((c) => c.name === member);
      if (!column) throw new FakeStatusError('SCHEME_ERROR', `BulkUpsert: unknown column ${member} in ${name}`);
      const accepted = [renderType(column.type), renderType({ kind: 'optional', item: column.type })];
      if (!accepted.includes(renderType(type)))
        throw new FakeStatusError(
          'BAD_REQUEST',
          `BulkUpsert: column ${name}.${member} is ${renderType(column.type)}, got ${renderType(type)}`,
        );
    }
    const missingKey = table.schema.key.filter((k) => !rowType.members.some(([m]) => m === k));
    if (missingKey.length > 0)
      throw new FakeStatusError('BAD_REQUEST', `BulkUpsert into ${name} lacks key columns ${missingKey.join(', ')}`);
    const next = this.writable(table);
    for (const row of rows) {
      meter.bulkRow(row);
      next.set(keyString(table.schema, row), { ...(next.get(keyString(table.schema, row)) ?? {}), ...row });
    }
    table.version += 1;
  }

  begin(mode: 'serializable' | 'snapshot'): FakeTx {
    const tx = new FakeTx(this.tables, mode, this.txKeys, this);
    if (mode === 'serializable') this.open.add(tx);
    return tx;
  }

  /** Serializable transactions not yet committed or rolled back: they may read a table's current Map. */
  private readonly open = new Set<FakeTx>();

  /** @internal A transaction ended: it reads nothing any more. */
  ended(tx: FakeTx): void {
    this.open.delete(tx);
  }

  /**
   * The table's rows, ready to be changed: the current Map itself when no open transaction reads
   * it, else a copy that becomes the table's (the readers keep the state they saw).
   */
  writable(table: TableData): Map<string, Row> {
    let shared = false;
    for (const tx of this.open) if (tx.reads(table.schema.name, table.rows)) shared = true;
    if (shared) table.rows = new Map(table.rows);
    else sortedCache.delete(table.rows);
    return table.rows;
  }

  /** Every stored row of a table in key order (test inspection; not metered). */
  dump(name: string): Row[] {
    return this.begin('snapshot').scan(name);
  }
}

/** A contiguous key range read: rows from `inRange`'s first true to its last, in key order. */
export interface RangeRead {
  /** Where the range starts: a prefix of the primary key (binary-searched; default the first row). */
  start?: FakeValue[];
  /** True for the rows of the key range (the read starts and stops on it). */
  inRange(row: Row): boolean;
  /** True for rows beyond the range's end (the read stops there, unbilled, even if it never started). */
  past?(row: Row): boolean;
  /** A residual filter: rows of the range it rejects are read (and billed) but not returned. */
  filter?(row: Row): boolean;
  /** Stop after this many returned rows (a LIMIT that applies to this single-table read). */
  limit?: number;
}

export class FakeTx {
  private readonly snapshot = new Map<string, { rows: Map<string, Row>; version: number }>();
  /** This transaction's writes per table: the changed keys, a row or null (deleted). */
  private readonly staged = new Map<string, Map<string, Row | null>>();
  /** The rows this transaction sees of a table it wrote, built when it reads a range (dropped on its next write). */
  private readonly merged = new Map<string, Map<string, Row>>();
  private readonly locked = new Set<string>();
  private done = false;
  /** Where the current request's reads and writes are counted (set per request by the server). */
  meter = new Meter();

  constructor(
    private readonly tables: Map<string, TableData>,
    readonly mode: 'serializable' | 'snapshot',
    private readonly txKeys: number[],
    private readonly engine: FakeEngine,
  ) {
    if (mode === 'snapshot') for (const [name, t] of tables) this.snapshot.set(name, { rows: new Map(t.rows), version: t.version });
  }

  /** @internal Whether this transaction reads `rows` as the state of table `name`. */
  reads(name: string, rows: Map<string, Row>): boolean {
    return this.snapshot.get(name)?.rows === rows;
  }

  private end(): void {
    this.done = true;
    this.engine.ended(this);
  }

  private table(name: string): TableData {
    const table = this.tables.get(name);
    if (!table) throw new FakeStatusError('SCHEME_ERROR', `Cannot find table '${name}'`);
    return table;
  }

  /** The rows this transaction read the table from (without its own writes); records the version it relied on. */
  private base(name: string): Map<string, Row> {
    if (this.done) throw new FakeStatusError('NOT_FOUND', 'Transaction not found (already committed or rolled back)');
    const table = this.table(name);
    const seen = this.snapshot.get(name);
    if (seen) return seen.rows;
    this.snapshot.set(name, { rows: table.rows, version: table.version });
    return table.rows;
  }

  /** The rows this transaction sees, its own writes included. */
  private view(name: string): Map<string, Row> {
    const base = this.base(name);
    const staged = this.staged.get(name);
    if (!staged) return base;
    let merged = this.merged.get(name);
    if (!merged) {
      merged = new Map(base);
      for (const [key, row] of staged) {
        if (row === null) merged.delete(key);
        else merged.set(key, row);
      }
      this.merged.set(name, merged);
    }
    return merged;
  }

  /** The row of a key as this transaction sees it. */
  private current(name: string, key: string): Row | undefined {
    const staged = this.staged.get(name);
    const own = staged?.get(key);
    if (own !== undefined) return own ?? undefined;
    return this.base(name).get(key);
  }

  /** Every row in key order, not metered (test inspection and the fake's own bookkeeping). */
  scan(name: string): Row[] {
    return sortedRows(this.table(name).schema, this.view(name));
  }

  /** A full-table read: every row is read and billed. */
  fullScan(name: string): Row[] {
    const rows = this.scan(name);
    for (const row of rows) this.touch(name, row, true);
    return rows;
  }

  /** A key-range read (see RangeRead); bills every row of the range it passes over. */
  range(name: string, read: RangeRead): Row[] {
    const out: Row[] = [];
    let started = false;
    const schema = this.table(name).schema;
    const rows = this.scan(name);
    let from = 0;
    if (read.start !== undefined) {
      const start = read.start;
      let hi = rows.length;
      while (from < hi) {
        const mid = (from + hi) >> 1;
        const row = rows[mid] as Row;
        if (
          compareTuples(
            schema.key.slice(0, start.length).map((k) => row[k] ?? null),
            start,
          ) < 0
        )
          from = mid + 1;
        else hi = mid;
      }
    }
    for (let i = from; i < rows.length; i += 1) {
      const row = rows[i] as Row;
      if (read.past?.(row)) break;
      if (!read.inRange(row)) {
        if (started) break;
        continue;
      }
      started = true;
      this.touch(name, row, true);
      if (read.filter && !read.filter(row)) continue;
      out.push(row);
      if (read.limit !== undefined && out.length >= read.limit) break;
    }
    return out;
  }

  private touch(name: string, row: Row, read: boolean): void {
    if (read) this.meter.read(row);
    if (this.mode === 'serializable') this.locked.add(`${name}\u0000${keyString(this.table(name).schema, row)}`);
  }

  /** A point lookup by full key: one billed read, found or not. */
  get(name: string, key: Row): Row | undefined {
    const row = this.current(name, keyString(this.table(name).schema, key));
    this.meter.read(row);
    if (this.mode === 'serializable') this.locked.add(`${name}\u0000${keyString(this.table(name).schema, key)}`);
    return row;
  }

  /** This transaction's writes to a table, to be added to. */
  private write(name: string): Map<string, Row | null> {
    if (this.mode === 'snapshot') throw new FakeStatusError('BAD_REQUEST', 'writes are not allowed in a snapshot read-only transaction');
    this.base(name);
    let staged = this.staged.get(name);
    if (!staged) {
      staged = new Map();
      this.staged.set(name, staged);
    }
    this.merged.delete(name);
    return staged;
  }

  upsert(name: string, row: Row): void {
    const key = keyString(this.table(name).schema, row);
    this.write(name).set(key, { ...(this.current(name, key) ?? {}), ...row });
    this.meter.write(row);
    this.touch(name, row, false);
  }

  insert(name: string, row: Row): void {
    const schema = this.table(name).schema;
    this.write(name);
    if (this.current(name, keyString(schema, row)) !== undefined)
      throw new FakeStatusError('PRECONDITION_FAILED', `Conflict with existing key in ${name}`);
    this.upsert(name, row);
  }

  delete(name: string, key: Row): void {
    this.write(name).set(keyString(this.table(name).schema, key), null);
    this.meter.delete();
    this.touch(name, key, false);
  }

  /** Applies the buffered writes atomically, or fails with ABORTED if a table it used changed. */
  commit(): void {
    if (this.done) throw new FakeStatusError('NOT_FOUND', 'Transaction not found');
    this.end();
    if (this.mode === 'snapshot') return;
    for (const [name, seen] of this.snapshot) {
      if (this.table(name).version !== seen.version) throw new FakeStatusError('ABORTED', `Transaction locks invalidated. Table: ${name}`);
    }
    for (const [name, staged] of this.staged) {
      const table = this.table(name);
      const rows = this.engine.writable(table);
      for (const [key, row] of staged) {
        if (row === null) rows.delete(key);
        else rows.set(key, row);
      }
      table.rows = rows;
      table.version += 1;
    }
    this.txKeys.push(this.locked.size);
  }

  rollback(): void {
    this.end();
  }
}
