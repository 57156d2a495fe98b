import { describe, expect, it } from 'vitest';
import { CsvRowScanner, type CsvRow } from '../../../shared/ingest/csv-row-scanner';
import { RawTextTable, cellEquals, type RawText } from '../../../shared/ingest/raw-text';
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
