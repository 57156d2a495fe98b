/**
 * A streaming RFC 4180 row scanner that works on bytes (I4).
 *
 * It never decodes a chunk to a string: it finds field boundaries in the raw UTF-8 bytes and
 * hands each complete row to a callback as offsets into a buffer, so the caller decodes only the
 * few cells it needs. Delimiters (comma, quote, CR, LF) are ASCII and never occur inside a
 * multi-byte UTF-8 sequence, so scanning bytes is exact.
 *
 * Chunk boundaries may split a CRLF pair, a doubled quote or a multi-byte character. A row is
 * only emitted once it is complete: an incomplete tail is carried over, joined with a prefix of
 * the next chunk (never a copy of the whole chunk) and scanned again from the row's start. To
 * keep that linear for long rows and tiny chunks, a failed attempt waits until the carried bytes
 * have doubled before trying again.
 *
 * A pushed chunk is read during `push` only: what is carried to the next call is copied, so the
 * source may read its next chunk into the same buffer (local-source.ts does, so a parse leaves no
 * chunk behind for the collector: 1 MiB chunks waiting for it held ~30 MB at the ingest's peak).
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/** One complete row. Valid only during the callback: the buffer and arrays are reused. */
export interface CsvRow {
  buf: Buffer;
  /** 1-based physical line on which the row starts (quoted line breaks count). */
  line: number;
  fieldCount: number;
  /** Content bounds of field i (inside the quotes for a quoted field). */
  starts: Int32Array;
  ends: Int32Array;
  /** 1 when field i was quoted and holds doubled quotes that must be unescaped. */
  escaped: Uint8Array;
  /** The first structural fault of the row (bad quoting), or null. */
  malformed: { field: number; reason: string } | null;
}

export class CsvRowScanner {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private needBytes = 0;
  private bomChecked = false;
  private line = 1;
  private readonly row: CsvRow;
  /** Every byte pushed, BOM included. */
  bytes = 0;

  constructor(private readonly onRow: (row: CsvRow) => void) {
    this.row = {
      buf: Buffer.alloc(0),
      line: 0,
      fieldCount: 0,
      starts: new Int32Array(64),
      ends: new Int32Array(64),
      escaped: new Uint8Array(64),
      malformed: null,
    };
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytes += buf.length;
    // The BOM may itself be split across chunks: decide once 3 bytes are known. A chunk that is
    // only kept (a row longer than what is pending, or no BOM decision yet) is kept as a copy.
    const waits = this.pendingBytes + buf.length < (this.bomChecked ? this.needBytes : Math.max(3, this.needBytes));
    this.pending.push(waits ? Buffer.from(buf) : buf);
    this.pendingBytes += buf.length;
    if (waits) return;
    let next: Buffer;
    let carry: Buffer;
    if (!this.bomChecked) {
      next = this.stripBom(this.takePending());
      carry = EMPTY;
    } else {
      next = this.pending.pop()!;
      this.pendingBytes -= next.length;
      carry = this.takePending();
    }
    let progressed = true;
    while (next.length > 0) {
      if (carry.length === 0) {
        const consumed = this.scan(next, 0, false);
        carry = next.subarray(consumed);
        progressed = consumed > 0;
        break;
      }
      // Complete the carried row with a prefix of the chunk (copying the prefix, not the whole
      // chunk), then go on scanning the chunk itself. The prefix at least doubles the carry.
      const take = Math.min(next.length, Math.max(4096, carry.length));
      const joined = Buffer.concat([carry, next.subarray(0, take)]);
      const consumed = this.scan(joined, 0, false);
      if (consumed >= carry.length) {
        next = next.subarray(consumed - carry.length);
        carry = EMPTY;
        continue;
      }
      carry = joined.subarray(consumed);
      next = next.subarray(take);
      progressed = consumed > 0;
    }
    if (carry.length > 0) {
      // A copy: `carry` may be a view of the caller's chunk (usually less than a row).
      this.pending = [Buffer.from(carry)];
      this.pendingBytes = carry.length;
    }
    // A row that did not fit is scanned again only once the carried bytes have doubled.
    this.needBytes = progressed ? 0 : carry.length * 2;
  }

  /** Scans what is left as the end of the file (a last row without a line break is a row). */
  end(): void {
    let buf = this.takePending();
    if (!this.bomChecked) buf = this.stripBom(buf);
    this.scan(buf, 0, true);
  }

