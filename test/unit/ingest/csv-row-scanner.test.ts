import { describe, expect, it } from 'vitest';
import { CsvRowScanner, fieldText, type CsvRow } from '../../../shared/ingest/csv-row-scanner';
import { CHUNK_SIZES, chunked, utf8 } from './chunking';

interface ScannedRow {
  line: number;
  fields: string[];
  malformed: CsvRow['malformed'];
}

function scan(chunks: Iterable<Uint8Array>): { rows: ScannedRow[]; bytes: number } {
  const rows: ScannedRow[] = [];
  const scanner = new CsvRowScanner((row) => {
    const fields: string[] = [];
    for (let i = 0; i < row.fieldCount; i++) fields.push(fieldText(row, i));
    rows.push({ line: row.line, fields, malformed: row.malformed && { ...row.malformed } });
  });
  for (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  return { rows, bytes: scanner.bytes };
}

function scanText(text: string | Buffer): ScannedRow[] {
  return scan([typeof text === 'string' ? utf8(text) : text]).rows;
}

describe('CsvRowScanner', () => {
  it('splits plain rows on LF, CRLF and a lone CR alike', () => {
    expect(scanText('a,b\nc,d\r\ne,f\rg,h').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
      ['g', 'h'],
    ]);
  });

  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    const rows = scanText('"a,1","say ""hi""","two\r\nlines"\nx,"",y\n');
    expect(rows.map((r) => r.fields)).toEqual([
      ['a,1', 'say "hi"', 'two\r\nlines'],
      ['x', '', 'y'],
    ]);
  });

  it('numbers rows by the physical line they start on, counting quoted line breaks', () => {
    const rows = scanText('h1,h2\r\n"multi\r\nline\nname",1\r\nnext,2\n"a\rb",3\nlast,4');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 5, 6, 8]);
  });

  it('skips blank lines but keeps counting them as lines', () => {
    const rows = scanText('h\r\n\r\na\n\nb\n');
    expect(rows.map((r) => [r.line, r.fields[0]])).toEqual([
      [1, 'h'],
      [3, 'a'],
      [5, 'b'],
    ]);
  });

  it('keeps an empty last field after a trailing comma', () => {
    expect(scanText('a,b,\nc,d,').map((r) => r.fields)).toEqual([
      ['a', 'b', ''],
      ['c', 'd', ''],
    ]);
  });

  it('strips a UTF-8 byte order mark from the first field only', () => {
    const rows = scan([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('id,name\n\uFEFFx,y')])]).rows;
    expect(rows[0]!.fields).toEqual(['id', 'name']);
    expect(rows[1]!.fields[0]).toBe('\uFEFFx');
  });

  it('reports a quote that is never closed at the end of the file', () => {
    const rows = scanText('a,b\n1,"open\nstill open');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ line: 2, malformed: { field: 1, reason: expect.stringContaining('unterminated quoted field') } });
  });

  it('reports a quote inside an unquoted field and text after a closing quote', () => {
    const rows = scanText('ab"c,d\n"x"y,z\n');
    expect(rows[0]!.malformed).toMatchObject({ field: 0, reason: expect.stringContaining('quote inside an unquoted field') });
    expect(rows[1]!.malformed).toMatchObject({ field: 0, reason: expect.stringContaining('after a closing quote') });
    expect(rows[1]!.fields).toEqual(['x', 'z']);
  });

  it('strips only the exact byte order mark, not a first character that shares two of its bytes', () => {
    // U+FF3F is EF BC BF, U+FEC0 is EF BB 80 and U+4EFF is E4 BB BF; the byte order mark is EF BB BF.
    for (const first of ['\uFF3F', '\uFEC0', '\u4EFF']) {
      for (const size of [1, 64]) {
        const rows = scan(chunked(utf8(`${first}id,x\n`), size)).rows;
        expect(rows[0]!.fields, `${first} in chunks of ${size}`).toEqual([`${first}id`, 'x']);
      }
    }
  });

  it('produces identical rows whatever the chunk sizes, including splits inside CRLF, quotes and Cyrillic', () => {
    const text = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      utf8('id,"имя, ""полное""",сумма\r\nдн2,"Ромашка\r\nМосква",1.5\r\n\r\n"q""",ЖЁЛТЫЙ,-0.000000001\rlast,"",\n"x"\r\n'),
    ]);
    const whole = scan([text]);
    expect(whole.rows).toHaveLength(5);
    for (const size of CHUNK_SIZES) {
      const split = scan(chunked(text, size));
      expect(split, `chunk size ${size}`).toEqual(whole);
    }
  });

  it('counts every byte pushed, the BOM included', () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('a\n')]);
    expect(scan(chunked(text, 2)).bytes).toBe(5);
  });

  it('reassembles a row that spans thousands of chunks', () => {
    const long = 'x'.repeat(200_000);
    const text = utf8(`h\n"${long}"\nend\n`);
    const rows = scan(chunked(text, 50)).rows;
    expect(rows.map((r) => r.fields[0]!.length)).toEqual([1, 200_000, 3]);
  });

  it('keeps nothing of a pushed chunk: a source may read every chunk into the same buffer', () => {
    const long = 'ж'.repeat(5_000);
    const text = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      utf8(`id,"имя, ""полное""",сумма\r\nдн2,"${long}\r\nМосква",1.5\r\n\r\n"q""",ЖЁЛТЫЙ,-0.000000001\rlast,"",\n"x"\r\n`),
    ]);
    const whole = scan([text]);
    for (const size of [...CHUNK_SIZES, 4096]) {
      // Each chunk overwrites the one before, and the previous bytes are scribbled over first.
      function* reused(): Generator<Uint8Array> {
        const buffer = Buffer.alloc(size);
        for (const chunk of chunked(text, size)) {
          buffer.fill(0x2c);
          buffer.set(chunk);
          yield buffer.subarray(0, chunk.length);
        }
      }
      expect(scan(reused()), `chunk size ${size}`).toEqual(whole);
    }
  });
});

