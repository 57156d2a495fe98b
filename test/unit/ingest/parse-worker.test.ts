/**
 * The parse worker's plumbing at its edges: a chunk of more rows than a batch first holds (the
 * packed arrays grow), and source chunks larger than the worker's buffers (split before they are
 * sent). Each gives what the parse on one thread gives.
 */
import { describe, expect, it } from 'vitest';
import { stageUsageExport, type StagedExport } from '../../../shared/ingest/usage-export-parser';
import { sourceParseWorker } from '../../support/parse-worker-source';

const NOW = new Date('2026-04-01T03:00:00Z');
const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';

function file(rows: number): Buffer {
  const lines = Array.from({ length: rows }, (_, i) => `a${i % 701},s,k${i % 3},2026-03-0${(i % 9) + 1},RUB,${i % 89}.5,-0.25,1770000000`);
  return Buffer.from(`${HEADER}\n${lines.join('\n')}\n`);
}

function read(staged: StagedExport) {
  if (!staged.ok) throw new Error(JSON.stringify(staged.problems));
  return { rows: staged.rows, bytes: staged.bytes, accountDays: [...staged.accountDays] };
}

describe('the parse worker', () => {
  it('folds a chunk of 20,000 short rows (five times what a batch first holds) like one thread', async () => {
    const bytes = file(20_000);
    expect(bytes.length).toBeLessThan(1 << 20);
    const one = read(await stageUsageExport([bytes], { fallbackVersion: null, now: NOW }));
    const two = read(await stageUsageExport([bytes], { fallbackVersion: null, now: NOW, worker: sourceParseWorker }));
    expect(two).toEqual(one);
    expect(two.rows).toBe(20_000);
  });

  it('splits a source chunk larger than its 1 MiB buffers, rows straddling the splits, like one thread', async () => {
    const bytes = file(90_000);
    expect(bytes.length).toBeGreaterThan(3 << 20);
    const one = read(await stageUsageExport([bytes], { fallbackVersion: null, now: NOW }));
    const two = read(
      await stageUsageExport([bytes.subarray(0, 5), bytes.subarray(5)], { fallbackVersion: null, now: NOW, worker: sourceParseWorker }),
    );
    expect(two).toEqual(one);
    expect(two.accountDays).toHaveLength(701 * 9);
  });
});
