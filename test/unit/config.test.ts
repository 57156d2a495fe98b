import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the local SQLite store and Yandex Object Storage', () => {
    expect(loadConfig({})).toMatchObject({ REBATES_STORE: 'sqlite:.rebates/rebates.db', S3_ENDPOINT: 'https://storage.yandexcloud.net', S3_REGION: 'ru-central1' });
  });

  it('treats empty variables as unset and ignores unrelated ones', () => {
    expect(loadConfig({ REBATES_RULES: '', HOME: '/root' }).REBATES_RULES).toBeUndefined();
  });

  it('lists every bad key at once', () => {
    const found = problems({ REBATES_STORE: 'postgres', S3_ENDPOINT: 'not a url', S3_ACCESS_KEY_ID: 'AK', LOG_LEVEL: 'loud' });
    expect(found.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['REBATES_STORE', 'S3_ENDPOINT', 'LOG_LEVEL']));
    expect(found.length).toBeGreaterThanOrEqual(3);
  });

  it('needs a YDB endpoint and database for the ydb store, accepting the database inside the endpoint', () => {
    expect(problems({ REBATES_STORE: 'ydb' }).join('\n')).toMatch(/YDB_ENDPOINT: required[\s\S]*YDB_DATABASE: required/);
    expect(loadConfig({ REBATES_STORE: 'ydb', YDB_ENDPOINT: 'grpcs://ydb.serverless.yandexcloud.net:2135/?database=/ru-central1/b1g/etn' }).REBATES_STORE).toBe('ydb');
  });

  it('wants both static S3 keys or neither', () => {
    expect(problems({ S3_ACCESS_KEY_ID: 'AK' }).join('\n')).toMatch(/S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
  });
});
