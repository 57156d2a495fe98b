/**
 * Export files on the local disk: a file, or a directory's `*.csv` files (sorted by name).
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportObject } from './ingest-export';

export class ExportPathError extends Error {
  readonly code = 'EXPORT_PATH';
}

function fileObject(path: string, mtimeMs: number, size: number): ExportObject {
  return {
    key: path,
    // Local files have no etag; size + mtime tells copies apart in the ingest log.
    etag: `${size}-${Math.floor(mtimeMs)}`,
    lastModified: Math.floor(mtimeMs / 1000),
    open: () => createReadStream(path, { highWaterMark: 1 << 20 }),
  };
}

export async function listLocalExports(path: string): Promise<ExportObject[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ExportPathError(`${path}: no such file or directory`, { cause: error });
  }
  if (info.isFile()) return [fileObject(path, info.mtimeMs, info.size)];
  if (!info.isDirectory()) throw new ExportPathError(`${path}: not a file or directory`);
  const names = (await readdir(path)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  const objects: ExportObject[] = [];
  for (const name of names) {
    const full = join(path, name);
    const s = await stat(full);
    if (s.isFile()) objects.push(fileObject(full, s.mtimeMs, s.size));
  }
  return objects;
}
