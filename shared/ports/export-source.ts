/**
 * Where export files come from (§4): the one port both sources implement — local files and
 * directories (shared/ingest/local-source.ts) and Object Storage (shared/adapters/s3) — and the one
 * shape of an export they hand to the ingest use case.
 */
import { RebatesError } from '../errors';

/** An export file or object, wherever it lives. */
export interface ExportObject {
  /** Object key or file path; names the object in the ingest log and in errors. */
  key: string;
  etag: string | null;
  /** Last-modified time in Unix seconds: the version when the file has no `updated_at` (I1). */
  lastModified: number | null;
  /** Its length in bytes, when the source knows it before reading (a local file). */
  size?: number;
  /** The bytes in order. A chunk is valid until the next one is asked for: a source may reuse its buffer. */
  open(): AsyncIterable<Uint8Array>;
}

export interface ObjectLocation {
  bucket: string;
  key: string;
}

/** How an object is named in the ingest log and in errors: `s3://bucket/key`. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * Exports in object storage (implemented by `createS3ExportSource`). `exportObject` rejects with
 * an error whose `code` is `OBJECT_NOT_FOUND` when there is no such object.
 */
export interface StorageExportSource {
  /** Heads the object for its version metadata; `open()` then streams exactly that version. */
  exportObject(bucket: string, key: string): Promise<ExportObject>;
  /** Every `*.csv` object under the prefix, in listing order (keys ascending), after `startAfter`. */
  listExports(
    bucket: string,
    prefix: string,
    options?: { startAfter?: string },
  ): AsyncIterable<ExportObject & { location?: ObjectLocation }>;
}

/**
 * The object itself cannot be read (a symlink loop, no permission, a directory named *.csv): a
 * property of this one file that a retry will not change, so it is rejected and logged like an
 * invalid file (I5). Sources throw it from `open()`'s iteration; other errors (a store or network
 * failure) propagate so that a trigger can retry.
 */
export class ExportReadError extends RebatesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXPORT_READ', message, options);
  }
}
