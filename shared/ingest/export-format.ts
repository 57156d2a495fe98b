/**
 * Recognises files that are not a comma-separated UTF-8 export at all — gzip, UTF-16, a
 * semicolon- or tab-separated table — from the header row, so the rejection says what the file
 * is instead of listing every required column as missing (§4, I2).
 */
import type { CsvRow } from './csv-row-scanner';

const REQUIRED_HINT = 'billing_account_id';

/** Why the header row shows a foreign format, or null. */
export function sniffForeignFormat(row: CsvRow): string | null {
  const { buf } = row;
  const s = row.fieldCount > 0 ? row.starts[0]! : 0;
  const first = buf[s];
  const second = buf[s + 1];
  if (first === 0x1f && second === 0x8b) return 'the file is gzip-compressed; decompress it first (exports are plain CSV)';
  if ((first === 0xff && second === 0xfe) || (first === 0xfe && second === 0xff)) {
    return 'the file is UTF-16 encoded; exports are UTF-8 (convert it, e.g. iconv -f UTF-16 -t UTF-8)';
  }
  // Text without a BOM: every other byte zero is UTF-16 too.
  if (first !== undefined && (first === 0 || second === 0) && buf.length > s + 1)
    return 'the file is UTF-16 encoded (no BOM); exports are UTF-8';
  if (row.fieldCount === 1) {
    const text = buf.toString('utf8', row.starts[0], row.ends[0]);
    if (text.includes(REQUIRED_HINT)) {
      if (text.includes(';')) return 'the file is semicolon-separated; exports are comma-separated (RFC 4180)';
      if (text.includes('\t')) return 'the file is tab-separated; exports are comma-separated (RFC 4180)';
    }
  }
  return null;
}
