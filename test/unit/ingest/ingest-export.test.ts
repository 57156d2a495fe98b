/** The ingest use case on a SQLite store: a file's status and counts when its account-days meet stored versions (I1). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv, plausibleVersion } from '../../support/temp-store';

let env: TestEnv;

beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(() => env.cleanup());

describe('ingest status of a file', () => {
  it('is applied, with the stale account-days counted and named, when the file is partly newer and partly older', async () => {
    await ingestExport(
      env.deps,
      csvObject(
        'a.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 2000],
          ['acc2', SPEECHSENSE, '2026-01-10', '100', '0', 2000],
        ]),
      ),
    );
    const mixed = await ingestExport(
      env.deps,
      csvObject(
        'b.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-10', '150', '0', 3000],
          ['acc2', SPEECHSENSE, '2026-01-10', '90', '0', 1000],
          ['acc3', SPEECHSENSE, '2026-01-11', '5', '0', 1000],
        ]),
      ),
    );
    expect(mixed).toMatchObject({ status: 'applied', rows: 3, accountDaysApplied: 2, accountDaysStale: 1, problems: [], problemCount: 0 });
    expect(mixed.reason).toBe(
      `older than stored data: acc2 2026-01-10 version ${plausibleVersion(1000)} < stored ${plausibleVersion(2000)}`,
    );
    const [logged] = await env.store.usage.listIngestLog({ objectKey: 'b.csv' });
    expect(logged).toMatchObject({
      status: 'applied',
      version: plausibleVersion(3000),
      accountDaysApplied: 2,
      accountDaysStale: 1,
      reason: mixed.reason,
    });
  });

  it('is stale when every account-day is older than what is stored, naming the first and counting the rest', async () => {
    await ingestExport(
      env.deps,
      csvObject(
        'a.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 2000],
          ['acc2', SPEECHSENSE, '2026-01-10', '100', '0', 2000],
        ]),
      ),
    );
    const old = await ingestExport(
      env.deps,
      csvObject(
        'old.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-10', '1', '0', 1000],
          ['acc2', SPEECHSENSE, '2026-01-10', '1', '0', 1500],
        ]),
      ),
    );
    expect(old).toMatchObject({ status: 'stale', accountDaysApplied: 0, accountDaysStale: 2 });
    expect(old.reason).toMatch(
      new RegExp(
        `^older than stored data: acc\\d 2026-01-10 version \\d+ < stored ${plausibleVersion(2000)} and 1 more account-day\\(s\\)$`,
      ),
    );
  });

  it('is applied without a reason when nothing is older, and records the newest version and the times', async () => {
    env.setNow('2026-01-11T08:00:00Z');
    const fresh = await ingestExport(
      env.deps,
      csvObject(
        'a.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 2000],
          ['acc2', SPEECHSENSE, '2026-01-10', '100', '0', 2500],
        ]),
      ),
    );
    expect(fresh).toMatchObject({ status: 'applied', accountDaysApplied: 2, accountDaysStale: 0, reason: null });
    const [logged] = await env.store.usage.listIngestLog({ objectKey: 'a.csv' });
    expect(logged).toMatchObject({
      version: plausibleVersion(2500),
      startedAt: '2026-01-11T08:00:00.000Z',
      finishedAt: '2026-01-11T08:00:00.000Z',
      etag: null,
    });
  });
});
