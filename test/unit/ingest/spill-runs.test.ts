/**
 * The spill runs on their own (shared/ingest/spill-runs.ts): what a run holds comes back exactly,
 * however large the run and whatever its names hold; the files and directories they use are
 * closed and removed; the directories of dead processes are cleared; a run damaged on disk is an
 * error, never a silently dropped or changed group. (The parse through runs is compared with the
 * in-memory parse in test/property/spill-merge.property.test.ts.)
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountDayBatches, groupKey, SpillRuns, type MergeProblem, type PartialGroup } from '../../../shared/ingest/spill-runs';

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'spill-runs-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

function partial(accountId: string, serviceId: string, over: Partial<PartialGroup> = {}): PartialGroup {
  const day = over.day ?? '2026-03-01';
  const skuId = over.skuId ?? 'sku';
  return {
    key: groupKey(accountId, day, serviceId, skuId),
    accountId,
    day,
    serviceId,
    skuId,
    currency: 'RUB',
    version: 1_770_000_000,
    accountDayLine: 2,
    firstLine: 2,
    rows: 1,
    cost: 1_000_000_000n,
    credit: 0n,
    serviceName: '',
    serviceNameLine: 0,
    skuName: '',
    skuNameLine: 0,
    ...over,
  };
}

const merged = (runs: SpillRuns) => [...runs.merged()];
const runDirectories = () => readdirSync(parent).filter((n) => n.startsWith('rebates-spill-'));
const runFile = (index: number) => join(parent, runDirectories()[0]!, `run-${index}.tsv`);
const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe('a spill run read back', () => {
  it('gives back every group of a run larger than the read and write buffers exactly, names with tabs, line breaks, backslashes and Cyrillic split across reads included', () => {
    const runs = new SpillRuns(parent);
    const names = ['Хранилище, «быстрое»', 'tab\there', 'new\nline\r\n', 'back\\slash \\t not a tab', ''];
    // ~15,000 records of ~100 bytes: well past the 64 KiB read buffer and the 1 MiB write buffer.
    const groups = Array.from({ length: 15_000 }, (_, i) =>
      partial(`acc-${String(i).padStart(6, '0')}`, 'svc', {
        accountDayLine: 2 + i,
        firstLine: 2 + i,
        rows: 1 + (i % 7),
        cost: BigInt(i) * 1_000_000_007n - 10n ** 21n,
        credit: -BigInt(i),
        serviceName: names[i % names.length]!,
        serviceNameLine: i % names.length === 4 ? 0 : 2 + i,
        skuName: `Ёлка ${'я'.repeat(i % 13)}`,
        skuNameLine: 2 + i,
        version: 1_770_000_000 + (i % 100),
        currency: i % 3 === 0 ? 'USD' : 'RUB',
      }),
    );
    runs.write(groups);
    expect(runs.count).toBe(1);
    expect(merged(runs)).toEqual(groups);
    runs.dispose();
  });

  it('sums the partials of one group from several runs exactly and keeps the names of the latest line and the earliest first line', () => {
    const runs = new SpillRuns(parent);
    runs.write([partial('a', 's', { cost: 10n ** 21n, firstLine: 2, accountDayLine: 2, rows: 2, serviceName: 'old', serviceNameLine: 3 })]);
    runs.write([
      partial('a', 's', {
        cost: 10n ** 21n,
        credit: -1n,
        firstLine: 7,
        accountDayLine: 7,
        rows: 1,
        serviceName: 'new',
        serviceNameLine: 7,
        version: 1_770_000_009,
      }),
      partial('b', 's'),
    ]);
    runs.write([partial('a', 's', { cost: 1n, firstLine: 9, accountDayLine: 9, skuName: 'sku name', skuNameLine: 9 })]);
    expect(merged(runs)).toEqual([
      partial('a', 's', {
        cost: 2n * 10n ** 21n + 1n,
        credit: -1n,
        rows: 4,
        firstLine: 2,
        accountDayLine: 2,
        serviceName: 'new',
        serviceNameLine: 7,
        skuName: 'sku name',
        skuNameLine: 9,
        version: 1_770_000_009,
      }),
      partial('b', 's'),
    ]);
    runs.dispose();
  });
});

describe('merging the partials of a group from runs read out of order', () => {
  it('takes the currency and lines of the earliest partial even when a later run yields the group first', () => {
    const runs = new SpillRuns(parent);
    runs.write([partial('b', 's', { accountDayLine: 2, firstLine: 2 })]);
    // The second run's first group ("a") sorts before "b": the merge then reads its "b" first.
    runs.write([
      partial('a', 's', { accountDayLine: 5, firstLine: 5 }),
      partial('b', 's', { currency: 'USD', accountDayLine: 5, firstLine: 6 }),
    ]);
    const b = merged(runs).find((g) => g.accountId === 'b');
    expect(b).toMatchObject({ currency: 'RUB', accountDayLine: 2, firstLine: 2, rows: 2, clash: { currency: 'USD', line: 6 } });
    runs.dispose();
  });
});

describe('account-day batches of merged groups', () => {
  const batches = (groups: PartialGroup[]) => {
    const problems: MergeProblem[] = [];
    return { batches: [...accountDayBatches(groups, (p) => problems.push(p))], problems };
  };

  it('are none for no groups', () => {
    expect(batches([])).toEqual({ batches: [], problems: [] });
  });

  it('take the currency of the group whose account-day line is earliest, whatever the sku order', () => {
    const found = batches([
      partial('a', 's', { skuId: 'k1', currency: 'USD', accountDayLine: 5, firstLine: 5 }),
      partial('a', 's', { skuId: 'k2', accountDayLine: 2, firstLine: 2 }),
    ]);
    expect(found.batches[0]!.rows.map((r) => r.currency)).toEqual(['RUB', 'RUB']);
    expect(found.problems).toEqual([
      { line: 5, column: 'currency', reason: 'account-day a 2026-03-01 is in RUB (line 2); a second currency USD is not allowed' },
    ]);
  });

  it('do not report a clash in the currency the account-day is in', () => {
    // k1 was first seen in RUB and later in USD; the account-day itself is in USD (k2, line 2).
    const found = batches([
      partial('a', 's', { skuId: 'k1', accountDayLine: 3, firstLine: 3, clash: { currency: 'USD', line: 4 } }),
      partial('a', 's', { skuId: 'k2', currency: 'USD', accountDayLine: 2, firstLine: 2 }),
    ]);
    expect(found.problems).toEqual([
      { line: 3, column: 'currency', reason: 'account-day a 2026-03-01 is in USD (line 2); a second currency RUB is not allowed' },
    ]);
  });

  it('accept sums of exactly ±(10^22 - 1) nano-units and reject ±10^22, in cost and credit', () => {
    const limit = 10n ** 22n;
    expect(
      batches([partial('a', 's', { cost: -(limit - 1n), credit: -(limit - 1n) }), partial('b', 's', { cost: limit - 1n })]).problems,
    ).toEqual([]);
    const found = batches([
      partial('a', 's', { cost: -limit, credit: -limit, firstLine: 7 }),
      partial('b', 's', { cost: limit, firstLine: 9 }),
    ]);
    expect(found.problems.map((p) => [p.line, p.column])).toEqual([
      [7, 'cost'],
      [7, 'credit'],
      [9, 'cost'],
    ]);
  });
});

describe('spill run files and directories', () => {
  it('closes every file it opens: writing, a full merge, a merge stopped early and disposing leave no descriptor open', () => {
    const before = openDescriptors();
    const runs = new SpillRuns(parent);
    for (let r = 0; r < 3; r++) runs.write([partial('a', `s${r}`), partial('b', `s${r}`)]);
    expect(openDescriptors()).toBe(before);
    expect(merged(runs)).toHaveLength(6);
    expect(openDescriptors()).toBe(before);
    for (const _ of runs.merged()) break;
    expect(openDescriptors()).toBe(before);
    runs.dispose();
    expect(openDescriptors()).toBe(before);
  });

  it('keeps its runs in one private directory, which dispose removes; it forgets them, and a later write starts a fresh directory', () => {
    const runs = new SpillRuns(parent);
    runs.write([partial('a', 's')]);
    runs.write([partial('b', 's')]);
    expect(runDirectories()).toHaveLength(1);
    expect(runDirectories()[0]).toMatch(new RegExp(`^rebates-spill-${process.pid}-`));
    expect(readdirSync(join(parent, runDirectories()[0]!)).sort()).toEqual(['run-0.tsv', 'run-1.tsv']);
    runs.dispose();
    expect(runDirectories()).toEqual([]);
    expect(runs.count).toBe(0);
    expect(merged(runs)).toEqual([]);
    runs.dispose();
    runs.write([partial('c', 's')]);
    expect(runDirectories()).toHaveLength(1);
    expect(merged(runs)).toEqual([partial('c', 's')]);
    runs.dispose();
  });

  it('removes the run directories of processes that no longer exist, and keeps those of live processes and those not named as runs', () => {
    // pid_max is at most 2^22 on Linux: no process has pid 99999999.
    const names = [
      'rebates-spill-99999999-dead01',
      'rebates-spill-1-alive01',
      `rebates-spill-${process.pid}-mine01`,
      'x-rebates-spill-99999999-other1',
      'rebates-spill-nopid',
      'rebates-spill--99999999-x',
    ];
    for (const name of names) {
      mkdirSync(join(parent, name));
      writeFileSync(join(parent, name, 'run-0.tsv'), 'left behind\n');
    }
    const runs = new SpillRuns(parent);
    runs.write([partial('a', 's')]);
    const left = readdirSync(parent);
    expect(left).not.toContain('rebates-spill-99999999-dead01');
    for (const name of names.slice(1)) expect(left).toContain(name);
    runs.dispose();
  });

  it('disposes without error when its directory was already removed (a cleaned /tmp)', () => {
    const runs = new SpillRuns(parent);
    runs.write([partial('a', 's')]);
    rmSync(join(parent, runDirectories()[0]!), { recursive: true });
    expect(() => runs.dispose()).not.toThrow();
  });

  it('fails its first write into a directory that does not exist with the error of the directory', () => {
    const runs = new SpillRuns(join(parent, 'missing'));
    expect(() => runs.write([partial('a', 's')])).toThrow(/ENOENT.*missing/);
  });
});

describe('a spill run damaged on disk', () => {
  it('is an error when it ends inside a record, not a dropped group', () => {
    const runs = new SpillRuns(parent);
    runs.write([partial('a', 's'), partial('b', 's')]);
    const file = runFile(0);
    truncateSync(file, readFileSync(file).length - 3);
    expect(() => merged(runs)).toThrow(/run-0\.tsv: spill file ends inside a record/);
    runs.dispose();
  });

  it.each([
    ['an unknown currency', (line: string) => line.replace('\tRUB\t', '\tEUR\t')],
    ['a field too many', (line: string) => `${line}\textra`],
    ['a field too few', (line: string) => line.slice(0, line.lastIndexOf('\t'))],
  ])('is an error when a record has %s', (_name, damage) => {
    const runs = new SpillRuns(parent);
    runs.write([partial('a', 's'), partial('b', 's')]);
    const file = runFile(0);
    const [first, ...rest] = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [damage(first!), ...rest].join('\n'));
    expect(() => merged(runs)).toThrow(/run-0\.tsv: malformed spill record/);
    runs.dispose();
  });
});
