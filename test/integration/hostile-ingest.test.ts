/**
 * Ingest under hostile input and odd ordering (issue 8, classes 1, 2, 4): real SQLite files,
 * real directories, a fixed clock.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMoney } from '../../shared/domain/money';
import { ingestExport } from '../../shared/usecases/ingest-export';
import { listLocalExports } from '../../shared/ingest/local-source';
import { releaseAccountDays } from '../../shared/usecases/release-account-days';
import { SPEECHSENSE, rulesWith } from '../support/domain-builders';
import { createTestEnv, csv, csvObject, plausibleVersion, type TestEnv } from '../support/temp-store';

let env: TestEnv;
beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(async () => env.cleanup());

const costs = async (e: TestEnv) => {
  const rows = [];
  for await (const r of e.store.usage.scanUsage({ from: '2026-01-01', to: '2026-03-31' }))
    rows.push(`${r.accountId} ${r.day} ${r.serviceId} ${formatMoney(r.cost, 0)}`);
  return rows;
};

describe('a directory with bad entries (class 4)', () => {
  it('handles and logs every file on its own: a symlink loop, a directory named .csv and an overflowing file do not stop the others', async () => {
    const dir = join(env.dir, 'exports');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a-good.csv'), csv([['acc1', SPEECHSENSE, '2026-01-10', '10', '0', 1000]]));
    symlinkSync(join(dir, 'b-loop.csv'), join(dir, 'b-loop.csv'));
    mkdirSync(join(dir, 'c-dir.csv'));
    writeFileSync(
      join(dir, 'd-overflow.csv'),
      csv([
        ['acc2', SPEECHSENSE, '2026-01-10', '9999999999999', '0', 1000],
        ['acc2', SPEECHSENSE, '2026-01-10', '1', '0', 1000],
      ]),
    );
    writeFileSync(join(dir, 'e-good.csv'), csv([['acc3', SPEECHSENSE, '2026-01-11', '30', '0', 1000]]));

    const outcomes = [];
    for (const object of await listLocalExports(dir)) outcomes.push(await ingestExport(env.deps, object));

    expect(outcomes.map((o) => [o.objectKey.split('/').pop(), o.status])).toEqual([
      ['a-good.csv', 'applied'],
      ['b-loop.csv', 'rejected'],
      ['c-dir.csv', 'rejected'],
      ['d-overflow.csv', 'rejected'],
      ['e-good.csv', 'applied'],
    ]);
    expect(outcomes[1]!.reason).toMatch(/b-loop\.csv: symbolic link loop/);
    expect(outcomes[2]!.reason).toMatch(/c-dir\.csv: not a regular file/);
    expect(outcomes[3]!.reason).toMatch(/line 2, column cost: the sum of cost .* does not fit Decimal\(22,9\)/);
    const log = await env.store.usage.listIngestLog();
    expect(log.map((e) => [e.objectKey.split('/').pop(), e.status]).sort()).toEqual([
      ['a-good.csv', 'applied'],
      ['b-loop.csv', 'rejected'],
      ['c-dir.csv', 'rejected'],
      ['d-overflow.csv', 'rejected'],
      ['e-good.csv', 'applied'],
    ]);
    expect(await costs(env)).toEqual([`acc1 2026-01-10 ${SPEECHSENSE} 10`, `acc3 2026-01-11 ${SPEECHSENSE} 30`]);
  });

  it('names a symlink loop as such when it is the path given', async () => {
    const loop = join(env.dir, 'loop.csv');
    symlinkSync(loop, loop);
    await expect(listLocalExports(loop)).rejects.toThrow(/loop\.csv: symbolic link loop/);
  });
});

describe('same version, different content (class 2)', () => {
  const one = csv([['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 5000]]);
  const two = csv([['acc1', SPEECHSENSE, '2026-01-10', '250', '0', 5000]]);

  it('ends with the same stored data whichever file arrives first, and reports the conflict', async () => {
    const other = createTestEnv(rulesWith());
    try {
      const ab = [await ingestExport(env.deps, csvObject('one.csv', one)), await ingestExport(env.deps, csvObject('two.csv', two))];
      const ba = [await ingestExport(other.deps, csvObject('two.csv', two)), await ingestExport(other.deps, csvObject('one.csv', one))];

      expect(await costs(env)).toEqual(await costs(other));
      expect(ab[1]!.conflicts).toHaveLength(1);
      expect(ba[1]!.conflicts).toHaveLength(1);
      expect(ab[1]!.reason).toMatch(/^CONFLICT: acc1 2026-01-10 version \d+ arrived with different content/);
      // Re-ingesting either file changes nothing any more (I1).
      const before = await costs(env);
      await ingestExport(env.deps, csvObject('one.csv', one));
      await ingestExport(env.deps, csvObject('two.csv', two));
      expect(await costs(env)).toEqual(before);
    } finally {
      await other.cleanup();
    }
  });
});

describe('recovering an account-day stuck behind a bad version (class 1)', () => {
  it('releases it with an audited ingest-log entry; the genuine file then replaces it', async () => {
    // Stored before versions were checked: milliseconds instead of seconds.
    const stuckVersion = plausibleVersion(1000) * 1000;
    await env.store.usage.applyAccountDays('legacy.csv', [
      {
        accountId: 'acc1',
        day: '2026-01-10',
        version: stuckVersion,
        rows: [
          {
            accountId: 'acc1',
            day: '2026-01-10',
            serviceId: SPEECHSENSE,
            skuId: 'x',
            currency: 'RUB',
            cost: 999n * 10n ** 9n,
            credit: 0n,
            serviceName: '',
            skuName: '',
            rows: 1,
          },
        ],
      },
    ]);
    const genuine = csvObject('genuine.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '12.5', '0', 2000]]));
    expect((await ingestExport(env.deps, genuine)).status).toBe('stale');

    const released = await releaseAccountDays(env.deps, {
      subaccountId: 'acc1',
      from: '2026-01-10',
      to: '2026-01-10',
      actor: 'op-anna',
      note: 'ticket 17: ms version',
    });
    const applied = await ingestExport(env.deps, genuine);

    expect(released).toMatchObject({ ok: true, released: [{ accountId: 'acc1', day: '2026-01-10', version: stuckVersion }] });
    expect(applied.status).toBe('applied');
    expect(await costs(env)).toEqual([`acc1 2026-01-10 ${SPEECHSENSE} 12.5`]);
    const entry = (await env.store.usage.listIngestLog()).find((e) => e.objectKey.startsWith('operator:release/'));
    expect(entry).toMatchObject({ objectKey: 'operator:release/acc1/2026-01-10..2026-01-10', status: 'applied', accountDaysApplied: 1 });
    expect(entry!.reason).toMatch(new RegExp(`released by op-anna: ticket 17: ms version — acc1 2026-01-10 version ${stuckVersion} → 0`));
  });

  it('refuses a release without a note, of nothing stored, or with a bad id', async () => {
    const base = { subaccountId: 'acc1', from: '2026-01-10', to: '2026-01-10', actor: 'op' };
    expect(await releaseAccountDays(env.deps, { ...base, note: ' ' })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/needs --note/),
    });
    expect(await releaseAccountDays(env.deps, { ...base, note: 'x' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await releaseAccountDays(env.deps, { ...base, subaccountId: 'acc 1', note: 'x' })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
    });
  });
});

describe('names from outside in messages (class 7)', () => {
  it('escapes a line break in a file name so it cannot forge an error line', async () => {
    const outcome = await ingestExport(env.deps, csvObject('bad\nerror: all fine.csv', 'not,a,header\n'));
    expect(outcome.status).toBe('rejected');
    expect(outcome.reason).toMatch(/^bad\\u000aerror: all fine\.csv rejected: /);
    expect(outcome.reason).not.toContain('\n');
  });
});
