/**
 * Property tests across ingest, accrual and ledger (fast-check) on in-memory SQLite stores with a
 * fixed clock: the ingest order of a set of files never changes the result (I1, equal versions
 * included); posting twice equals posting once (R7); the breakdown adds up to the amount before
 * rounding (R6, R11); the balance equals the ledger sum (R8).
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../shared/adapters/sqlite/sqlite-store';
import { computeQuarter, computePartnerQuarter, accrueQuarter } from '../../shared/usecases/accrue';
import { grantSpecialization, linkSubaccount } from '../../shared/usecases/program';
import { partnerBalance } from '../../shared/usecases/statement';
import { ingestExport } from '../../shared/usecases/ingest-export';
import { formatMoney, PRODUCT_SCALE, roundScaled, MONEY_SCALE } from '../../shared/domain/money';
import type { Deps } from '../../shared/usecases/deps';
import { COMPUTE, SPEECHSENSE, rulesWith } from '../support/domain-builders';
import { csvObject } from '../support/temp-store';

const D = Decimal.clone({ precision: 80 });
const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
const ACCOUNTS = ['acc1', 'acc2', 'acc3'];
const DAYS = ['2026-01-05', '2026-02-14', '2026-03-31'];

function newDeps(): Deps {
  let n = 0;
  return {
    store: createSqliteStore(':memory:'),
    rules: { rules: rulesWith(), source: 't', digest: 't' },
    clock: () => new Date('2026-04-01T03:00:00Z'),
    newId: () => `id-${++n}`,
  };
}

const fileArb = fc.record({
  rows: fc.array(
    fc.record({
      account: fc.constantFrom(...ACCOUNTS),
      day: fc.constantFrom(...DAYS),
      service: fc.constantFrom(SPEECHSENSE, COMPUTE),
      cost: fc.integer({ min: 0, max: 10_000_000_000 }).map((n) => formatMoney(BigInt(n) * 1000n, 0)),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  // A few versions only, so equal versions with different content happen often.
  version: fc.constantFrom(1_768_000_000, 1_768_000_001, 1_768_000_002),
});
type File = typeof fileArb extends fc.Arbitrary<infer T> ? T : never;

const text = (f: File) =>
  `${HEADER}\n${f.rows.map((r) => `${r.account},${r.service},sku-1,${r.day},RUB,${r.cost},0,${f.version}`).join('\n')}\n`;

async function usage(deps: Deps): Promise<string[]> {
  const rows: string[] = [];
  for await (const r of deps.store.usage.scanUsage({ from: '2026-01-01', to: '2026-03-31' }))
    rows.push(`${r.accountId} ${r.day} ${r.serviceId} ${formatMoney(r.cost, 9)} ${r.rows}`);
  return rows;
}

async function setUp(deps: Deps): Promise<void> {
  const who = { actor: 'prop', note: '' };
  await linkSubaccount(deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01', to: null, ...who });
  await linkSubaccount(deps, { partnerId: 'p2', subaccountId: 'acc2', from: '2026-02-01', to: null, ...who });
  await grantSpecialization(deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2025-01-01', to: null, ...who });
  await grantSpecialization(deps, { partnerId: 'p1', specialization: 'infrastructure-devops', from: '2026-02-01', to: null, ...who });
  await grantSpecialization(deps, { partnerId: 'p2', specialization: 'ml-ai', from: '2025-01-01', to: null, ...who });
}

describe('ingest, accrual and ledger properties', () => {
  it('gives the same stored usage whatever order a set of files is ingested in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fileArb, { minLength: 1, maxLength: 5 }).chain((files) =>
          fc.tuple(
            fc.constant(files),
            fc.shuffledSubarray(
              files.map((_, i) => i),
              { minLength: files.length },
            ),
          ),
        ),
        async ([files, order]) => {
          const a = newDeps();
          const b = newDeps();
          try {
            for (const [i, f] of files.entries()) await ingestExport(a, csvObject(`f${i}.csv`, text(f)));
            for (const i of order) await ingestExport(b, csvObject(`f${i}.csv`, text(files[i]!)));
            expect(await usage(b)).toEqual(await usage(a));
          } finally {
            await a.store.close();
            await b.store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('posting twice equals posting once, the breakdown adds up to the amount before rounding, and the balance is the ledger sum', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fileArb, { minLength: 1, maxLength: 4 }),
        fc.array(fileArb, { minLength: 0, maxLength: 2 }),
        async (first, later) => {
          const deps = newDeps();
          try {
            await setUp(deps);
            for (const [i, f] of first.entries()) await ingestExport(deps, csvObject(`a${i}.csv`, text(f)));
            const once = await accrueQuarter(deps, { quarter: '2026-Q1', dryRun: false, actor: 'prop', note: '' });
            const ledgerOnce = await deps.store.ledger.listEntries();
            const twice = await accrueQuarter(deps, { quarter: '2026-Q1', dryRun: false, actor: 'prop', note: '' });
            if (!once.ok || !twice.ok) throw new Error('posting failed');
            expect(twice.entriesAppended).toBe(0);
            expect(await deps.store.ledger.listEntries()).toEqual(ledgerOnce);

            // Late data, then a re-post: the ledger moves by adjustments only.
            for (const [i, f] of later.entries()) await ingestExport(deps, csvObject(`b${i}.csv`, text(f)));
            expect((await accrueQuarter(deps, { quarter: '2026-Q1', dryRun: false, actor: 'prop', note: '' })).ok).toBe(true);

            const accrual = await computeQuarter(deps, '2026-Q1');
            const detailed = await Promise.all(['p1', 'p2'].map((p) => computePartnerQuarter(deps, '2026-Q1', p)));
            // A run keeps totals only; a partner's statement adds the breakdown to the very same totals.
            expect(detailed.flatMap((d) => d.lines.map(({ details: _, ...total }) => total))).toEqual(accrual.lines);
            for (const line of detailed.flatMap((d) => d.lines)) {
              // R11: the details' bases add up to the line's base, and Σ base × rate is the exact amount.
              const base = line.details.reduce((s, d) => s + d.base, 0n);
              const exact = line.details.reduce((s, d) => s.plus(new D(formatMoney(d.base, 9)).times(d.rate)), new D(0));
              expect(base).toBe(line.base);
              expect(exact.toFixed(PRODUCT_SCALE)).toBe(
                new D(line.exact.toString()).div(new D(10).pow(PRODUCT_SCALE)).toFixed(PRODUCT_SCALE),
              );
              const rounded = roundScaled(line.exact > 0n ? line.exact : 0n, PRODUCT_SCALE, accrual.rounding.scale, accrual.rounding.mode);
              expect(line.amount).toBe(rounded * 10n ** BigInt(MONEY_SCALE - accrual.rounding.scale));
            }
            // R8: the balance is the plain sum of the partner's entries, and the ledger holds the amounts now due.
            for (const partnerId of ['p1', 'p2']) {
              const entries = await deps.store.ledger.listEntries({ partnerId });
              const sum = entries.reduce((s, e) => s.plus(formatMoney(e.amount, 9)), new D(0));
              const balance = (await partnerBalance(deps, partnerId)).balances;
              expect(balance.map((b) => formatMoney(b.amount, 9))).toEqual(entries.length === 0 ? [] : [sum.toFixed(9)]);
              const due = accrual.lines.filter((l) => l.partnerId === partnerId).reduce((s, l) => s + l.amount, 0n);
              expect(formatMoney(due, 9)).toBe(sum.toFixed(9));
            }
          } finally {
            await deps.store.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
