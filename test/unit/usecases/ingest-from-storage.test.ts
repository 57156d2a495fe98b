/**
 * ingestFromStorage on its own (the ingest-usage handler tests go through the event parsing):
 * the log line each object's outcome gets and the fields an operator reads in it, a backfill's
 * listing that fails part-way, the stop/resume bookkeeping and the retry error's text. The
 * object store is the in-memory double (no Object Storage here); the store is real SQLite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportObject } from '../../../shared/ports/export-source';
import { createLogger } from '../../../shared/runtime/logger';
import {
  ingestFromStorage,
  IngestRetryError,
  throwForTriggerRetry,
  type IngestFromStorageDeps,
  type IngestFromStorageResult,
  type StorageExportSource,
} from '../../../shared/usecases/ingest-from-storage';
import { rulesWith } from '../../support/domain-builders';
import { createMemoryExportSource, type MemoryExportSource } from '../../support/memory-export-source';
import { createTestEnv, type TestEnv } from '../../support/temp-store';
import { usageCsv } from '../../support/usage-export-csv';

const B = 'exports';
const good = { account: 'acc-1', day: '2026-03-30', cost: '10', credit: '0', updatedAt: 1774900000 };
const newer = usageCsv([{ ...good, cost: '12', updatedAt: 1774950000 }]);
const older = usageCsv([good]);
const malformed = usageCsv([{ ...good, cost: '1,5' }]);

let env: TestEnv;
let source: MemoryExportSource;
let lines: Record<string, unknown>[];

function depsWith(overrides: Partial<IngestFromStorageDeps> = {}): IngestFromStorageDeps {
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { ...env.deps, source, logger, ...overrides };
}
const linesWith = (msg: string) => lines.filter((l) => l['msg'] === msg);

beforeEach(() => {
  env = createTestEnv(rulesWith());
  source = createMemoryExportSource();
  lines = [];
});
afterEach(() => env.cleanup());

describe('ingestFromStorage log lines', () => {
  it('logs an applied file at info without reason, problem count or conflicts, and the run as finished at info', async () => {
    source.put(B, 'p/a.csv', newer);
    const result = await ingestFromStorage(depsWith(), { kind: 'objects', objects: [{ bucket: B, key: 'p/a.csv' }] });

    expect(result.ok).toBe(true);
    const [applied] = linesWith('export applied');
    expect(applied).toMatchObject({ level: 'INFO', bucket: B, key: 'p/a.csv', status: 'applied', rows: 1, account_days_applied: 1 });
    expect(applied).not.toHaveProperty('reason');
    expect(applied).not.toHaveProperty('problem_count');
    expect(applied).not.toHaveProperty('version_conflicts');
    expect(linesWith('ingest finished')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        applied: 1,
        stale: 0,
        rejected: 0,
        failed: 0,
        ignored: 0,
        conflicts: 0,
        objects: 1,
        resume_after: null,
      }),
    ]);
  });

  it('logs a stale file at warn with the reason, a rejected one at error with its problem count, and the run at warn', async () => {
    source.put(B, 'p/a.csv', newer);
    source.put(B, 'p/b.csv', older);
    source.put(B, 'p/c.csv', malformed);
    const result = await ingestFromStorage(depsWith(), { kind: 'prefix', bucket: B, prefix: 'p/' });

    expect(result.items.map((i) => [i.key, i.status])).toEqual([
      ['p/a.csv', 'applied'],
      ['p/b.csv', 'stale'],
      ['p/c.csv', 'rejected'],
    ]);
    expect(linesWith('export stale: every account-day is older than stored data')).toEqual([
      expect.objectContaining({
        level: 'WARN',
        key: 'p/b.csv',
        status: 'stale',
        account_days_stale: 1,
        reason: 'older than stored data: acc-1 2026-03-30 version 1774900000 < stored 1774950000',
      }),
    ]);
    const [rejected] = linesWith('export rejected');
    expect(rejected).toMatchObject({ level: 'ERROR', key: 'p/c.csv', status: 'rejected', problem_count: 1 });
    expect(rejected!['reason']).toMatch(/^s3:\/\/exports\/p\/c\.csv rejected: line 2, column cost/);
    expect(linesWith('ingest finished')).toEqual([
      expect.objectContaining({ level: 'WARN', applied: 1, stale: 1, rejected: 1, conflicts: 0, objects: 3 }),
    ]);
    expect(result.ok).toBe(false);
  });

  it('is not ok when a file only had a version conflict, and says so at warn with the conflict count', async () => {
    source.put(B, 'p/a.csv', older);
    source.put(B, 'p/b.csv', usageCsv([{ ...good, cost: '11' }]));
    const result = await ingestFromStorage(depsWith(), { kind: 'prefix', bucket: B, prefix: 'p/' });

    expect(result.counts.failed + result.counts.rejected).toBe(0);
    expect(result.items.map((i) => i.conflicts)).toEqual([0, 1]);
    expect(result.ok).toBe(false);
    expect(linesWith('export had version conflicts: same version, different content (settled by content digest)')).toEqual([
      expect.objectContaining({ level: 'WARN', key: 'p/b.csv', version_conflicts: 1 }),
    ]);
    expect(linesWith('ingest finished')).toEqual([expect.objectContaining({ level: 'WARN', conflicts: 1, objects: 2 })]);
  });

  it('logs an ignored object at info with its reason', async () => {
    await ingestFromStorage(depsWith(), { kind: 'objects', objects: [{ bucket: B, key: 'p/a.csv', skipReason: 'object deleted' }] });
    expect(linesWith('object ignored')).toEqual([
      expect.objectContaining({ level: 'INFO', bucket: B, key: 'p/a.csv', reason: 'object deleted' }),
    ]);
  });
});

describe('ingestFromStorage backfill', () => {
  /** The memory source, with each object's location dropped and every listing's options recorded. */
  function withoutLocations(inner: StorageExportSource, seen: unknown[]): StorageExportSource {
    return {
      exportObject: (bucket, key) => inner.exportObject(bucket, key),
      async *listExports(bucket, prefix, options) {
        seen.push(options);
        for await (const o of inner.listExports(bucket, prefix, options)) {
          const { location: _dropped, ...rest } = o as ExportObject & { location?: unknown };
          yield rest;
        }
      },
    };
  }

  it('names an object listed without a location by its listed key, and passes no startAfter when none was asked for', async () => {
    source.put(B, 'p/a.csv', newer);
    const seen: unknown[] = [];
    const result = await ingestFromStorage(depsWith({ source: withoutLocations(source, seen) }), {
      kind: 'prefix',
      bucket: B,
      prefix: 'p/',
    });

    expect(result.items).toEqual([expect.objectContaining({ bucket: B, key: 's3://exports/p/a.csv', status: 'applied' })]);
    expect(seen).toStrictEqual([{}]);
  });

  it('reports a listing that fails part-way as a failed item for the prefix, after the objects listed before it', async () => {
    source.put(B, 'p/a.csv', newer);
    const failing: StorageExportSource = {
      exportObject: (bucket, key) => source.exportObject(bucket, key),
      async *listExports(bucket, prefix, options) {
        yield* source.listExports(bucket, prefix, options);
        throw new Error('injected: ListObjectsV2 page 2 timed out');
      },
    };
    const result = await ingestFromStorage(depsWith({ source: failing }), { kind: 'prefix', bucket: B, prefix: 'p/' });

    expect(result.items).toEqual([
      expect.objectContaining({ key: 'p/a.csv', status: 'applied' }),
      {
        bucket: B,
        key: 'p/',
        status: 'failed',
        rows: 0,
        accountDaysApplied: 0,
        accountDaysStale: 0,
        conflicts: 0,
        reason: 'injected: ListObjectsV2 page 2 timed out',
      },
    ]);
    expect(result.ok).toBe(false);
    expect(result.counts).toEqual({ applied: 1, stale: 0, rejected: 0, failed: 1, ignored: 0 });
    expect(linesWith('listing exports failed')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        bucket: B,
        prefix: 'p/',
        after_key: 'p/a.csv',
        error: expect.objectContaining({ message: 'injected: ListObjectsV2 page 2 timed out' }),
      }),
    ]);
  });

  it('names the startAfter key as the last one reached when the listing fails before any object', async () => {
    const failing: StorageExportSource = {
      exportObject: (bucket, key) => source.exportObject(bucket, key),
      // biome-ignore lint/correctness/useYield: a listing that fails on its first page
      async *listExports() {
        throw new Error('injected: AccessDenied');
      },
    };
    const result = await ingestFromStorage(depsWith({ source: failing }), {
      kind: 'prefix',
      bucket: B,
      prefix: 'p/',
      startAfter: 'p/x.csv',
    });
    expect(result.items.map((i) => [i.key, i.status, i.reason])).toEqual([['p/', 'failed', 'injected: AccessDenied']]);
    expect(linesWith('listing exports failed')).toEqual([expect.objectContaining({ after_key: 'p/x.csv' })]);
  });

  it('ingests one object before asking to stop, then stops with the last ingested key to resume after, and logs it', async () => {
    source.put(B, 'p/a.csv', newer);
    source.put(B, 'p/b.csv', older);
    let asked = 0;
    const result = await ingestFromStorage(
      depsWith({
        shouldStop: () => {
          asked += 1;
          return true;
        },
      }),
      { kind: 'prefix', bucket: B, prefix: 'p/' },
    );

    expect(result.items.map((i) => i.key)).toEqual(['p/a.csv']);
    expect(asked).toBe(1);
    expect(result.resumeAfter).toBe('p/a.csv');
    expect(linesWith('backfill stopped early; re-invoke with startAfter to continue')).toEqual([
      expect.objectContaining({ level: 'WARN', bucket: B, prefix: 'p/', resume_after: 'p/a.csv' }),
    ]);
    expect(linesWith('ingest finished')).toEqual([expect.objectContaining({ resume_after: 'p/a.csv' })]);
  });
});

