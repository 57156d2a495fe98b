/**
 * ingestExport case by case on a real SQLite store: the reason and log entry of a rejected or
 * unreadable file (I2, I5), the status a file gets when its account-days lose to stored versions or
 * to a version conflict (I1), and the spill runs of a large file, removed whatever the apply does (I4).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportReadError, type ExportObject } from '../../../shared/ports/export-source';
import type { VersionConflict } from '../../../shared/ports/store';
import { describeConflicts, describeProblems, ingestExport } from '../../../shared/usecases/ingest-export';
import { rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { CSV_HEADER, createTestEnv, csv, csvObject, plausibleVersion, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
let ticks: number;

beforeEach(() => {
  env = createTestEnv(rulesWith());
  // Every clock read is one second later, so a start and a finish read at different times differ.
  ticks = 0;
  env.deps.clock = () => new Date(Date.UTC(2026, 3, 1, 3, 0, ticks++));
});
afterEach(() => env.cleanup());

const V = plausibleVersion(2000);
const row = (account: string, cost: string, version = 2000): [string, string, string, string, string, number] => [
  account,
  SPEECHSENSE,
  '2026-01-10',
  cost,
  '0',
  version,
];

/** An export whose bytes cannot be read: the source throws `error` once iteration starts. */
function unreadable(key: string, error: unknown): ExportObject {
  return {
    key,
    etag: '"e1"',
    lastModified: 1_770_000_000,
    // biome-ignore lint/correctness/useYield: a file that fails before its first byte
    async *open() {
      throw error;
    },
  };
}

describe('a rejected file', () => {
  it('names the first five problems with their line and column, and counts the rest', async () => {
    const bad = Array.from({ length: 7 }, (_, i) => row(`acc${i}`, `x${i}`));
    const outcome = await ingestExport(env.deps, csvObject('bad.csv', csv(bad)));

    expect(outcome).toMatchObject({ status: 'rejected', rows: 7, accountDaysApplied: 0, accountDaysStale: 0, problemCount: 7 });
    expect(outcome.problems).toHaveLength(7);
    expect(outcome.reason).toMatch(
      /^bad\.csv rejected: line 2, column cost: [^;]+; line 3, column cost: [^;]+; line 4, [^;]+; line 5, [^;]+; line 6, column cost: [^;]+; and 2 more$/,
    );
  });

  it('does not add "more" when every problem is named, and leaves out the column when a problem has none', async () => {
    const five = await ingestExport(env.deps, csvObject('five.csv', csv(Array.from({ length: 5 }, (_, i) => row(`acc${i}`, 'x')))));
    expect(five.reason).not.toContain('more');
    expect(five.reason?.split('; ')).toHaveLength(5);

    const empty = await ingestExport(env.deps, csvObject('empty.csv', ''));
    expect(empty).toMatchObject({
      status: 'rejected',
      rows: 0,
      problemCount: 1,
      reason: 'empty.csv rejected: line 1: empty file: no header row',
    });
  });

  it('describes problems as the reason does, with or without a column and a count beyond those shown', () => {
    const problems = [
      { line: 3, column: 'cost', reason: 'bad cost' },
      { line: 9, column: null, reason: 'row has 2 fields' },
    ];
    expect(describeProblems('f.csv', problems, 2)).toBe('f.csv rejected: line 3, column cost: bad cost; line 9: row has 2 fields');
    expect(describeProblems('f.csv', problems, 40)).toBe(
      'f.csv rejected: line 3, column cost: bad cost; line 9: row has 2 fields; and 38 more',
    );
  });

  it('records the rejection in the ingest log with no version, no account-days and its own start and finish', async () => {
    const outcome = await ingestExport(env.deps, csvObject('bad.csv', csv([row('acc1', 'x')])));

    expect(outcome).toMatchObject({ objectKey: 'bad.csv', logId: 'id-1', conflicts: [], conflictCount: 0 });
    expect(outcome.bytes).toBeGreaterThan(CSV_HEADER.length);
    expect(await env.store.usage.listIngestLog({ objectKey: 'bad.csv' })).toEqual([
      expect.objectContaining({
        id: 'id-1',
        objectKey: 'bad.csv',
        etag: null,
        rows: 1,
        version: null,
        accountDaysApplied: 0,
        accountDaysStale: 0,
        status: 'rejected',
        reason: outcome.reason,
        startedAt: '2026-04-01T03:00:00.000Z',
        finishedAt: '2026-04-01T03:00:01.000Z',
      }),
    ]);
  });

  it('escapes control characters of the file name in the reason, so a name cannot forge a log line', async () => {
    const outcome = await ingestExport(env.deps, csvObject('x\nerror: ok.csv', csv([row('acc1', 'x')])));
    expect(outcome.reason).toMatch(/^x\\u000aerror: ok\.csv rejected: line 2, column cost: /);
    const unread = await ingestExport(env.deps, unreadable('y\rz.csv', new ExportReadError('is a directory')));
    expect(unread.reason).toBe('y\\u000dz.csv rejected: is a directory');
  });
});

