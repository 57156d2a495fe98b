/**
 * The parse on two threads (parse-worker.ts) against the parse on one: any file — valid rows,
 * broken cells, a second currency in an account-day (found where rows are folded), random bytes —
 * in any chunking, with few or many problems kept and with groups spilled to runs, gives exactly
 * the same result: the same account-days, or the same problems in the same order with the same
 * count (I2). The worker runs from its TypeScript source here; the CLI e2e test runs its bundle.
 */
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageUsageExport, type StagedExport } from '../../shared/ingest/usage-export-parser';
import { sourceParseWorker } from '../support/parse-worker-source';

const NOW = new Date('2026-04-01T03:00:00Z');
const HEADER = 'billing_account_id,service_id,service_name,sku_id,sku_name,date,currency,cost,credit,updated_at';
const spillRoot = mkdtempSync(join(tmpdir(), 'parse-worker-prop-'));
afterAll(() => rmSync(spillRoot, { recursive: true, force: true }));

const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** A row: mostly valid, sometimes broken in one cell, sometimes in a second currency of its account-day. */
const rowArb = fc
  .record({
    account: fc.constantFrom('acc-1', 'acc-2', 'dn2xyz', 'счёт-3'),
    service: fc.constantFrom('svc-a', 'svc-b'),
    serviceName: fc.constantFrom('', 'Compute', 'Хранилище, "S3"'),
    sku: fc.constantFrom('sku-1', 'sku,2', 'sku"3'),
    skuName: fc.constantFrom('', 'Name, with comma', 'multi\r\nline', 'Ёлка "quoted"'),
    day: fc.constantFrom('2026-01-01', '2026-02-28', '2026-03-31'),
    cost: fc.constantFrom('0', '1.5', '12345.123456789', '-3.25', '9999999999999.999999999'),
    credit: fc.constantFrom('0', '-0.5', '-100'),
    updatedAt: fc.integer({ min: 1_700_000_000, max: 1_775_000_000 }),
    currencySwap: fc.integer({ min: 0, max: 300 }),
    // One row in ~200 broken (half the files get one more below): a file holds none, one or several.
    broken: fc.oneof(
      { arbitrary: fc.constant(null), weight: 200 },
      { arbitrary: fc.constantFrom('cost', 'date', 'currency', 'credit', 'updated_at', 'quote'), weight: 1 },
    ),
  })
  .map((r) => {
    const currency = r.currencySwap === 0 ? 'KZT' : r.account === 'acc-2' ? 'USD' : 'RUB';
    const cells = [r.account, r.service, r.serviceName, r.sku, r.skuName, r.day, currency, r.cost, r.credit, String(r.updatedAt)].map(cell);
    if (r.broken === 'cost') cells[7] = 'abc';
    if (r.broken === 'date') cells[5] = '2026-02-30';
    if (r.broken === 'currency') cells[6] = 'EUR';
    if (r.broken === 'credit') cells[8] = '5';
    if (r.broken === 'updated_at') cells[9] = '1768000000000';
    if (r.broken === 'quote') cells[0] = 'a"b';
    return cells.join(',');
  });

function chunked(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

/** Everything a caller can see of a staged file, the account-days read out. */
function seen(staged: StagedExport) {
  if (!staged.ok) return staged;
  const { count, version, runs } = staged.accountDays;
  const accountDays = [...staged.accountDays];
  staged.accountDays.dispose();
  return { ok: true, rows: staged.rows, bytes: staged.bytes, count, version, runs, accountDays };
}

describe('a parse on two threads', () => {
  const outcomes = { accepted: 0, rejected: 0 };
  it('gives exactly what the parse on one thread gives, for any file, chunking, problem limit and spill bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { maxLength: 50 }),
        // Half the files get a broken row somewhere, so both outcomes are compared often.
        fc.option(fc.tuple(fc.nat(), fc.constantFrom('abc', '1,5', '')), { freq: 2 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 25 }),
        fc.option(fc.integer({ min: 2, max: 40 }), { freq: 2 }),
        // Random bytes after the rows in one file of ten.
        fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 60 }), weight: 1 }),
        async (valid, broken, crlf, sizes, maxProblems, maxGroups, noise) => {
          const eol = crlf ? '\r\n' : '\n';
          const rows = [...valid];
          if (broken !== null)
            rows.splice(broken[0] % (rows.length + 1), 0, `acc-1,svc-a,,sku-1,,2026-01-01,RUB,${cell(broken[1])},0,1770000000`);
          let bytes = Buffer.from(`${[HEADER, ...rows].join(eol)}${eol}`, 'utf8');
          if (noise !== null) bytes = Buffer.concat([bytes, Buffer.from(noise)]);
          const parse = (worker: boolean) => {
            const directory = mkdtempSync(join(spillRoot, 'run-'));
            const spill = maxGroups === null ? {} : { spill: { directory, maxGroups } };
            return stageUsageExport(chunked(bytes, sizes), {
              fallbackVersion: null,
              now: NOW,
              maxProblems,
              ...spill,
              ...(worker ? { worker: sourceParseWorker } : {}),
            });
          };
          const one = seen(await parse(false));
          const two = seen(await parse(true));
          expect(two).toEqual(one);
          outcomes[one.ok ? 'accepted' : 'rejected']++;
        },
      ),
      { numRuns: 80 },
    );
    // Every run of every parse was removed (applied or rejected): nothing is left behind.
    for (const dir of readdirSync(spillRoot)) expect(readdirSync(join(spillRoot, dir))).toEqual([]);
    // Both outcomes were compared, many times each.
    expect(outcomes.accepted).toBeGreaterThanOrEqual(10);
    expect(outcomes.rejected).toBeGreaterThanOrEqual(10);
  }, 240_000);
});
