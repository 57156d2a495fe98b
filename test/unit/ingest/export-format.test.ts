/**
 * Recognising a header row that is not a comma-separated UTF-8 export (shared/ingest/export-format.ts),
 * on header rows as the byte scanner hands them over.
 */
import { describe, expect, it } from 'vitest';
import { CsvRowScanner } from '../../../shared/ingest/csv-row-scanner';
import { sniffForeignFormat } from '../../../shared/ingest/export-format';

/** What the sniffer says about the first row of `bytes`. */
function sniff(bytes: Buffer): string | null {
  let verdict: string | null | undefined;
  const scanner = new CsvRowScanner((row) => {
    if (verdict === undefined) verdict = sniffForeignFormat(row);
  });
  scanner.push(bytes);
  scanner.end();
  if (verdict === undefined) throw new Error('no row was scanned');
  return verdict;
}

const text = (s: string) => Buffer.from(s, 'utf8');
const bytes = (...b: number[]) => Buffer.from(b);

describe('sniffForeignFormat', () => {
  it('accepts a comma-separated UTF-8 header, quoted or not', () => {
    expect(sniff(text('billing_account_id,cost\n'))).toBeNull();
    expect(sniff(text('"billing_account_id","cost"\n'))).toBeNull();
  });

  it('recognises gzip by both of its magic bytes, not by either one alone', () => {
    expect(sniff(bytes(0x1f, 0x8b, 0x08, 0x00, 0x41))).toMatch(/gzip-compressed/);
    expect(sniff(bytes(0x1f, 0x41, 0x42))).toBeNull();
    expect(sniff(bytes(0x41, 0x8b, 0x42))).toBeNull();
  });

  it('recognises both UTF-16 byte order marks, and neither byte alone', () => {
    expect(sniff(bytes(0xff, 0xfe, 0x62, 0x00))).toMatch(/UTF-16 encoded; exports are UTF-8/);
    expect(sniff(bytes(0xfe, 0xff, 0x00, 0x62))).toMatch(/UTF-16 encoded; exports are UTF-8/);
    for (const pair of [
      [0xff, 0xff],
      [0xfe, 0xfe],
      [0xff, 0x41],
      [0x41, 0xfe],
      [0xfe, 0x41],
      [0x41, 0xff],
    ])
      expect(sniff(bytes(...pair!, 0x41)), pair!.join(' ')).toBeNull();
  });

  it('recognises UTF-16 without a byte order mark by a zero in either of the first two bytes', () => {
    expect(sniff(Buffer.from('billing_account_id,cost\n', 'utf16le'))).toMatch(/UTF-16 encoded \(no BOM\)/);
    expect(sniff(Buffer.from('billing_account_id,cost\n', 'utf16le').subarray(1))).toMatch(/UTF-16 encoded \(no BOM\)/);
  });

  it('looks at the first field where the row starts, after blank lines', () => {
    // Each row ends in a line break, so it is scanned where it lies in the chunk, after the blank lines.
    expect(sniff(Buffer.concat([text('\n\r\n'), Buffer.from('billing_account_id', 'utf16le'), text('\n')]))).toMatch(/no BOM/);
    expect(sniff(Buffer.concat([text('\n'), bytes(0x1f, 0x8b, 0x41, 0x0a)]))).toMatch(/gzip/);
  });

  it('does not call a file of a single zero byte UTF-16', () => {
    expect(sniff(bytes(0x00))).toBeNull();
  });

  it('recognises a semicolon- or tab-separated header by the one field that names billing_account_id', () => {
    expect(sniff(text('billing_account_id;cost;currency\n'))).toMatch(/semicolon-separated/);
    expect(sniff(text('billing_account_id\tcost\tcurrency\n'))).toMatch(/tab-separated/);
    // Semicolons win when both appear: the separator is the first thing to fix.
    expect(sniff(text('billing_account_id\tcost;currency\n'))).toMatch(/semicolon-separated/);
  });

  it('leaves other one-field headers to the column check', () => {
    expect(sniff(text('billing_account_id\n'))).toBeNull();
    expect(sniff(text('account;cost;currency\n'))).toBeNull();
    expect(sniff(text('account\tcost\n'))).toBeNull();
  });

  it('leaves a comma-separated header alone even when a column name holds a semicolon or a tab', () => {
    expect(sniff(text('billing_account_id;x,cost\n'))).toBeNull();
    expect(sniff(text('billing_account_id\tx,cost\n'))).toBeNull();
  });
});
