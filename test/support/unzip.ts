/** Unpacks a function zip (scripts/zip.ts: one deflated entry) the way the runtime sees it. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export function unzipSingleFile(zipPath: string): { name: string; data: Buffer } {
  const zip = readFileSync(zipPath);
  if (zip.readUInt32LE(0) !== 0x04034b50) throw new Error(`${zipPath} is not a zip file`);
  const compressedSize = zip.readUInt32LE(18);
  const nameLength = zip.readUInt16LE(26);
  const extraLength = zip.readUInt16LE(28);
  const name = zip.subarray(30, 30 + nameLength).toString('utf8');
  const start = 30 + nameLength + extraLength;
  return { name, data: inflateRawSync(zip.subarray(start, start + compressedSize)) };
}

export function unzipInto(zipPath: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const { name, data } = unzipSingleFile(zipPath);
  writeFileSync(join(dir, name), data);
  return join(dir, name);
}
