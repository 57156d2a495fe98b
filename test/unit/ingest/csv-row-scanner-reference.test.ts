/**
 * The byte scanner against a plain character-by-character RFC 4180 reader written here from the
 * rules (rows, quoting, line numbers, the first fault of a row): every short text over the
 * delimiters exhaustively, and long random texts (Cyrillic, a BOM, rows of hundreds of fields),
 * each whole and in random chunkings, fed as Buffers and as views into larger memory.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvRowScanner, fieldText, type CsvRow } from '../../../shared/ingest/csv-row-scanner';

interface ReadRow {
  line: number;
  fields: string[];
  malformed: CsvRow['malformed'];
}

const UNTERMINATED = 'unterminated quoted field (a quote opened here is never closed)';
const AFTER_QUOTE = 'unexpected character after a closing quote';
const BARE_QUOTE = 'a quote inside an unquoted field (RFC 4180 requires the field to be quoted)';

const ends = (c: string | undefined) => c === undefined || c === ',' || c === '\r' || c === '\n';

/** Physical line breaks in a text: LF, CRLF once, a lone CR. */
function lineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') count++;
    else if (text[i] === '\r' && text[i + 1] !== '\n') count++;
  }
  return count;
}

/** The reference: reads a whole decoded text with string operations only. */
function reference(input: string): ReadRow[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const rows: ReadRow[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    if (text[i] === '\n' || text[i] === '\r') {
      i += text.startsWith('\r\n', i) ? 2 : 1; // a blank line
      line++;
      continue;
    }
    const row: ReadRow = { line, fields: [], malformed: null };
    const fault = (reason: string) => (row.malformed ??= { field: row.fields.length, reason });
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        let closed = false;
        for (i++; i < text.length; ) {
          if (text[i] !== '"') value += text[i++];
          else if (text[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i++;
            closed = true;
            break;
          }
        }
        if (!closed) fault(UNTERMINATED);
        line += lineBreaks(value);
        if (!ends(text[i])) fault(AFTER_QUOTE);
        while (!ends(text[i])) i++;
      } else {
        while (!ends(text[i])) {
          if (text[i] === '"') fault(BARE_QUOTE);
          value += text[i++];
        }
      }
      row.fields.push(value);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (i < text.length) i += text.startsWith('\r\n', i) ? 2 : 1;
      break;
    }
    rows.push(row);
    line++;
  }
  return rows;
}

/** Splits bytes at `sizes` (cycled), each chunk a Buffer or a view into a larger Uint8Array. */
function split(bytes: Buffer, sizes: number[], views: boolean): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    const part = bytes.subarray(at, at + size);
    if (views) {
      // Garbage on both sides: the scanner must read the view, not the memory around it.
      const memory = new Uint8Array(part.length + 6).fill(0x2c);
      memory.set(part, 3);
      chunks.push(memory.subarray(3, 3 + part.length));
    } else chunks.push(Buffer.from(part));
    at += size;
  }
  return chunks;
}

function scan(chunks: Uint8Array[]): { rows: ReadRow[]; bytes: number } {
  const rows: ReadRow[] = [];
  const scanner = new CsvRowScanner((row) => {
    const fields: string[] = [];
    for (let i = 0; i < row.fieldCount; i++) fields.push(fieldText(row, i));
    rows.push({ line: row.line, fields, malformed: row.malformed && { ...row.malformed } });
  });
  for (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  return { rows, bytes: scanner.bytes };
}

/** Every text of up to `max` characters over `alphabet`. */
function* allTexts(alphabet: string[], max: number): Generator<string> {
  let level = [''];
  yield '';
  for (let length = 1; length <= max; length++) {
    const next: string[] = [];
    for (const prefix of level) for (const c of alphabet) next.push(prefix + c);
    yield* next;
    level = next;
  }
}

describe('CsvRowScanner agrees with a plain reference reader', () => {
  it('on every text of up to 6 characters of a, comma, quote, CR and LF, whole and byte by byte', () => {
    let checked = 0;
    for (const text of allTexts(['a', ',', '"', '\r', '\n'], 6)) {
      const bytes = Buffer.from(text, 'utf8');
      const expected = reference(text);
      expect(scan([bytes]).rows, JSON.stringify(text)).toEqual(expected);
      expect(scan(split(bytes, [1], false)).rows, `${JSON.stringify(text)} byte by byte`).toEqual(expected);
      checked++;
    }
    expect(checked).toBe((5 ** 7 - 1) / 4);
  });

  it('on every text of up to 4 characters after a byte order mark, in every chunk size up to 4', () => {
    for (const body of allTexts(['a', ',', '"', '\r', '\n'], 4)) {
      const text = `\uFEFF${body}`;
      const bytes = Buffer.from(text, 'utf8');
      const expected = reference(text);
      for (const size of [1, 2, 3, 4, 7]) {
        const got = scan(split(bytes, [size], size % 2 === 0));
        expect(got, `${JSON.stringify(text)} in chunks of ${size}`).toEqual({ rows: expected, bytes: bytes.length });
      }
    }
  });

  const token = fc.constantFrom('a', 'x1', 'Ж', 'ёлка', ',', ',', ',', '"', '""', '\r', '\n', '\r\n', '\uFEFF');
  const text = fc.tuple(fc.boolean(), fc.array(token, { maxLength: 400 })).map(([bom, tokens]) => (bom ? '\uFEFF' : '') + tokens.join(''));
  const sizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 });

  it('on random texts with multi-byte characters, in random chunkings', () => {
    fc.assert(
      fc.property(text, sizes, fc.boolean(), (input, chunkSizes, views) => {
        const bytes = Buffer.from(input, 'utf8');
        const expected = reference(input);
        expect(scan([bytes]).rows).toEqual(expected);
        expect(scan(split(bytes, chunkSizes, views))).toEqual({ rows: expected, bytes: bytes.length });
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });

  it('on rows of hundreds of fields, growing its field arrays without losing the first ones', () => {
    const field = fc.constantFrom('', 'v', '"q,1"', '"a""b"', 'цена');
    const wide = fc
      .array(fc.array(field, { minLength: 60, maxLength: 300 }), { minLength: 1, maxLength: 4 })
      .map((rows) => rows.map((r) => r.join(',')).join('\r\n'));
    fc.assert(
      fc.property(wide, sizes, (input, chunkSizes) => {
        const bytes = Buffer.from(input, 'utf8');
        const expected = reference(input);
        expect(scan([bytes]).rows).toEqual(expected);
        expect(scan(split(bytes, chunkSizes, false)).rows).toEqual(expected);
      }),
      { numRuns: 40, seed: 20261201 },
    );
  });

  it('reads 129 fields, one past the second doubling of its field arrays', () => {
    const fields = Array.from({ length: 129 }, (_, i) => (i % 2 === 0 ? `f${i}` : `"g""${i}"`));
    const rows = scan([Buffer.from(`${fields.join(',')}\nend`, 'utf8')]).rows;
    expect(rows[0]!.fields).toEqual(fields.map((f, i) => (i % 2 === 0 ? f : `g"${i}`)));
    expect(rows[1]!.fields).toEqual(['end']);
  });
});
