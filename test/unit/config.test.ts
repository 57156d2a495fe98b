import { describe, expect, it } from 'vitest';
import { ConfigError, configuredClock, loadConfig } from '../../shared/config';

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
    expect(loadConfig({})).toMatchObject({
      REBATES_STORE: 'sqlite:.rebates/rebates.db',
      S3_ENDPOINT: 'https://storage.yandexcloud.net',
      S3_REGION: 'ru-central1',
    });
  });

  it('treats empty variables as unset and ignores unrelated ones', () => {
    expect(loadConfig({ REBATES_RULES: '', HOME: '/root' }).REBATES_RULES).toBeUndefined();
  });

  it('lists every bad key at once', () => {
    const found = problems({ REBATES_STORE: 'postgres', S3_ENDPOINT: 'not a url', S3_ACCESS_KEY_ID: 'AK', LOG_LEVEL: 'loud' });
    // Four bad keys, four problems: the S3 key-pair rule spans two keys and still runs when others are bad.
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'REBATES_STORE', 'S3_ENDPOINT', 'S3_SECRET_ACCESS_KEY']);
    expect(found.join('\n')).toMatch(/S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
  });

  it('checks the YDB keys of REBATES_STORE=ydb even when other keys are bad', () => {
    expect(
      problems({ REBATES_STORE: 'ydb', LOG_LEVEL: 'loud' })
        .map((p) => p.split(':')[0])
        .sort(),
    ).toEqual(['LOG_LEVEL', 'YDB_DATABASE', 'YDB_ENDPOINT']);
  });

  it('uses the real clock unless REBATES_NOW pins "now" for a test run', () => {
    const before = Date.now();
    const real = configuredClock(loadConfig({}))().getTime();
    expect(real).toBeGreaterThanOrEqual(before);
    expect(real).toBeLessThanOrEqual(Date.now());
    const pinned = configuredClock(loadConfig({ REBATES_NOW: '2026-04-02T09:00:00+03:00' }));
    expect(pinned().toISOString()).toBe('2026-04-02T06:00:00.000Z');
    expect(pinned().toISOString()).toBe('2026-04-02T06:00:00.000Z');
  });

  it('rejects a REBATES_NOW that is not an ISO instant with an offset', () => {
    expect(problems({ REBATES_NOW: '2026-04-02' })).toEqual([expect.stringMatching(/^REBATES_NOW: /)]);
    expect(problems({ REBATES_NOW: '2026-04-02T09:00:00' })).toEqual([expect.stringMatching(/^REBATES_NOW: /)]);
  });

  it('needs a YDB endpoint and database for the ydb store, accepting the database inside the endpoint', () => {
    expect(problems({ REBATES_STORE: 'ydb' }).join('\n')).toMatch(/YDB_ENDPOINT: required[\s\S]*YDB_DATABASE: required/);
    expect(
      loadConfig({ REBATES_STORE: 'ydb', YDB_ENDPOINT: 'grpcs://ydb.serverless.yandexcloud.net:2135/?database=/ru-central1/b1g/etn' })
        .REBATES_STORE,
    ).toBe('ydb');
  });

  it('wants both static S3 keys or neither', () => {
    expect(problems({ S3_ACCESS_KEY_ID: 'AK' }).join('\n')).toMatch(/S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/);
  });
});