describe('CsvRowScanner hands rows over while the file streams in', () => {
  function streaming(): { seen: string[][]; scanner: CsvRowScanner } {
    const seen: string[][] = [];
    const scanner = new CsvRowScanner((row) => {
      const fields: string[] = [];
      for (let i = 0; i < row.fieldCount; i++) fields.push(fieldText(row, i));
      seen.push(fields);
    });
    return { seen, scanner };
  }

  it('emits each row during the push that completes it, not at the end of the file', () => {
    const { seen, scanner } = streaming();
    scanner.push(utf8('h\nabc'));
    expect(seen).toEqual([['h']]);
    scanner.push(utf8('\n'));
    expect(seen).toEqual([['h'], ['abc']]);
    scanner.push(utf8('x,y\nz'));
    expect(seen).toEqual([['h'], ['abc'], ['x', 'y']]);
    scanner.push(new Uint8Array(0));
    scanner.push(utf8('\n'));
    expect(seen).toEqual([['h'], ['abc'], ['x', 'y'], ['z']]);
    scanner.end();
    expect(seen).toHaveLength(4);
  });

  it('skips blank lines without holding back the rows after them', () => {
    const { seen, scanner } = streaming();
    scanner.push(utf8('h\n\nx\r\n\r\na\r\rb\n'));
    expect(seen).toEqual([['h'], ['x'], ['a'], ['b']]);
  });

  it('decides about a byte order mark once three bytes are known, then emits what is complete', () => {
    const { seen, scanner } = streaming();
    scanner.push(utf8('a'));
    expect(seen).toEqual([]);
    scanner.push(utf8('\nb'));
    expect(seen).toEqual([['a']]);
    scanner.end();
    expect(seen).toEqual([['a'], ['b']]);
  });

  it('retries a row that did not complete only once its carried bytes have doubled, then streams again', () => {
    const { seen, scanner } = streaming();
    scanner.push(utf8('abcd')); // no row yet: 4 bytes carried, retried at 8
    for (const byte of ['\n', 'e', 'f']) scanner.push(utf8(byte));
    expect(seen).toEqual([]);
    scanner.push(utf8('g'));
    expect(seen).toEqual([['abcd']]);
    scanner.push(utf8('\n'));
    expect(seen).toEqual([['abcd'], ['efg']]);
  });

  it('applies the same doubling to a carried row that the next chunk still does not complete', () => {
    const { seen, scanner } = streaming();
    scanner.push(utf8('h\nab')); // a row emitted: 'ab' carried, retried on the next push
    scanner.push(utf8('cd')); // still no row: 4 bytes carried, retried at 8
    for (const byte of ['\n', 'e', 'f']) scanner.push(utf8(byte));
    expect(seen).toEqual([['h']]);
    scanner.push(utf8('g'));
    expect(seen).toEqual([['h'], ['abcd']]);
  });

  it('does not mistake a CR at the end of a chunk for the end of a row until the next byte is known', () => {
    const { seen, scanner } = streaming();
    scanner.push(utf8('h\na,"b"\r'));
    expect(seen).toEqual([['h']]);
    scanner.push(utf8('\nc\r\n'));
    expect(seen).toEqual([['h'], ['a', 'b'], ['c']]);
  });
});
