/**
 * Export files on the local disk: a file, or a directory's `*.csv` files (sorted by name).
 *
 * Every entry of a directory becomes an object of its own, even one that cannot be read (a
 * symlink loop, no permission, a directory named *.csv): reading it fails with an
 * ExportReadError, so the ingest rejects and logs that one file and goes on with the others.
 */
import { RebatesError } from '../errors';
import { createReadStream, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExportReadError, type ExportObject } from '../ports/export-source';

export class ExportPathError extends RebatesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXPORT_PATH', message, options);
  }
}

/** What a file-system error means, in words an operator acts on. */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ELOOP':
      return 'symbolic link loop (the link points back at itself)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

async function* readChunks(path: string): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
  } catch (error) {
    throw new ExportReadError(`cannot read ${path}: ${describeFsError(error)}`, { cause: error });
  }
}

function fileObject(path: string, mtimeMs: number, size: number): ExportObject {
  return {
    key: path,
    // Local files have no etag; size + mtime tells copies apart in the ingest log.
    etag: `${size}-${Math.floor(mtimeMs)}`,
    lastModified: Math.floor(mtimeMs / 1000),
    open: () => readChunks(path),
  };
}

/** An entry that cannot be ingested: its read fails with the reason, so it is rejected and logged. */
function unreadableObject(path: string, reason: string): ExportObject {
  return {
    key: path,
    etag: null,
    lastModified: null,
    // An iterable that fails on its first read, as a file that cannot be read does.
    open: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new ExportReadError(`cannot read ${path}: ${reason}`)),
      }),
    }),
  };
}

export async function listLocalExports(path: string): Promise<ExportObject[]> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ExportPathError(`${path}: ${describeFsError(error)}`, { cause: error });
  }
  if (info.isFile()) return [fileObject(path, info.mtimeMs, info.size)];
  if (!info.isDirectory()) throw new ExportPathError(`${path}: not a file or directory`);
  let entries: string[];
  try {
    entries = await readdir(path);
  } catch (error) {
    throw new ExportPathError(`${path}: cannot list the directory: ${describeFsError(error)}`, { cause: error });
  }
  const names = entries.filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  const objects: ExportObject[] = [];
  for (const name of names) {
    const full = join(path, name);
    try {
      const s = await stat(full);
      objects.push(s.isFile() ? fileObject(full, s.mtimeMs, s.size) : unreadableObject(full, 'not a regular file'));
    } catch (error) {
      objects.push(unreadableObject(full, describeFsError(error)));
    }
  }
  return objects;
}
