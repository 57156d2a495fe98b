/**
 * A parse worker that fails — throws, or exits before the end of the file — fails the parse: the
 * caller gets the error, nothing is staged and no spill run is left behind. Whatever the worker
 * does, the file is never half-accepted (I2).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParseWorkerLauncher } from '../../../shared/ingest/parse-worker';
import { stageUsageExport } from '../../../shared/ingest/usage-export-parser';
import { PARSE_WORKER_ENTRY } from '../../support/parse-worker-source';

const NOW = new Date('2026-04-01T03:00:00Z');
const root = mkdtempSync(join(tmpdir(), 'parse-worker-failure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The real worker (from source), made to `then` once it has answered `answers` chunks. */
function failingAfter(answers: number, then: string): ParseWorkerLauncher {
  return {
    start: (data) =>
      new Worker(
        `require('tsx/cjs/api').register();
         require(${JSON.stringify(PARSE_WORKER_ENTRY)});
         const { parentPort } = require('node:worker_threads');
         let seen = 0;
         parentPort.on('message', (m) => { if (m.chunk && ++seen === ${answers}) { ${then} } });`,
        { eval: true, workerData: data, execArgv: [] },
      ),
  };
}

const rows = Array.from({ length: 200 }, (_, i) => `acc-${i},svc,sku,2026-03-0${(i % 9) + 1},RUB,1.5,0,1770000000`);
const file = Buffer.from(`billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at\n${rows.join('\n')}\n`);
const chunks = () => Array.from({ length: Math.ceil(file.length / 512) }, (_, i) => file.subarray(i * 512, (i + 1) * 512));

describe('a failing parse worker', () => {
  it.each([
    ['throws', "throw new Error('scanner exploded');", /the parse worker failed: scanner exploded/],
    ['exits', 'process.exit(3);', /the parse worker exited \(code 3\) before the end of the file/],
  ])('that %s fails the parse with its reason and leaves no spill run', async (_, then, reason) => {
    const directory = mkdtempSync(join(root, 'runs-'));
    let spills = 0;
    const parse = stageUsageExport(chunks(), {
      fallbackVersion: null,
      now: NOW,
      spill: { directory, maxGroups: 50, afterSpill: () => spills++ },
      worker: failingAfter(12, then),
    });
    await expect(parse).rejects.toThrow(reason);
    // Runs had been written from the rows folded before the failure; none is left.
    expect(spills).toBeGreaterThan(0);
    expect(readdirSync(directory)).toEqual([]);
  });
});
