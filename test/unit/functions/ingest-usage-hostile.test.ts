/**
 * The ingest-usage function refuses the same hostile input as the CLI (issue 8): it runs the same
 * use case, so implausible versions, positive credits, bad ids and future days are rejected and
 * logged per object, and a same-version conflict settles by digest and is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIngestUsageHandler } from '../../../functions/ingest-usage/handler';
import { createSqliteStore } from '../../../shared/adapters/sqlite/sqlite-store';
import type { Store } from '../../../shared/ports/store';
import { createMemoryExportSource, type MemoryExportSource } from '../../support/memory-export-source';
import { usageCsv } from '../../support/usage-export-csv';

const BUCKET = 'billing-exports';
const context = { requestId: 'req-hostile' };
const good = { account: 'acc-1', day: '2026-03-30', cost: '10', credit: '0', updatedAt: 1774900000 };

describe('ingest-usage handler under hostile input', () => {
  let dir: string;
  let store: Store;
  let source: MemoryExportSource;
  let handler: ReturnType<typeof createIngestUsageHandler>;
  let logs: Record<string, unknown>[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-usage-hostile-'));
    store = createSqliteStore(join(dir, 'rebates.db'));
    source = createMemoryExportSource();
    logs = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    });
    handler = createIngestUsageHandler(async () => ({ store, source, logLevel: 'info' }));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects and logs each hostile object on its own, and applies the good one', async () => {
    source.put(BUCKET, 'ms.csv', usageCsv([{ ...good, updatedAt: 1774900000000 }]));
    source.put(BUCKET, 'credit.csv', usageCsv([{ ...good, credit: '3.5' }]));
    source.put(BUCKET, 'id.csv', usageCsv([{ ...good, account: 'acc-1\u001b[2J' }]));
    source.put(BUCKET, 'future.csv', usageCsv([{ ...good, day: '9999-12-31' }]));
    source.put(BUCKET, 'good.csv', usageCsv([good]));

    const result = await handler({ bucket: BUCKET, prefix: '' }, context);

    const byKey = Object.fromEntries(result.items.map((i) => [i.key, [i.status, i.reason]]));
    expect(byKey['ms.csv']).toEqual(['rejected', expect.stringMatching(/line 2, column updated_at: .*milliseconds/)]);
    expect(byKey['credit.csv']).toEqual(['rejected', expect.stringMatching(/line 2, column credit: .*positive/)]);
    expect(byKey['id.csv']).toEqual(['rejected', expect.stringMatching(/line 2, column billing_account_id: .*U\+001B/)]);
    expect(byKey['future.csv']).toEqual(['rejected', expect.stringMatching(/line 2, column date: .*in the future/)]);
    expect(byKey['good.csv']).toEqual(['applied', null]);
    expect((await store.usage.listIngestLog()).map((e) => e.status).sort()).toEqual([
      'applied',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
  });

  it('reports a same-version conflict in the item, the log line and the result, without a retry', async () => {
    source.put(BUCKET, 'a.csv', usageCsv([good]));
    source.put(BUCKET, 'b.csv', usageCsv([{ ...good, cost: '11' }]));

    const result = await handler({ bucket: BUCKET, prefix: '' }, context);

    expect(result.ok).toBe(false);
    expect(result.items.map((i) => i.conflicts)).toEqual([0, 1]);
    expect(result.items[1]!.reason).toMatch(/^CONFLICT: acc-1 2026-03-30 version 1774900000/);
    expect(
      logs.some(
        (l) =>
          l['msg'] === 'export had version conflicts: same version, different content (settled by content digest)' &&
          l['version_conflicts'] === 1,
      ),
    ).toBe(true);
  });
});