  private takePending(): Buffer {
    const count = this.pending.length;
    const joined = count === 0 ? EMPTY : count === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return joined;
  }

  private stripBom(buf: Buffer): Buffer {
    this.bomChecked = true;
    return buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
  }

  /** Emits every complete row from `pos`; returns the offset of the first byte not consumed. */
  private scan(buf: Buffer, pos: number, final: boolean): number {
    const end = buf.length;
    const row = this.row;
    row.buf = buf;
    while (pos < end) {
      const rowStart = pos;
      let c = buf[pos]!;
      if (c === LF || c === CR) {
        // A blank line is skipped; a CR at the very end of a chunk may be half of a CRLF.
        if (c === CR && pos + 1 >= end && !final) return rowStart;
        pos += c === CR && buf[pos + 1] === LF ? 2 : 1;
        this.line++;
        continue;
      }
      let n = 0;
      let lineBreaks = 0;
      let malformed: CsvRow['malformed'] = null;
      for (;;) {
        if (n >= row.starts.length) this.grow();
        if (pos < end && buf[pos] === QUOTE) {
          const s = pos + 1;
          let p = s;
          let escaped = 0;
          let e: number;
          for (;;) {
            const q = buf.indexOf(QUOTE, p);
            if (q === -1) {
              if (!final) return rowStart;
              malformed ??= { field: n, reason: 'unterminated quoted field (a quote opened here is never closed)' };
              e = end;
              pos = end;
              break;
            }
            if (q + 1 < end) {
              if (buf[q + 1] === QUOTE) {
                escaped = 1;
                p = q + 2;
                continue;
              }
            } else if (!final) {
              return rowStart; // cannot tell a closing quote from half of a doubled one yet
            }
            e = q;
            pos = q + 1;
            break;
          }
          lineBreaks += countLineBreaks(buf, s, e);
          row.starts[n] = s;
          row.ends[n] = e;
          row.escaped[n] = escaped;
          if (pos < end) {
            c = buf[pos]!;
            if (c !== COMMA && c !== LF && c !== CR) {
              malformed ??= { field: n, reason: 'unexpected character after a closing quote' };
              while (pos < end && (c = buf[pos]!) !== COMMA && c !== LF && c !== CR) pos++;
            }
          }
        } else {
          const s = pos;
          // Hot loop: every byte above ',' (digits, letters, '.', '-', UTF-8) is plain content.
          while (pos < end) {
            c = buf[pos]!;
            if (c > COMMA || (c !== COMMA && c !== LF && c !== CR && c !== QUOTE)) pos++;
            else if (c === QUOTE) {
              malformed ??= { field: n, reason: 'a quote inside an unquoted field (RFC 4180 requires the field to be quoted)' };
              pos++;
            } else break;
          }
          row.starts[n] = s;
          row.ends[n] = pos;
          row.escaped[n] = 0;
        }
        n++;
        if (pos >= end) {
          if (!final) return rowStart;
          break;
        }
        c = buf[pos]!;
        if (c === COMMA) {
          pos++;
          continue;
        }
        if (c === LF) {
          pos++;
          break;
        }
        // CR: a CRLF pair or a lone CR ends the row; at a chunk end we must see the next byte.
        if (pos + 1 < end) {
          pos += buf[pos + 1] === LF ? 2 : 1;
          break;
        }
        if (!final) return rowStart;
        pos++;
        break;
      }
      row.line = this.line;
      row.fieldCount = n;
      row.malformed = malformed;
      this.onRow(row);
      this.line += lineBreaks + 1;
    }
    return pos;
  }

  private grow(): void {
    const size = this.row.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const escaped = new Uint8Array(size);
    starts.set(this.row.starts);
    ends.set(this.row.ends);
    escaped.set(this.row.escaped);
    this.row.starts = starts;
    this.row.ends = ends;
    this.row.escaped = escaped;
  }
}

/** Line breaks inside a quoted field: LF, CRLF (once) and a lone CR each start a new physical line. */
function countLineBreaks(buf: Buffer, s: number, e: number): number {
  let count = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === LF) count++;
    else if (c === CR && buf[i + 1] !== LF) count++;
  }
  return count;
}

/** The text of field `i` of a row: UTF-8 decoded, doubled quotes unescaped. */
export function fieldText(row: CsvRow, i: number): string {
  const text = row.buf.toString('utf8', row.starts[i], row.ends[i]);
  return row.escaped[i] === 1 ? text.replaceAll('""', '"') : text;
}
