/**
 * `ingest s3://bucket/prefix` end to end: the real CLI process against a real S3 server on
 * loopback (s3rver 3.7.1), through the same use case as the ingest-usage function.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../shared/adapters/s3/s3-client';
import { loadConfig } from '../../shared/config';
import { startS3rver, type S3rverHandle } from '../support/s3rver';

const BUCKET = 'partner-exports';
let server: S3rverHandle;
let client: S3Client;
let dir: string;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    // REBATES_NOW: after 2026-Q1 ended, whatever day the tests run.
    env: { ...process.env, ...server.env, REBATES_STORE: `sqlite:${join(dir, 'rebates.db')}`, REBATES_NOW: '2026-04-20T09:00:00Z' },
    encoding: 'utf8',
  });
  return { code: result.status, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

beforeAll(async () => {
  server = await startS3rver({ buckets: [BUCKET] });
  client = createS3Client(loadConfig(server.env));
  dir = mkdtempSync(join(tmpdir(), 'rebates-cli-s3-'));
  const good = readFileSync('test/fixtures/exports/cli/q1-usage.csv');
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'partner/20260114.csv', Body: good }));
  await client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: 'partner/20260120.csv', Body: readFileSync('test/fixtures/exports/cli/malformed.csv') }),
  );
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'partner/readme.txt', Body: 'not an export' }));
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other/20260114.csv', Body: good }));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('CLI ingest from Object Storage', () => {
  it('ingests every *.csv under the prefix, reports the malformed one and exits 1', () => {
    const r = cli('ingest', `s3://${BUCKET}/partner/`, '--json');
    expect(r.code).toBe(1);
    expect(
      r
        .json()
        .files.map((f: { objectKey: string; status: string; accountDaysApplied: number }) => [f.objectKey, f.status, f.accountDaysApplied]),
    ).toEqual([
      [`s3://${BUCKET}/partner/20260114.csv`, 'applied', 7],
      [`s3://${BUCKET}/partner/20260120.csv`, 'rejected', 0],
    ]);
    expect(r.stderr).toMatch(/partner\/20260120\.csv rejected: line 3, column currency/);
  });

  it('re-ingesting the same objects is harmless and a copy under another prefix is not counted twice', () => {
    expect(cli('ingest', `s3://${BUCKET}/other/`, '--json').code).toBe(0);
    cli('partner', 'link', '--partner', 'p1', '--subaccount', 'acc-1', '--from', '2025-01-01');
    cli('specialization', 'grant', '--partner', 'p1', '--specialization', 'ml-ai', '--from', '2025-01-01');
    const accrual = cli('accrue', '--quarter', '2026-Q1', '--dry-run', '--json').json();
    expect(accrual.accruals).toEqual([
      { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', base: '123.45', amount: '12.35', posted: '0.00', delta: '12.35' },
    ]);
  });
});
