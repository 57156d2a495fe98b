/**
 * An in-memory object store behind the StorageExportSource port, for handler unit tests: no
 * network, objects streamed in small chunks, and read failures injected per object.
 */
import type { ExportObject } from '../../shared/usecases/ingest-export';
import type { ObjectLocation, StorageExportSource } from '../../shared/usecases/ingest-from-storage';

interface StoredObject {
  body: Uint8Array;
  lastModified: number;
  etag: string;
}

export interface MemoryExportSource extends StorageExportSource {
  put(bucket: string, key: string, text: string, lastModified?: number): void;
  /** The next read of this object fails: at HEAD time, or after the first chunk of the body. */
  failNextRead(bucket: string, key: string, where: 'head' | 'mid-stream'): void;
  /** Every HEAD/LIST call made, e.g. `head b/k`. */
  readonly calls: string[];
}

export function createMemoryExportSource(options: { chunkSize?: number } = {}): MemoryExportSource {
  const chunkSize = options.chunkSize ?? 7;
  const objects = new Map<string, StoredObject>();
  const failures = new Map<string, 'head' | 'mid-stream'>();
  const calls: string[] = [];
  let etagSeq = 0;
  const id = (bucket: string, key: string) => `${bucket}/${key}`;

  function toExport(bucket: string, key: string, stored: StoredObject): ExportObject & { location: ObjectLocation } {
    return {
      key: `s3://${bucket}/${key}`,
      location: { bucket, key },
      etag: stored.etag,
      lastModified: stored.lastModified,
      async *open() {
        for (let offset = 0; offset < stored.body.length; offset += chunkSize) {
          if (offset > 0 && failures.get(id(bucket, key)) === 'mid-stream') {
            failures.delete(id(bucket, key));
            throw new Error(`injected: connection reset while reading s3://${bucket}/${key}`);
          }
          yield stored.body.subarray(offset, offset + chunkSize);
        }
      },
    };
  }

  return {
    calls,
    put(bucket, key, text, lastModified = 1774990800) {
      objects.set(id(bucket, key), { body: new TextEncoder().encode(text), lastModified, etag: `etag-${++etagSeq}` });
    },
    failNextRead(bucket, key, where) {
      failures.set(id(bucket, key), where);
    },
    async exportObject(bucket, key) {
      calls.push(`head ${id(bucket, key)}`);
      if (failures.get(id(bucket, key)) === 'head') {
        failures.delete(id(bucket, key));
        throw new Error(`injected: HeadObject s3://${bucket}/${key} timed out`);
      }
      const stored = objects.get(id(bucket, key));
      if (!stored) throw Object.assign(new Error(`s3://${bucket}/${key} does not exist`), { code: 'OBJECT_NOT_FOUND' });
      return toExport(bucket, key, stored);
    },
    async *listExports(bucket, prefix, listOptions = {}) {
      calls.push(`list ${bucket}/${prefix}`);
      const keys = [...objects.keys()]
        .filter((k) => k.startsWith(`${bucket}/${prefix}`) && k.endsWith('.csv'))
        .map((k) => k.slice(bucket.length + 1))
        .filter((k) => listOptions.startAfter === undefined || k > listOptions.startAfter)
        .sort();
      for (const key of keys) yield toExport(bucket, key, objects.get(id(bucket, key))!);
    },
  };
}
