/**
 * Bulk links from CSV on a SQLite store: what an import writes and records (R12 audit per line),
 * what a dry run leaves alone, how a rejected file is reported (every problem, in line order), a
 * store that refuses a taken id, and which posted quarters the new links reach (R7).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeProblems } from '../../../shared/domain/link-import';
import type { LedgerEntry } from '../../../shared/domain/model';
import { StoreError } from '../../../shared/ports/store';
import { importLinks } from '../../../shared/usecases/import-links';
import { link, rulesWith } from '../../support/domain-builders';
import { ledgerEntry, postEntries } from '../../support/ledger-builders';
import { createTestEnv, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const HEADER = 'partner_id,subaccount_id,from,to';
const file = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

beforeEach(() => {
  env = createTestEnv(rulesWith());
  env.setNow('2026-05-01T09:00:00Z');
});
afterEach(() => env.cleanup());

const entry = (partnerId: string, quarter: string, specialization: string, kind: LedgerEntry['kind'] = 'accrual') =>
  ledgerEntry(partnerId, quarter, specialization, { kind });
const posted = (...entries: LedgerEntry[]) => postEntries(env.store, ...entries);

describe('importing a valid file', () => {
  it('stores every row as a link with its own audit naming the operator, the note, the file and the line', async () => {
    const r = await importLinks(env.deps, {
      source: 'links.csv',
      text: file('p1,acc1,2026-01-01,', 'p2,acc2,2025-03-01,2025-12-31'),
      dryRun: false,
      actor: 'op-1',
      note: 'bulk',
    });
    const expected = [
      {
        id: 'id-1',
        partnerId: 'p1',
        subaccountId: 'acc1',
        from: '2026-01-01',
        to: null,
        created: { actor: 'op-1', at: '2026-05-01T09:00:00.000Z', note: 'bulk (import links.csv line 2)' },
        ended: null,
      },
      {
        id: 'id-2',
        partnerId: 'p2',
        subaccountId: 'acc2',
        from: '2025-03-01',
        to: '2025-12-31',
        created: { actor: 'op-1', at: '2026-05-01T09:00:00.000Z', note: 'bulk (import links.csv line 3)' },
        ended: null,
      },
    ];
    expect(r).toEqual({ ok: true, source: 'links.csv', dryRun: false, links: expected, postedQuartersAffected: [] });
    expect(await env.store.program.listLinks()).toEqual(expected);
  });

  it('leaves only the file and line in the audit note when the operator gave no note', async () => {
    const r = await importLinks(env.deps, { source: 'x.csv', text: file('p1,acc1,2026-01-01,'), dryRun: false, actor: 'op-1', note: '' });
    expect(r.ok && r.links.map((l) => l.created.note)).toEqual(['(import x.csv line 2)']);
  });

  it('writes nothing on a dry run but returns the links it would store', async () => {
    const r = await importLinks(env.deps, { source: 'x.csv', text: file('p1,acc1,2026-01-01,'), dryRun: true, actor: 'op-1', note: 'n' });
    expect(r).toMatchObject({ ok: true, dryRun: true, links: [{ id: 'id-1', partnerId: 'p1', subaccountId: 'acc1' }] });
    expect(await env.store.program.listLinks()).toEqual([]);
  });
});

describe('a rejected file', () => {
  it('reports the row problems and the overlaps together in line order, echoes the dry-run flag and writes nothing', async () => {
    await env.store.program.insertLink(link('p9', 'acc2', '2025-01-01'));
    const text = file(
      'p1,acc1,2026-01-01,', // line 2: fine
      'p2,acc1,2026-02-01,', // line 3: overlaps line 2
      'p3,acc2,2026-01-01,', // line 4: overlaps the stored link of acc2
      'p4,acc3,2026-02-30,', // line 5: no calendar day
    );
    const r = await importLinks(env.deps, { source: 'bad.csv', text, dryRun: false, actor: 'op-1', note: '' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(r).toEqual({
      ok: false,
      code: 'IMPORT_REJECTED',
      message: describeProblems('bad.csv', r.problems),
      source: 'bad.csv',
      dryRun: false,
      problems: [
        { line: 3, column: null, reason: expect.stringContaining('overlaps line 2') },
        { line: 4, column: null, reason: expect.stringContaining('stored link link-p9-acc2-2025-01-01') },
        { line: 5, column: 'from', reason: expect.stringContaining('not a calendar day') },
      ],
    });
    expect(r.message).toMatch(/^bad\.csv: 3 problem\(s\), nothing imported\nline 3: /);
    expect(await env.store.program.listLinks()).toEqual([link('p9', 'acc2', '2025-01-01')]);
  });

  it('keeps the dry-run flag of a rejected dry run', async () => {
    const r = await importLinks(env.deps, { source: 'e.csv', text: '', dryRun: true, actor: 'op-1', note: '' });
    expect(r).toMatchObject({ ok: false, code: 'IMPORT_REJECTED', dryRun: true, source: 'e.csv', problems: [{ line: 1 }] });
  });
});

describe('a store that refuses the batch', () => {
  it('rejects the whole file when a new link id is already taken, and imports none of its rows', async () => {
    // The store's next id (id-2) belongs to a stored link of another subaccount: the batch insert fails as a whole.
    const taken = { ...link('p9', 'acc9', '2025-01-01'), id: 'id-2' };
    await env.store.program.insertLink(taken);
    const r = await importLinks(env.deps, {
      source: 'x.csv',
      text: file('p1,acc1,2026-01-01,', 'p1,acc2,2026-01-01,'),
      dryRun: false,
      actor: 'op-1',
      note: '',
    });
    expect(r).toMatchObject({
      ok: false,
      code: 'IMPORT_REJECTED',
      dryRun: false,
      source: 'x.csv',
      problems: [{ line: 1, column: null, reason: expect.stringMatching(/id-2 already exists.*; nothing was imported$/) }],
    });
    expect(r.ok === false && r.problems).toHaveLength(1);
    expect(await env.store.program.listLinks()).toEqual([taken]);
  });

  it('throws any other store failure as it is', async () => {
    const down = new StoreError('YDB_UNAVAILABLE', 'down');
    env.store.program.insertLinks = async () => {
      throw down;
    };
    await expect(
      importLinks(env.deps, { source: 'x.csv', text: file('p1,acc1,2026-01-01,'), dryRun: false, actor: 'op-1', note: '' }),
    ).rejects.toBe(down);
  });

  it('throws an error that only looks like a taken id (not a StoreError) as it is', async () => {
    const odd = Object.assign(new Error('odd'), { code: 'ALREADY_EXISTS' });
    env.store.program.insertLinks = async () => {
      throw odd;
    };
    await expect(
      importLinks(env.deps, { source: 'x.csv', text: file('p1,acc1,2026-01-01,'), dryRun: false, actor: 'op-1', note: '' }),
    ).rejects.toBe(odd);
  });

  it('does not call the store at all on a dry run', async () => {
    env.store.program.insertLinks = async () => {
      throw new StoreError('YDB_UNAVAILABLE', 'down');
    };
    const r = await importLinks(env.deps, { source: 'x.csv', text: file('p1,acc1,2026-01-01,'), dryRun: true, actor: 'op-1', note: '' });
    expect(r.ok).toBe(true);
  });
});

describe('posted quarters the new links reach (R7)', () => {
  beforeEach(async () => {
    await posted(
      entry('p1', '2025-Q4', 'infrastructure-devops'),
      entry('p1', '2026-Q1', 'infrastructure-devops'),
      entry('p1', '2026-Q1', 'ml-ai'),
      entry('p1', '2025-Q3', 'ml-ai', 'withdrawal'),
      entry('p2', '2025-Q4', 'ml-ai'),
      entry('p2', '2026-Q1', 'ml-ai'),
      entry('p3', '2024-Q1', 'ml-ai'),
    );
  });

  it('names per partner, in partner order, each posted quarter its own links overlap, once', async () => {
    const r = await importLinks(env.deps, {
      source: 'x.csv',
      // p2 reaches 2026-Q1 only; its 2025-Q4 posting is reached by p1's link alone.
      text: file('p2,acc2,2026-01-15,', 'p1,acc1,2025-07-01,'),
      dryRun: true,
      actor: 'op-1',
      note: '',
    });
    expect(r).toMatchObject({
      ok: true,
      postedQuartersAffected: [
        { partnerId: 'p1', quarters: ['2025-Q4', '2026-Q1'] },
        { partnerId: 'p2', quarters: ['2026-Q1'] },
      ],
    });
  });

  it('names a quarter that any one of a partner’s new links reaches, though its other links do not', async () => {
    const r = await importLinks(env.deps, {
      source: 'x.csv',
      text: file('p1,acc5,2024-01-01,2024-03-31', 'p1,acc1,2026-02-01,'),
      dryRun: true,
      actor: 'op-1',
      note: '',
    });
    expect(r).toMatchObject({ ok: true, postedQuartersAffected: [{ partnerId: 'p1', quarters: ['2026-Q1'] }] });
  });

  it('leaves out a partner whose links reach none of its posted quarters, and withdrawals are no postings', async () => {
    const r = await importLinks(env.deps, {
      source: 'x.csv',
      text: file('p1,acc1,2025-07-01,2025-09-30', 'p3,acc3,2025-01-01,', 'p4,acc4,2024-01-01,'),
      dryRun: false,
      actor: 'op-1',
      note: '',
    });
    expect(r).toMatchObject({ ok: true, postedQuartersAffected: [] });
  });
});