describe('a file that cannot be read', () => {
  it('is rejected with the read error as its one problem, on line 0, and logged with its etag', async () => {
    const outcome = await ingestExport(env.deps, unreadable('dir.csv', new ExportReadError('EISDIR: is a directory')));

    expect(outcome).toEqual({
      objectKey: 'dir.csv',
      status: 'rejected',
      rows: 0,
      bytes: 0,
      accountDaysApplied: 0,
      accountDaysStale: 0,
      reason: 'dir.csv rejected: EISDIR: is a directory',
      problems: [{ line: 0, column: null, reason: 'EISDIR: is a directory' }],
      problemCount: 1,
      conflicts: [],
      conflictCount: 0,
      logId: 'id-1',
    });
    expect(await env.store.usage.listIngestLog({ objectKey: 'dir.csv' })).toEqual([
      expect.objectContaining({ etag: '"e1"', status: 'rejected', rows: 0, reason: outcome.reason }),
    ]);
  });

  it('throws any other error (worth a retry) and records nothing', async () => {
    await expect(ingestExport(env.deps, unreadable('net.csv', new Error('connection reset')))).rejects.toThrow('connection reset');
    expect(await env.store.usage.listIngestLog({ objectKey: 'net.csv' })).toEqual([]);
  });
});

describe('a file that meets stored versions', () => {
  // Measured: of the two contents below, the 90 one has the larger digest, so it wins either way (I1).
  const larger = csv([row('acc1', '90')]);
  const smaller = csv([row('acc1', '100')]);

  it('is stale when its only account-day lost a version conflict, and says the stored content was kept', async () => {
    await ingestExport(env.deps, csvObject('a.csv', larger));
    const outcome = await ingestExport(env.deps, csvObject('b.csv', smaller));

    expect(outcome).toMatchObject({ status: 'stale', accountDaysApplied: 0, accountDaysStale: 0, conflictCount: 1 });
    expect(outcome.conflicts).toEqual([expect.objectContaining({ accountId: 'acc1', day: '2026-01-10', version: V, kept: 'stored' })]);
    expect(outcome.reason).toBe(
      `CONFLICT: acc1 2026-01-10 version ${V} arrived with different content (digest ${outcome.conflicts[0]!.digest.slice(0, 12)} vs stored ${outcome.conflicts[0]!.storedDigest.slice(0, 12)}); kept the stored content (the larger digest wins, whatever the order)`,
    );
    const [logged] = await env.store.usage.listIngestLog({ objectKey: 'b.csv' });
    expect(logged).toMatchObject({ status: 'stale', version: V, reason: outcome.reason });
  });

  it('is applied when a version conflict replaced the stored content', async () => {
    await ingestExport(env.deps, csvObject('a.csv', smaller));
    const outcome = await ingestExport(env.deps, csvObject('b.csv', larger));

    expect(outcome).toMatchObject({ status: 'applied', accountDaysApplied: 1, conflictCount: 1 });
    expect(outcome.reason).toMatch(/; replaced the stored content \(the larger digest wins, whatever the order\)$/);
  });

  it('is applied when it changed nothing because it holds no account-day', async () => {
    const outcome = await ingestExport(env.deps, csvObject('header-only.csv', `${CSV_HEADER}\n`));
    expect(outcome).toMatchObject({ status: 'applied', rows: 0, accountDaysApplied: 0, accountDaysStale: 0, reason: null });
  });

  it('gives the conflicts first and the stale account-days after them in one reason', async () => {
    await ingestExport(env.deps, csvObject('a.csv', csv([row('acc1', '90'), row('acc2', '5', 3000)])));
    const outcome = await ingestExport(env.deps, csvObject('b.csv', csv([row('acc1', '100'), row('acc2', '6', 1000), row('acc3', '7')])));

    expect(outcome).toMatchObject({ status: 'applied', accountDaysApplied: 1, accountDaysStale: 1, conflictCount: 1 });
    expect(outcome.reason).toMatch(
      new RegExp(
        `^CONFLICT: acc1 .*kept the stored content \\(the larger digest wins, whatever the order\\); older than stored data: acc2 2026-01-10 version ${plausibleVersion(1000)} < stored ${plausibleVersion(3000)}$`,
      ),
    );
  });
  it('is stale when every account-day is older than stored, naming the first and counting the others', async () => {
    await ingestExport(env.deps, csvObject('a.csv', csv([row('acc1', '5', 3000), row('acc2', '5', 3000), row('acc3', '5', 3000)])));
    const outcome = await ingestExport(
      env.deps,
      csvObject('b.csv', csv([row('acc1', '6', 1000), row('acc2', '6', 1000), row('acc3', '6', 1000)])),
    );

    expect(outcome).toMatchObject({ status: 'stale', accountDaysApplied: 0, accountDaysStale: 3, conflictCount: 0 });
    expect(outcome.reason).toBe(
      `older than stored data: acc1 2026-01-10 version ${plausibleVersion(1000)} < stored ${plausibleVersion(3000)} and 2 more account-day(s)`,
    );
  });
});

