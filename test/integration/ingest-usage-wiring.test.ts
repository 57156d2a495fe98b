/**
 * The exported `handler` as deployed: configuration from the environment, the store named by
 * REBATES_STORE, the real S3 client. Each test imports a fresh module (module-scope runtime).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConfigError } from '../../shared/config';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'));

/** A loopback port nobody listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function freshHandler() {
  vi.resetModules();
  return (await import('../../functions/ingest-usage/handler')).handler;
}

describe('ingest-usage exported handler', () => {
  let dir: string;
  let lines: Record<string, unknown>[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-usage-wiring-'));
    vi.stubEnv('REBATES_STORE', `sqlite:${join(dir, 'store', 'rebates.db')}`);
    vi.stubEnv('S3_ENDPOINT', `http://127.0.0.1:${await closedPort()}`);
    vi.stubEnv('S3_REGION', 'ru-central1');
    vi.stubEnv('S3_ACCESS_KEY_ID', 'test-key');
    vi.stubEnv('S3_SECRET_ACCESS_KEY', 'test-secret');
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports unreachable Object Storage per object and throws for a trigger batch so it is retried', async () => {
    const handler = await freshHandler();
    const error = await handler(fixture('storage-mixed-batch.json'), { requestId: 'req-down' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'INGEST_RETRY' });
    const items = (error as { result: { items: { key: string; status: string; reason: string | null }[] } }).result.items;
    expect(items.map((i) => [i.key, i.status])).toEqual([
      ['partner/20260329.csv', 'failed'],
      ['partner/20260330.csv', 'failed'],
      ['partner/20260301.csv', 'ignored'],
      ['partner/20260331.csv', 'failed'],
    ]);
    expect(items[0]!.reason).toMatch(/^cannot head s3:\/\/billing-exports\/partner\/20260329\.csv: .*ECONNREFUSED/);
    expect(lines.filter((l) => l.msg === 'export ingest failed')).toHaveLength(3);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', msg: 'ingest-usage invocation failed', request_id: 'req-down' }),
    );
  });

  it('returns the failed item of a manual invoke instead of throwing', async () => {
    const handler = await freshHandler();
    const result = await handler(fixture('manual-object.json'), { requestId: 'req-manual' });
    expect(result.counts).toEqual({ applied: 0, stale: 0, rejected: 0, failed: 1, ignored: 0 });
    expect(result.items[0]).toMatchObject({ bucket: 'billing-exports', key: 'partner/20260331.csv', status: 'failed' });
  });

  it('answers a delete-only batch without contacting Object Storage', async () => {
    const handler = await freshHandler();
    const result = await handler(fixture('storage-object-delete.json'), { requestId: 'req-delete' });
    expect(result).toMatchObject({ ok: true, counts: { ignored: 1 }, resumeAfter: null });
  });

  it('fails with every bad configuration key listed, and retries building on the next invocation', async () => {
    vi.stubEnv('REBATES_STORE', 'postgres://db');
    vi.stubEnv('S3_SECRET_ACCESS_KEY', '');
    const handler = await freshHandler();
    const error = await handler(fixture('storage-object-delete.json'), { requestId: 'req-config' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toContain('REBATES_STORE');
    expect((error as Error).message).toContain('S3_SECRET_ACCESS_KEY');

    vi.stubEnv('REBATES_STORE', `sqlite:${join(dir, 'rebates.db')}`);
    vi.stubEnv('S3_SECRET_ACCESS_KEY', 'test-secret');
    const result = await handler(fixture('storage-object-delete.json'), { requestId: 'req-config-2' });
    expect(result.counts.ignored).toBe(1);
  });

  it('opens the YDB store when REBATES_STORE=ydb and says where it failed to connect', async () => {
    const endpoint = `grpc://127.0.0.1:${await closedPort()}`;
    vi.stubEnv('REBATES_STORE', 'ydb');
    vi.stubEnv('YDB_ENDPOINT', endpoint);
    vi.stubEnv('YDB_DATABASE', '/local');
    const handler = await freshHandler();
    const error = await handler(fixture('manual-object.json'), { requestId: 'req-ydb', token: { access_token: 't1.token' } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'YDB_UNAVAILABLE' });
    expect((error as Error).message).toContain(`cannot reach YDB at ${endpoint}`);
  });
});
