/**
 * Guard: ydb-sdk 5.11 sends every session call to $YDB_ENDPOINT when it is set (Endpoint.toString).
 * We keep the variable's name for operators and hide it from the SDK once configuration has read
 * it (shared/adapters/ydb/endpoint-variable.ts). If an SDK upgrade stops reading the variable,
 * this test fails and the workaround can go.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { hideYdbEndpointFromSdk } from '../../shared/adapters/ydb/endpoint-variable';

// Not exported by the package: loaded by path, as the SDK itself loads it.
const { Endpoint } = createRequire(import.meta.url)(resolve('node_modules/ydb-sdk/build/cjs/src/discovery/endpoint.js')) as {
  Endpoint: new (properties: object, database: string) => { toString(): string };
};
const saved = process.env['YDB_ENDPOINT'];
afterEach(() => {
  if (saved === undefined) delete process.env['YDB_ENDPOINT'];
  else process.env['YDB_ENDPOINT'] = saved;
});

describe('YDB_ENDPOINT and ydb-sdk', () => {
  const discovered = () =>
    new Endpoint(
      { address: 'node-7.ydb.internal', port: 2135, loadFactor: 0, ssl: true, location: '', locations: [], service: [] },
      '/local',
    );

  it('ydb-sdk still replaces discovered nodes with $YDB_ENDPOINT (so a full-form value would break every call)', () => {
    process.env['YDB_ENDPOINT'] = 'grpcs://ydb.serverless.yandexcloud.net:2135/?database=/ru-central1/b1g/etn';
    expect(discovered().toString()).toBe('ydb.serverless.yandexcloud.net:2135/?database=/ru-central1/b1g/etn');
  });

  it('lets the SDK use the discovered node once the variable is hidden', () => {
    process.env['YDB_ENDPOINT'] = 'grpcs://ydb.serverless.yandexcloud.net:2135/?database=/ru-central1/b1g/etn';
    hideYdbEndpointFromSdk();
    expect(process.env['YDB_ENDPOINT']).toBeUndefined();
    expect(discovered().toString()).toBe('node-7.ydb.internal:2135');
  });
});
