/**
 * Cell text kept as raw bytes (a latin1 string: one char per byte, an exact copy that shares no
 * memory with the chunk it came from) and decoded to UTF-8 once. Raw text lets the aggregator
 * compare a cell with a stored value without making a string per row (I4).
 */
import { isUtf8 } from 'node:buffer';
import type { CsvRow } from './csv-row-scanner';

export interface RawText {
  /** The cell's bytes as latin1; holds `""` exactly when the cell was quoted with doubled quotes. */
  raw: string;
  /** The cell's text: UTF-8 decoded, doubled quotes unescaped. */
  text: string;
  /** Whether the bytes are valid UTF-8; when not, `text` holds U+FFFD and must not be stored. */
  utf8: boolean;
  /** The aggregator's verdict on this text as an id of one column, kept so it is checked once. */
  verdict?: { column: string; problem: { column: string; reason: string } | null };
  /**
   * The aggregator that last numbered this text, and its number there: a table may be shared by
   * a file's aggregators (one per run), so the number is only this one's when `owner` is.
   */
  owner: object | null;
  id: number;
}

/** A copy of a cell's raw bytes as a latin1 string. */
export function rawCell(row: CsvRow, i: number): string {
  return row.buf.toString('latin1', row.starts[i], row.ends[i]);
}

/** Whether bytes [s, e) of `buf` equal `raw` from `offset` (the caller checked the length). */
export function sameBytes(buf: Buffer, s: number, e: number, raw: string, offset: number): boolean {
  for (let i = s, j = offset; i < e; i++, j++) if (buf[i] !== raw.charCodeAt(j)) return false;
  return true;
}

/** Whether a cell holds exactly `text`'s raw bytes. */
export function cellEquals(row: CsvRow, i: number, text: RawText): boolean {
  const s = row.starts[i]!;
  const e = row.ends[i]!;
  return e - s === text.raw.length && sameBytes(row.buf, s, e, text.raw, 0);
}

function decode(raw: string): RawText {
  const bytes = Buffer.from(raw, 'latin1');
  const text = bytes.toString('utf8');
  // Only a quoted cell with doubled quotes has a quote byte in its raw content.
  return { raw, text: raw.includes('"') ? text.replaceAll('""', '"') : text, utf8: isUtf8(bytes), verdict: undefined, owner: null, id: -1 };
}

/**
 * Shares one RawText per distinct value: ids and names repeat across thousands of groups
 * (every account uses the same SKUs), so a group holds a reference, not its own copies. The table
 * stops growing at `limit` entries, so a file of ever-new values cannot grow it without bound.
 */
export class RawTextTable {
  /** Known texts by a hash of their bytes; a hash shared by several texts holds them all. */
  private readonly known = new Map<number, RawText | RawText[]>();
  private size = 0;

  constructor(private readonly limit = 100_000) {}

  /**
   * The cell's shared RawText. A known text is found from the cell's bytes (hashed, then
   * compared), so looking it up makes no string: the latin1 copy and the decode happen once per
   * distinct text.
   */
  of(row: CsvRow, i: number): RawText {
    const buf = row.buf;
    const s = row.starts[i]!;
    const e = row.ends[i]!;
    let h = 0x811c9dc5;
    for (let j = s; j < e; j++) h = Math.imul(h ^ buf[j]!, 0x01000193);
    const entry = this.known.get(h);
    if (entry !== undefined) {
      if (Array.isArray(entry)) {
        for (const text of entry) if (text.raw.length === e - s && sameBytes(buf, s, e, text.raw, 0)) return text;
      } else if (entry.raw.length === e - s && sameBytes(buf, s, e, entry.raw, 0)) return entry;
    }
    const found = decode(rawCell(row, i));
    if (this.size < this.limit) {
      this.size++;
      this.known.set(h, entry === undefined ? found : Array.isArray(entry) ? [...entry, found] : [entry, found]);
    }
    return found;
  }
}