describe('ingestFromStorage read failures and the trigger retry', () => {
  it('reports a missing object as failed unless the request says a missing object is to be ignored', async () => {
    const result = await ingestFromStorage(depsWith(), {
      kind: 'objects',
      objects: [
        { bucket: B, key: 'p/gone.csv', ignoreIfMissing: false },
        { bucket: B, key: 'p/gone.csv' },
        { bucket: B, key: 'p/gone.csv', ignoreIfMissing: true },
      ],
    });
    expect(result.items.map((i) => [i.status, i.reason])).toEqual([
      ['failed', 's3://exports/p/gone.csv does not exist'],
      ['failed', 's3://exports/p/gone.csv does not exist'],
      ['ignored', 'object no longer exists: deleted after the event was sent'],
    ]);
    expect(linesWith('export ingest failed')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        bucket: B,
        key: 'p/gone.csv',
        error: expect.objectContaining({ code: 'OBJECT_NOT_FOUND' }),
      }),
      expect.objectContaining({ level: 'ERROR', key: 'p/gone.csv' }),
    ]);
  });

  it('fails, not ignores, an unreadable object of a trigger event when the error is not a missing object', async () => {
    const throwing = (thrown: unknown): StorageExportSource => ({
      exportObject: async () => {
        throw thrown;
      },
      listExports: (bucket, prefix, options) => source.listExports(bucket, prefix, options),
    });
    const request = { kind: 'objects' as const, objects: [{ bucket: B, key: 'p/a.csv', ignoreIfMissing: true }] };

    const timedOut = await ingestFromStorage(depsWith({ source: throwing(new Error('HeadObject timed out')) }), request);
    const nullThrown = await ingestFromStorage(depsWith({ source: throwing(null) }), request);

    expect(timedOut.items.map((i) => [i.status, i.reason])).toEqual([['failed', 'HeadObject timed out']]);
    expect(nullThrown.items.map((i) => [i.status, i.reason])).toEqual([['failed', 'null']]);
  });

  const resultWith = (statuses: ('applied' | 'failed')[]): IngestFromStorageResult => {
    const items = statuses.map((status, n) => ({
      bucket: B,
      key: `p/${n}.csv`,
      status,
      rows: 0,
      accountDaysApplied: 0,
      accountDaysStale: 0,
      conflicts: 0,
      reason: status === 'failed' ? `read error ${n}` : null,
    }));
    const failed = statuses.filter((s) => s === 'failed').length;
    return {
      ok: failed === 0,
      counts: { applied: statuses.length - failed, stale: 0, rejected: 0, failed, ignored: 0 },
      items,
      resumeAfter: null,
    };
  };

  it('throws for a trigger batch with a failed object, naming every failed object, so the trigger redelivers it', () => {
    const error = (() => {
      try {
        throwForTriggerRetry('storage-trigger', resultWith(['failed', 'applied', 'failed']));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(IngestRetryError);
    expect((error as IngestRetryError).code).toBe('INGEST_RETRY');
    expect((error as Error).message).toBe(
      '2 of 3 object(s) failed; the trigger will retry the batch:\n  s3://exports/p/0.csv: read error 0\n  s3://exports/p/2.csv: read error 2',
    );
  });

  it('does not throw for a manual invoke with failures, nor for a trigger batch without any', () => {
    expect(() => throwForTriggerRetry('manual-object', resultWith(['failed']))).not.toThrow();
    expect(() => throwForTriggerRetry('storage-trigger', resultWith(['applied', 'applied']))).not.toThrow();
  });
});
