/**
 * What serverless YDB would bill a request, estimated the way its pricing pages describe
 * (yandex-cloud/docs `en/ydb/pricing/ru-yql.md`, `en/ydb/pricing/ru-special.md`):
 * - a YQL query costs max(CPU, I/O); the fake has no CPU figure, so it charges I/O with a floor of
 *   1 RU per query (a cached, tiny query still costs about one 1.5 ms CPU increment);
 * - reads: max(rows read, ceil(bytes read / 4 KB)) × 1 RU;
 * - writes: max(rows written, ceil(bytes written / 1 KB)) × 2 RU; deletes are billed by their
 *   count, here as writes (2 RU each) — the page does not give a separate price;
 * - BulkUpsert: 0.5 RU per started KB of each row, the request total rounded up.
 * Row sizes are estimated from the values (text: UTF-8 bytes; Date 2; Uint64 8; Decimal 16; Bool 1).
 */
import type { FakeValue } from './yql-types';

export interface RequestCost {
  method: string;
  target?: string;
  rowsRead: number;
  bytesRead: number;
  rowsWritten: number;
  bytesWritten: number;
  rowsDeleted: number;
  /** BulkUpsert only: Σ ceil(row bytes / 1 KB). */
  kbRows: number;
  ru: number;
}

export function valueBytes(value: FakeValue | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}$/.test(value) ? 2 : Buffer.byteLength(value);
  if (typeof value === 'bigint') return value > 0xffffffffffffffffn || value < 0n ? 16 : 8;
  if (typeof value === 'boolean') return 1;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + valueBytes(v), 0);
  return Object.values(value).reduce((sum: number, v) => sum + valueBytes(v), 0);
}

export const rowBytes = (row: Record<string, FakeValue>): number => valueBytes(row);

/** Counters of one request; the engine adds to it while a handler runs. */
export class Meter {
  rowsRead = 0;
  bytesRead = 0;
  rowsWritten = 0;
  bytesWritten = 0;
  rowsDeleted = 0;
  kbRows = 0;

  read(row: Record<string, FakeValue> | undefined): void {
    this.rowsRead += 1;
    if (row) this.bytesRead += rowBytes(row);
  }

  write(row: Record<string, FakeValue>): void {
    this.rowsWritten += 1;
    this.bytesWritten += rowBytes(row);
  }

  delete(): void {
    this.rowsDeleted += 1;
  }

  bulkRow(row: Record<string, FakeValue>): void {
    this.rowsWritten += 1;
    this.bytesWritten += rowBytes(row);
    this.kbRows += Math.max(1, Math.ceil(rowBytes(row) / 1024));
  }

  /** The estimated request units of what was counted (see the file comment). */
  cost(method: string, target: string | undefined): RequestCost {
    let ru: number;
    if (method === 'BulkUpsert') ru = Math.ceil(this.kbRows * 0.5);
    else {
      const reads = Math.max(this.rowsRead, Math.ceil(this.bytesRead / 4096));
      const writes = Math.max(this.rowsWritten, Math.ceil(this.bytesWritten / 1024)) + this.rowsDeleted;
      ru = Math.max(1, reads + 2 * writes);
    }
    return {
      method,
      ...(target === undefined ? {} : { target }),
      rowsRead: this.rowsRead,
      bytesRead: this.bytesRead,
      rowsWritten: this.rowsWritten,
      bytesWritten: this.bytesWritten,
      rowsDeleted: this.rowsDeleted,
      kbRows: this.kbRows,
      ru,
    };
  }
}

/** Totals of a list of request costs. */
export function totalCost(costs: readonly RequestCost[]): Omit<RequestCost, 'method' | 'target'> & { requests: number } {
  const sum = (pick: (c: RequestCost) => number) => costs.reduce((s, c) => s + pick(c), 0);
  return {
    requests: costs.length,
    rowsRead: sum((c) => c.rowsRead),
    bytesRead: sum((c) => c.bytesRead),
    rowsWritten: sum((c) => c.rowsWritten),
    bytesWritten: sum((c) => c.bytesWritten),
    rowsDeleted: sum((c) => c.rowsDeleted),
    kbRows: sum((c) => c.kbRows),
    ru: sum((c) => c.ru),
  };
}
