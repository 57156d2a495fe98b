/**
 * A writer waits for another connection's write lock — bounded, reporting its wait — and a
 * reader never waits (issue 8, class 5). Two connections on one real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../shared/adapters/sqlite/sqlite-store';
import type { SubaccountLink } from '../../shared/domain/model';
import { batch } from '../contract/fixtures';

let dir: string;
let holder: Database.Database;
const path = () => join(dir, 'rebates.db');
const link = (id: string): SubaccountLink => ({
  id,
  partnerId: 'p1',
  subaccountId: id,
  from: '2026-01-01',
  to: null,
  created: { actor: 'op', at: '2026-01-01T00:00:00.000Z', note: '' },
  ended: null,
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rebates-busy-'));
  await createSqliteStore(path()).close();
  holder = new Database(path());
  holder.prepare('BEGIN IMMEDIATE').run();
});
afterEach(() => {
  if (holder.inTransaction) holder.prepare('ROLLBACK').run();
  holder.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite writes behind another writer', () => {
  it('waits for the lock, reports the wait about once a second, and writes once it is free', async () => {
    const waits: number[] = [];
    const store = createSqliteStore(path(), { busyTimeoutMs: 5000, onWait: (ms) => waits.push(ms) });
    setTimeout(() => holder.prepare('COMMIT').run(), 1400);
    try {
      await store.program.insertLink(link('acc-1'));
      expect(await store.program.listLinks()).toEqual([link('acc-1')]);
      expect(waits.length).toBeGreaterThanOrEqual(1);
      expect(waits[0]).toBeGreaterThanOrEqual(1000);
    } finally {
      await store.close();
    }
  });

  it('gives up after its bound with STORE_BUSY saying what to retry, having written nothing; reads still answer meanwhile', async () => {
    const store = createSqliteStore(path(), { busyTimeoutMs: 400 });
    try {
      expect(await store.program.listLinks()).toEqual([]);
      await expect(store.program.insertLink(link('acc-2'))).rejects.toMatchObject({
        code: 'STORE_BUSY',
        message: expect.stringMatching(/retry when it has finished/),
      });
      holder.prepare('ROLLBACK').run();
      expect(await store.program.listLinks()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('waits the same way when a large apply writes on the writer thread, then applies it; past the bound, STORE_BUSY and nothing written', async () => {
    const waits: number[] = [];
    const store = createSqliteStore(path(), { busyTimeoutMs: 5000, onWait: (ms) => waits.push(ms), writerFrom: 0 });
    const batches = [batch('acc-1', '2026-01-05', 1, [{ cost: '1.5' }]), batch('acc-2', '2026-01-05', 1, [{ cost: '2' }])];
    setTimeout(() => holder.prepare('COMMIT').run(), 1400);
    try {
      expect((await store.usage.applyAccountDays('a.csv', batches)).appliedCount).toBe(2);
      expect(waits.length).toBeGreaterThanOrEqual(1);
      expect(waits[0]).toBeGreaterThanOrEqual(1000);
      expect((await store.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-01-31' })).map((v) => v.accountId)).toEqual([
        'acc-1',
        'acc-2',
      ]);
    } finally {
      await store.close();
    }
    holder.prepare('BEGIN IMMEDIATE').run();
    const bounded = createSqliteStore(path(), { busyTimeoutMs: 400, writerFrom: 0 });
    try {
      await expect(bounded.usage.applyAccountDays('b.csv', [batch('acc-3', '2026-01-05', 1, [{ cost: '3' }])])).rejects.toMatchObject({
        code: 'STORE_BUSY',
      });
      holder.prepare('ROLLBACK').run();
      expect((await bounded.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-01-31' })).map((v) => v.accountId)).toEqual([
        'acc-1',
        'acc-2',
      ]);
    } finally {
      await bounded.close();
    }
  });
});
