/**
 * Driver lifecycle and setup: connection strings, credentials (function token → TokenAuthService,
 * locally the YDB_*_CREDENTIALS variables), the idempotent migrate step, no migration on open,
 * clean shutdown, and no unhandled rejection when the endpoint is unreachable.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveYdbConnection } from '../../shared/adapters/ydb/driver';
import { migrateYdb } from '../../shared/adapters/ydb/migrate';
import { YDB_TABLES } from '../../shared/adapters/ydb/schema';
import { AnonymousAuthService } from '../../shared/adapters/ydb/sdk';
import { openYdbStore } from '../../shared/adapters/ydb/ydb-store';
import { StoreError } from '../../shared/ports/store';
import { FakeYdb } from './fake/fake-ydb';
import { SILENT, connectToFake } from './harness';

const savedEndpoint = process.env['YDB_ENDPOINT'];
beforeAll(() => {
  // ydb-sdk would send every call to $YDB_ENDPOINT instead of the fake (see harness.ts).
  delete process.env['YDB_ENDPOINT'];
});
afterAll(() => {
  if (savedEndpoint !== undefined) process.env['YDB_ENDPOINT'] = savedEndpoint;
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('connection settings', () => {
  it('builds the connection string from an endpoint and a database', () => {
    expect(resolveYdbConnection({ endpoint: 'grpcs://ydb.serverless.yandexcloud.net:2135', database: '/ru-central1/b1g/etn1' })).toEqual({
      connectionString: 'grpcs://ydb.serverless.yandexcloud.net:2135/ru-central1/b1g/etn1',
      database: '/ru-central1/b1g/etn1',
    });
  });

  it("reads the database from Terraform's full endpoint (…/?database=…)", () => {
    expect(
      resolveYdbConnection({ endpoint: 'grpcs://ydb.serverless.yandexcloud.net:2135/?database=/ru-central1/b1g/etn1' }).connectionString,
    ).toBe('grpcs://ydb.serverless.yandexcloud.net:2135/ru-central1/b1g/etn1');
  });

  it('refuses an endpoint without a database or with another scheme, saying what to set', () => {
    expect(() => resolveYdbConnection({ endpoint: 'grpc://localhost:2136' })).toThrow(/YDB_DATABASE/);
    expect(() => resolveYdbConnection({ endpoint: 'https://localhost:2136', database: '/local' })).toThrow(/grpc:\/\/ or grpcs:\/\//);
    expect(() => resolveYdbConnection({ endpoint: 'localhost', database: '/local' })).toThrow(StoreError);
  });
});

describe('with the protocol fake', () => {
  let fake: FakeYdb;
  beforeEach(async () => {
    fake = await new FakeYdb().start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("authenticates every call with the function's token", async () => {
    const store = await openYdbStore({
      endpoint: fake.endpoint,
      database: fake.database,
      accessToken: 'iam-token-from-context',
      logger: SILENT,
    });
    await store.close();

    const tickets = new Set(fake.requests.map((r) => r.authTicket));
    expect(tickets).toEqual(new Set(['iam-token-from-context']));
  });

  it('takes local credentials from YDB_ACCESS_TOKEN_CREDENTIALS', async () => {
    vi.stubEnv('YDB_ACCESS_TOKEN_CREDENTIALS', 'token-from-env');

    const store = await openYdbStore({ endpoint: fake.endpoint, database: fake.database, logger: SILENT });
    await store.close();

    expect(new Set(fake.requests.map((r) => r.authTicket))).toEqual(new Set(['token-from-env']));
  });

  it('refuses to fall back to the metadata service when no credentials are configured', async () => {
    for (const name of [
      'YDB_ACCESS_TOKEN_CREDENTIALS',
      'YDB_ANONYMOUS_CREDENTIALS',
      'YDB_SERVICE_ACCOUNT_KEY_FILE_CREDENTIALS',
      'YDB_METADATA_CREDENTIALS',
    ])
      vi.stubEnv(name, '');

    await expect(openYdbStore({ endpoint: fake.endpoint, database: fake.database, logger: SILENT })).rejects.toMatchObject({
      code: 'YDB_CONFIG',
      message: expect.stringContaining('YDB_ACCESS_TOKEN_CREDENTIALS'),
    });
  });

  it('opens a store without touching the schema, and closing it deletes its sessions', async () => {
    const { driver } = await connectToFake(fake);
    await migrateYdb(driver, { backoffSlotMs: 1 });
    await driver.destroy();
    const before = fake.requests.length;

    const store = await openYdbStore({
      endpoint: fake.endpoint,
      database: fake.database,
      authService: new AnonymousAuthService(),
      logger: SILENT,
    });
    expect(await store.program.listLinks()).toEqual([]);
    expect(fake.sessions.size).toBeGreaterThan(0);
    await store.close();
    await store.close();

    const methods = fake.requests.slice(before).map((r) => r.method);
    expect(methods).not.toContain('DescribeTable');
    expect(methods).not.toContain('ExecuteSchemeQuery');
    expect(methods).toContain('DeleteSession');
    expect(fake.sessions.size).toBe(0);
  });

  it('creates every table once; running migrate again, even twice at a time, changes nothing', async () => {
    const { driver } = await connectToFake(fake);
    try {
      const first = await migrateYdb(driver, { backoffSlotMs: 1 });
      const [second, third] = await Promise.all([migrateYdb(driver, { backoffSlotMs: 1 }), migrateYdb(driver, { backoffSlotMs: 1 })]);

      expect(first).toEqual({ created: YDB_TABLES.map((t) => t.name), existing: [] });
      expect(second).toEqual({ created: [], existing: YDB_TABLES.map((t) => t.name) });
      expect(third).toEqual(second);
      // Through the public createTable (no private session.api, no ExecuteSchemeQuery), once per table.
      expect(fake.calls('ExecuteSchemeQuery')).toEqual([]);
      expect(fake.calls('CreateTable').map((r) => r.target)).toEqual(YDB_TABLES.map((t) => t.name));
    } finally {
      await driver.destroy();
    }
  });
});

describe('an unreachable endpoint', () => {
  it('fails to open with a StoreError naming the endpoint and leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const attempt = openYdbStore({
        endpoint: 'grpc://127.0.0.1:1',
        database: '/local',
        authService: new AnonymousAuthService(),
        logger: SILENT,
        readyTimeoutMs: 300,
      });

      await expect(attempt).rejects.toMatchObject({ code: 'YDB_UNAVAILABLE', message: expect.stringContaining('grpc://127.0.0.1:1') });
      // The SDK's discovery keeps retrying for about 4 s after destroy(); its final rejection must stay handled.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
