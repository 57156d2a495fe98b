import { describe, expect, it } from 'vitest';
import { CsvRowScanner, type CsvRow } from '../../../shared/ingest/csv-row-scanner';
import { RawTextTable, cellEquals, rawCell, sameBytes, type RawText } from '../../../shared/ingest/raw-text';
import { utf8 } from './chunking';

/** Runs `visit` on every row of `text` (rows are only valid inside the callback). */
function eachRow(text: string, visit: (row: CsvRow) => void): void {
  const scanner = new CsvRowScanner(visit);
  scanner.push(utf8(text));
  scanner.end();
}

describe('RawTextTable', () => {
  it('shares one entry per distinct cell value and decodes it once', () => {
    const table = new RawTextTable();
    const seen: RawText[] = [];
    eachRow('Хранилище\n"Хранилище"\nдругое\n', (row) => seen.push(table.of(row, 0)));
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[0]);
    expect(seen.map((t) => t.text)).toEqual(['Хранилище', 'Хранилище', 'другое']);
  });

  it('unescapes doubled quotes only for quoted cells', () => {
    const table = new RawTextTable();
    const texts: string[] = [];
    eachRow('"say ""hi"", ok"\nplain\n', (row) => texts.push(table.of(row, 0).text));
    expect(texts).toEqual(['say "hi", ok', 'plain']);
  });

  it('tells apart texts whose bytes hash alike (FNV-1a: sku-7wzx and sku-a6cd collide), and shares each', () => {
    const table = new RawTextTable();
    const seen: RawText[] = [];
    eachRow('sku-7wzx\nsku-a6cd\nsku-7wzx\nsku-a6cd\nsku-7wzy\n', (row) => seen.push(table.of(row, 0)));
    expect(seen.map((t) => t.text)).toEqual(['sku-7wzx', 'sku-a6cd', 'sku-7wzx', 'sku-a6cd', 'sku-7wzy']);
    expect(seen[2]).toBe(seen[0]);
    expect(seen[3]).toBe(seen[1]);
    expect(seen[1]).not.toBe(seen[0]);
  });

  it('stops sharing at its limit but still returns the right text', () => {
    const table = new RawTextTable(2);
    const first: RawText[] = [];
    const second: RawText[] = [];
    eachRow('a\nb\nc\n', (row) => first.push(table.of(row, 0)));
    eachRow('a\nb\nc\n', (row) => second.push(table.of(row, 0)));
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    expect(second[2]).not.toBe(first[2]);
    expect(second[2]!.text).toBe('c');
  });
});

describe('RawText of a cell', () => {
  it('keeps the raw bytes as latin1 and flags bytes that are not valid UTF-8', () => {
    const table = new RawTextTable();
    const seen: RawText[] = [];
    const scanner = new CsvRowScanner((row) => seen.push(table.of(row, 0)));
    scanner.push(Buffer.concat([utf8('ok,1\nЖ,2\n'), Buffer.from([0x61, 0xff, 0x62]), utf8(',3\n')]));
    scanner.end();
    expect(seen.map((t) => [t.raw, t.text, t.utf8])).toEqual([
      ['ok', 'ok', true],
      ['\u00d0\u0096', 'Ж', true],
      ['a\u00ffb', 'a\ufffdb', false],
    ]);
  });

  it('copies exactly the bytes of the cell, not the row around it', () => {
    const raws: string[] = [];
    eachRow('x,"q ""y""",z\n', (row) => raws.push(rawCell(row, 0), rawCell(row, 1), rawCell(row, 2)));
    expect(raws).toEqual(['x', 'q ""y""', 'z']);
  });
});

describe('sameBytes', () => {
  it('compares a byte range with stored raw text from an offset', () => {
    const buf = Buffer.from('--abc--', 'latin1');
    expect(sameBytes(buf, 2, 5, 'abc', 0)).toBe(true);
    expect(sameBytes(buf, 2, 5, 'xxabc', 2)).toBe(true);
    expect(sameBytes(buf, 2, 5, 'xabc', 2)).toBe(false);
    expect(sameBytes(buf, 2, 5, 'abd', 0)).toBe(false);
    expect(sameBytes(buf, 2, 5, 'dbc', 0)).toBe(false);
    expect(sameBytes(buf, 3, 3, 'anything', 5)).toBe(true);
  });
});

describe('cellEquals', () => {
  it('compares a cell with stored raw bytes, length included', () => {
    const table = new RawTextTable();
    let stored: RawText | null = null;
    const results: boolean[] = [];
    eachRow('abc\nabc\nab\nabd\n"abc"\n', (row) => {
      stored ??= table.of(row, 0);
      results.push(cellEquals(row, 0, stored));
    });
    expect(results).toEqual([true, true, false, false, true]);
  });
});
