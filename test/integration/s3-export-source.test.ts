/**
 * The S3 export source against a real S3 server on loopback (s3rver 3.7.1, started here).
 */
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { createS3ExportSource, type S3ExportSource } from '../../shared/adapters/s3/s3-export-source';
import { loadConfig } from '../../shared/config';
import { startS3rver, type S3rverHandle } from '../support/s3rver';

const BUCKET = 'exports';

describe('S3 export source on s3rver', () => {
  let server: S3rverHandle;
  let client: S3Client;
  let source: S3ExportSource;

  beforeAll(async () => {
    server = await startS3rver({ buckets: [BUCKET] });
    client = createS3Client(loadConfig(server.env));
    source = createS3ExportSource(client);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  const put = (key: string, body: string | Uint8Array) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

  it('heads an object for its etag, last-modified time (Unix seconds) and size, and names it s3://bucket/key', async () => {
    const body = 'billing_account_id,date\r\nacc-1,2026-03-31\r\n';
    await put('partner/20260331.csv', body);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'partner/20260331.csv' }));

    const object = await source.exportObject(BUCKET, 'partner/20260331.csv');

    expect(object.key).toBe(`s3://${BUCKET}/partner/20260331.csv`);
    expect(object.location).toEqual({ bucket: BUCKET, key: 'partner/20260331.csv' });
    expect(object.etag).toBe(createHash('md5').update(body).digest('hex'));
    expect(object.lastModified).toBe(Math.floor(head.LastModified!.getTime() / 1000));
    // The size decides whether the CLI parses the object on two threads.
    expect(object.size).toBe(Buffer.byteLength(body));
    const listed = [];
    for await (const o of source.listExports(BUCKET, 'partner/')) listed.push(o);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ key: object.key, etag: object.etag, size: Buffer.byteLength(body) });
  });

  it('streams a large object in many chunks, byte-exact, without buffering it whole', async () => {
    const line = 'acc-1,Имя «кириллица», "quoted",2026-03-31,RUB,1.000000001\r\n';
    const body = Buffer.from(line.repeat(80_000)); // ~5.5 MB
    await put('big/20260331.csv', body);

    const object = await source.exportObject(BUCKET, 'big/20260331.csv');
    const hash = createHash('sha256');
    let chunks = 0;
    let largest = 0;
    let total = 0;
    for await (const chunk of object.open()) {
      chunks += 1;
      largest = Math.max(largest, chunk.byteLength);
      total += chunk.byteLength;
      hash.update(chunk);
    }

    expect(total).toBe(body.byteLength);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    expect(chunks).toBeGreaterThan(10);
    expect(largest).toBeLessThan(body.byteLength / 10);
  });

  it('refuses to read an object that was rewritten after its version was taken', async () => {
    await put('race/20260331.csv', 'version one\n');
    const object = await source.exportObject(BUCKET, 'race/20260331.csv');
    await put('race/20260331.csv', 'version two, different\n');

    const read = async () => {
      for await (const _chunk of object.open()) void _chunk;
    };
    await expect(read()).rejects.toMatchObject({
      code: 'S3_OBJECT_CHANGED',
      message: expect.stringContaining(`s3://${BUCKET}/race/20260331.csv changed while being read`),
    });
  });

  it('fails with the object named when it does not exist', async () => {
    await expect(source.exportObject(BUCKET, 'missing/20260331.csv')).rejects.toMatchObject({
      code: 'OBJECT_NOT_FOUND',
      message: 's3://exports/missing/20260331.csv does not exist',
    });
  });

  it('lists every .csv under a prefix across pages, in key order, after startAfter', async () => {
    const keys = Array.from({ length: 1203 }, (_, i) => `many/${String(i).padStart(5, '0')}.csv`);
    for (let i = 0; i < keys.length; i += 25) await Promise.all(keys.slice(i, i + 25).map((key) => put(key, 'x\n')));
    await put('many/manifest.json', '{}');
    await put('many-other/00000.csv', 'x\n');
    await put('many/deleted.csv', 'x\n');
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'many/deleted.csv' }));
    server.discardEvents();

    const listed: string[] = [];
    for await (const object of source.listExports(BUCKET, 'many/')) listed.push(object.location.key);
    expect(listed).toEqual(keys);

    const rest: string[] = [];
    for await (const object of source.listExports(BUCKET, 'many/', { startAfter: 'many/01100.csv' })) rest.push(object.location.key);
    expect(rest).toEqual(keys.slice(1101));
  }, 120_000);
});
