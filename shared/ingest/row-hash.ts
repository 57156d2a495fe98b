/**
 * The hashes that find a row's account-day and group (usage-aggregator.ts): FNV-1a over the key
 * cells' bytes, with each cell's length mixed in. Their own module, because the parse worker
 * computes them too and loads nothing else of the aggregator.
 */
import type { CsvRow } from './csv-row-scanner';
import type { KeyColumns } from './usage-aggregator';

/** FNV-1a over a row's account and day cells: the hash of its account-day. */
export function accountDayHash(row: CsvRow, c: KeyColumns): number {
  const { buf, starts, ends } = row;
  return hashBytes(buf, starts[c.day]!, ends[c.day]!, hashBytes(buf, starts[c.account]!, ends[c.account]!, 0x811c9dc5));
}

/** The hash of a row's group: its account-day's hash, then FNV-1a on over the service and sku cells. */
export function groupHash(row: CsvRow, c: KeyColumns, dayHash: number): number {
  const { buf, starts, ends } = row;
  return hashBytes(buf, starts[c.sku]!, ends[c.sku]!, hashBytes(buf, starts[c.service]!, ends[c.service]!, dayHash));
}

function hashBytes(buf: Buffer, s: number, e: number, h: number): number {
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return Math.imul(h ^ ((e - s) | 0x100), 0x01000193);
}
