/**
 * An account-day's content (`accountDayContent`) as the UTF-8 bytes SQLite stores and the digest
 * hashes, written straight into a buffer. Handing SQLite a JS string of Cyrillic display names
 * makes better-sqlite3 encode it to UTF-8 one character at a time, and hashing it encodes it
 * again: measured on 600,000 one-aggregate account-days, binding the text cost 1.7 s more than
 * binding its bytes. Here every id and name is encoded once per distinct value, and a line is
 * assembled as a one-byte string whose characters are those bytes (latin1), copied into the
 * buffer with no encoding at all.
 *
 * The bytes are exactly `Buffer.from(accountDayContent(rows), 'utf8')` (test/unit/sqlite-content-
 * bytes.test.ts, generated names included), so digests and stored text are unchanged.
 */
import type { UsageAggregate } from '../../domain/model';
import { accountDayContent, inKeyOrder, jsonText } from '../../domain/replacement';

/** Distinct ids and names kept encoded; past it a value is encoded every time it is met. */
const ENCODED_LIMIT = 50_000;

export class ContentBytes {
  /** `jsonText(value)`'s UTF-8 bytes as a latin1 string, by value. */
  private readonly encoded = new Map<string, string>();
  private buffer = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  /** Starts a new set of contents: the views `add` returned before are overwritten from here on. */
  reset(): void {
    this.used = 0;
  }

  /**
   * Appends one account-day's content and returns a view of its bytes, valid until the next
   * `reset`. A full buffer is replaced by a larger one; views already returned keep the old one.
   */
  add(rows: readonly UsageAggregate[]): Buffer {
    const text = this.latin1(rows);
    if (this.used + text.length > this.buffer.length) {
      this.buffer = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, text.length));
      this.used = 0;
    }
    const start = this.used;
    this.used += this.buffer.write(text, start, 'latin1');
    return this.buffer.subarray(start, this.used);
  }

  /** The content's UTF-8 bytes, one latin1 character each. */
  latin1(rows: readonly UsageAggregate[]): string {
    // Rows out of key order are rare (the parser's batches are sorted): the text decides.
    if (!inKeyOrder(rows)) return Buffer.from(accountDayContent(rows), 'utf8').toString('latin1');
    let text = '';
    for (const r of rows)
      text += `[${this.json(r.serviceId)},${this.json(r.skuId)},"${r.currency}","${r.cost}","${r.credit}",${r.rows},${this.json(r.serviceName)},${this.json(r.skuName)}]\n`;
    return text;
  }

  private json(value: string): string {
    let bytes = this.encoded.get(value);
    if (bytes === undefined) {
      bytes = Buffer.from(jsonText(value), 'utf8').toString('latin1');
      if (this.encoded.size < ENCODED_LIMIT) this.encoded.set(value, bytes);
    }
    return bytes;
  }
}
