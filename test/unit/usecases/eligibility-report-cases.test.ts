/**
 * The yearly eligibility report on a SQLite store: built from the stored links, periods and the
 * year's usage, and computed again from scratch when the store interrupts a scan (each fault
 * injected into the real store's scan).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { StoreError } from '../../../shared/ports/store';
import { eligibilityReport } from '../../../shared/usecases/eligibility-report';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { grant, link, rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { interruptScans } from '../../support/store-faults';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  env.setNow('2027-03-01T00:00:00Z');
  await env.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('p1', 'ml-ai', '2025-06-01', '2026-03-31'));
  const ingested = await ingestExport(
    env.deps,
    csvObject(
      'd.csv',
      csv([
        ['acc1', SPEECHSENSE, '2025-12-31', '7', '0', 1000],
        ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000],
        ['acc1', SPEECHSENSE, '2026-05-10', '50', '-20', 1000],
        ['acc1', SPEECHSENSE, '2027-01-01', '9', '0', 1000],
      ]),
    ),
  );
  expect(ingested).toMatchObject({ status: 'applied' });
});
afterEach(() => env.cleanup());

/** The report reduced to strings: partner, specialization, currency, quarters and year. */
function summary(report: Awaited<ReturnType<typeof eligibilityReport>>) {
  return {
    year: report.year,
    lines: report.partners.flatMap((p) =>
      p.specializations.flatMap((s) =>
        s.consumption.map((c) => ({
          partnerId: p.partnerId,
          specialization: s.specialization,
          held: s.held,
          currency: c.currency,
          quarters: c.quarters.map((q) => formatMoney(q)),
          year: formatMoney(c.year),
        })),
      ),
    ),
  };
}

const EXPECTED_2026 = {
  year: 2026,
  lines: [
    {
      partnerId: 'p1',
      specialization: 'ml-ai',
      held: [{ from: '2025-06-01', to: '2026-03-31' }],
      currency: 'RUB',
      quarters: ['100.00', '30.00', '0.00', '0.00'],
      year: '130.00',
    },
  ],
};

describe('the yearly eligibility report', () => {
  it('sums the year’s usage of the stored links per quarter beside the periods held', async () => {
    expect(summary(await eligibilityReport(env.deps, 2026))).toEqual(EXPECTED_2026);
  });

  it('computes again from scratch when the store interrupts a scan, up to three attempts, counting each row once', async () => {
    const calls = interruptScans(env.store, 2, { rowsFirst: 1 });
    expect(summary(await eligibilityReport(env.deps, 2026))).toEqual(EXPECTED_2026);
    expect(calls()).toBe(3);
  });

  it('gives up after the third interrupted scan with the store’s error', async () => {
    const calls = interruptScans(env.store, 3, { rowsFirst: 1 });
    await expect(eligibilityReport(env.deps, 2026)).rejects.toMatchObject({ code: 'YDB_SCAN_INTERRUPTED' });
    expect(calls()).toBe(3);
  });

  it('gives up at once on a scan that failed for another reason', async () => {
    let calls = 0;
    env.store.usage.scanUsage = () => {
      calls++;
      return (async function* () {
        yield* [];
        throw new StoreError('YDB_UNAVAILABLE', 'down');
      })();
    };
    await expect(eligibilityReport(env.deps, 2026)).rejects.toMatchObject({ code: 'YDB_UNAVAILABLE' });
    expect(calls).toBe(1);
  });
});
