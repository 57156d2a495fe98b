/**
 * Billing usage exports in Object Storage (S3 API), as `ExportObject`s for `ingestExport`.
 * Objects are streamed, never buffered whole (I4); listing follows continuation tokens, so a
 * prefix with more than 1000 objects is read completely.
 */
import { RebatesError } from '../../errors';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3Url, type ExportObject, type StorageExportSource } from '../../ports/export-source';

export { s3Url } from '../../ports/export-source';

/** An export in a bucket. `key` (from ExportObject) is its `s3://bucket/key` name for the ingest log. */
export interface S3ExportObject extends ExportObject {
  location: { bucket: string; key: string };
}

/** The storage port (shared/ports/export-source.ts), with the object's location always known. */
export interface S3ExportSource extends StorageExportSource {
  exportObject(bucket: string, key: string): Promise<S3ExportObject>;
  listExports(bucket: string, prefix: string, options?: { startAfter?: string }): AsyncIterable<S3ExportObject>;
}

export class S3SourceError extends RebatesError {
  declare readonly code: 'OBJECT_NOT_FOUND' | 'S3_READ_FAILED' | 'S3_OBJECT_CHANGED' | 'S3_LIST_FAILED';
  constructor(
    code: 'OBJECT_NOT_FOUND' | 'S3_READ_FAILED' | 'S3_OBJECT_CHANGED' | 'S3_LIST_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The name an object goes by in the ingest log and in errors: unique across buckets. */
export function createS3ExportSource(client: S3Client): S3ExportSource {
  function toExportObject(
    bucket: string,
    key: string,
    etag: string | undefined,
    lastModified: Date | undefined,
    size: number | undefined,
  ): S3ExportObject {
    const expectedEtag = etag ? unquote(etag) : null;
    return {
      key: s3Url(bucket, key),
      location: { bucket, key },
      etag: expectedEtag,
      // I1: the object's last-modified time is the version of account-days without `updated_at`.
      lastModified: lastModified ? Math.floor(lastModified.getTime() / 1000) : null,
      // The CLI parses a large object on two threads (ingest-export.ts).
      ...(size === undefined ? {} : { size }),
      open: () => streamObject(client, bucket, key, expectedEtag),
    };
  }

  return {
    async exportObject(bucket, key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return toExportObject(bucket, key, head.ETag, head.LastModified, head.ContentLength);
      } catch (error) {
        if (httpStatusOf(error) === 404)
          throw new S3SourceError('OBJECT_NOT_FOUND', `${s3Url(bucket, key)} does not exist`, { cause: error });
        throw new S3SourceError('S3_READ_FAILED', `cannot head ${s3Url(bucket, key)}: ${messageOf(error)}`, { cause: error });
      }
    },

    async *listExports(bucket, prefix, options = {}) {
      let continuationToken: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ContinuationToken: continuationToken,
              StartAfter: continuationToken ? undefined : options.startAfter,
            }),
          );
        } catch (error) {
          throw new S3SourceError('S3_LIST_FAILED', `cannot list ${s3Url(bucket, prefix)}: ${messageOf(error)}`, { cause: error });
        }
        for (const item of page.Contents ?? []) {
          if (item.Key?.endsWith('.csv')) yield toExportObject(bucket, item.Key, item.ETag, item.LastModified, item.Size);
        }
        continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
        if (page.IsTruncated && !continuationToken) {
          throw new S3SourceError('S3_LIST_FAILED', `listing ${s3Url(bucket, prefix)} is truncated but has no continuation token`);
        }
      } while (continuationToken);
    },
  };
}

/**
 * Streams the object body chunk by chunk. The version metadata (etag, last-modified) came from
 * HEAD or the listing; if the object was rewritten since, its content would not match that
 * version, so the read fails instead (the rewrite brings its own trigger event, and a retried
 * ingest heads the object again).
 */
async function* streamObject(client: S3Client, bucket: string, key: string, expectedEtag: string | null): AsyncGenerator<Uint8Array> {
  let body: unknown;
  try {
    const response = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(expectedEtag ? { IfMatch: `"${expectedEtag}"` } : {}) }),
    );
    if (expectedEtag && response.ETag && unquote(response.ETag) !== expectedEtag) {
      destroy(response.Body);
      throw new S3SourceError(
        'S3_OBJECT_CHANGED',
        `${s3Url(bucket, key)} changed while being read (etag ${unquote(response.ETag)}, expected ${expectedEtag})`,
      );
    }
    body = response.Body;
  } catch (error) {
    if (error instanceof S3SourceError) throw error;
    if (isPreconditionFailed(error)) {
      throw new S3SourceError('S3_OBJECT_CHANGED', `${s3Url(bucket, key)} changed while being read (etag no longer ${expectedEtag})`, {
        cause: error,
      });
    }
    throw new S3SourceError('S3_READ_FAILED', `cannot read ${s3Url(bucket, key)}: ${messageOf(error)}`, { cause: error });
  }
  if (!isAsyncIterable(body)) {
    throw new S3SourceError('S3_READ_FAILED', `cannot read ${s3Url(bucket, key)}: the response body is not a stream`);
  }
  try {
    // Breaking out of this loop (e.g. the consumer stops early) destroys the socket stream.
    for await (const chunk of body) {
      if (!(chunk instanceof Uint8Array))
        throw new S3SourceError('S3_READ_FAILED', `cannot read ${s3Url(bucket, key)}: body chunk is not bytes`);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof S3SourceError) throw error;
    throw new S3SourceError('S3_READ_FAILED', `reading ${s3Url(bucket, key)} failed mid-stream: ${messageOf(error)}`, { cause: error });
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function destroy(body: unknown): void {
  if (typeof body === 'object' && body !== null && 'destroy' in body && typeof body.destroy === 'function') body.destroy();
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isPreconditionFailed(error: unknown): boolean {
  return httpStatusOf(error) === 412 || (error as { name?: unknown } | null)?.name === 'PreconditionFailed';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