describe('describeConflicts', () => {
  const conflict = (accountId: string, kept: VersionConflict['kept']): VersionConflict => ({
    accountId,
    day: '2026-01-10',
    version: 7,
    digest: 'aaaaaaaaaaaabbbb',
    storedDigest: 'ccccccccccccdddd',
    kept,
  });

  it('is null without conflicts, names the first, and counts the others from the list or from the count given', () => {
    expect(describeConflicts([])).toBeNull();
    const one =
      'CONFLICT: a1 2026-01-10 version 7 arrived with different content (digest aaaaaaaaaaaa vs stored cccccccccccc); replaced the stored content (the larger digest wins, whatever the order)';
    expect(describeConflicts([conflict('a1', 'incoming')])).toBe(one);
    expect(describeConflicts([conflict('a1', 'incoming'), conflict('a2', 'stored')])).toBe(`${one} and 1 more account-day(s)`);
    expect(describeConflicts([conflict('a1', 'incoming')], 101)).toBe(`${one} and 100 more account-day(s)`);
  });
});

describe('a file that spills to disk', () => {
  let spillDir: string;
  beforeEach(() => {
    spillDir = mkdtempSync(join(tmpdir(), 'ingest-spill-'));
  });
  afterEach(() => rmSync(spillDir, { recursive: true, force: true }));

  const big = csv(Array.from({ length: 40 }, (_, i) => [`acc${String(i).padStart(2, '0')}`, SPEECHSENSE, '2026-01-10', '1', '0', 1000]));
  const spilled = (): string[] => readdirSync(spillDir, { recursive: true }).map(String);

  it('spills into the directory given, applies every account-day and removes its runs', async () => {
    let spills = 0;
    env.deps = { ...env.deps, spill: { directory: spillDir, maxGroups: 4, afterSpill: () => spills++ } } as typeof env.deps;
    const outcome = await ingestExport(env.deps, csvObject('big.csv', big));

    expect(outcome).toMatchObject({ status: 'applied', rows: 40, accountDaysApplied: 40 });
    expect(spills).toBeGreaterThan(0);
    expect(spilled()).toEqual([]);
  });

  it('removes its runs when the store fails the apply, and throws the store’s error', async () => {
    let runsDuringApply: string[] = [];
    env.deps = { ...env.deps, spill: { directory: spillDir, maxGroups: 4 } } as typeof env.deps;
    env.store.usage.applyAccountDays = async () => {
      runsDuringApply = spilled();
      throw new Error('disk full');
    };
    await expect(ingestExport(env.deps, csvObject('big.csv', big))).rejects.toThrow('disk full');
    expect(runsDuringApply.filter((f) => f.endsWith('.tsv')).length).toBeGreaterThan(0);
    expect(spilled()).toEqual([]);
  });
});
