/**
 * Export files on the local disk: a file, or a directory's `*.csv` files (sorted by name).
 *
 * Every entry of a directory becomes an object of its own, even one that cannot be read (a
 * symlink loop, no permission, a directory named *.csv): reading it fails with an
 * ExportReadError, so the ingest rejects and logs that one file and goes on with the others.
 */
import { RebatesError } from '../errors';
import type { Stats } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
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

/** Bytes per read. */
const READ_SIZE = 1 << 20;

/**
 * The file's bytes, every chunk read into the same buffer: a chunk is valid until the next one is
 * asked for (the port allows it; the parser copies the little it keeps). A read stream's fresh
 * buffer per chunk lay dead until the collector came by: up to ~30 MB of the ingest's peak RSS,
 * and the allocator kept that memory after they were freed (measured with the CLI bundle on the
 * YDB fake, issue 11).
 */
async function* readChunks(path: string): AsyncIterable<Uint8Array> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, READ_SIZE, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } catch (error) {
    throw new ExportReadError(`cannot read ${path}: ${describeFsError(error)}`, { cause: error });
  } finally {
    await file?.close();
  }
}

function fileObject(path: string, mtimeMs: number, size: number): ExportObject {
  return {
    key: path,
    // Local files have no etag; size + mtime tells copies apart in the ingest log.
    etag: `${size}-${Math.floor(mtimeMs)}`,
    lastModified: Math.floor(mtimeMs / 1000),
    size,
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
