/**
 * What proposed rules would do to a quarter, on a SQLite store: the quarter computed under the
 * rules in force and under the proposed ones, beside what the ledger holds for that quarter only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { rulesImpact } from '../../../shared/usecases/rules-impact';
import { COMPUTE, grant, link, rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { ledgerEntry, postEntries } from '../../support/ledger-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;

const entry = (quarter: string, amount: string) => ledgerEntry('p1', quarter, 'ml-ai', { amount });

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  env.setNow('2026-05-01T00:00:00Z');
  await env.store.program.insertLink(link('p1', 'acc1', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('p1', 'ml-ai', '2025-01-01'));
  const ingested = await ingestExport(
    env.deps,
    csvObject(
      'd.csv',
      csv([
        ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000],
        ['acc1', COMPUTE, '2026-02-10', '40', '0', 1000],
        ['acc1', SPEECHSENSE, '2025-12-10', '500', '0', 1000],
      ]),
    ),
  );
  expect(ingested).toMatchObject({ status: 'applied' });
  await postEntries(env.store, entry('2025-Q4', '50'), entry('2026-Q1', '9'));
});
afterEach(() => env.cleanup());

describe('the impact of proposed rules on a quarter', () => {
  it('sets the quarter under the rules in force beside the proposed rules and the quarter’s own postings', async () => {
    const proposed = rulesWith({
      specializations: {
        'infrastructure-devops': { rate: '0.03', services: [] },
        'data-platform': { rate: '0.05', services: [] },
        'ml-ai': { rate: '0.20', services: [SPEECHSENSE, COMPUTE] },
        'business-tools': { rate: '0.30', services: [] },
      },
    });
    const r = await rulesImpact(env.deps, '2026-Q1', { rules: proposed, source: 'proposed.json', digest: 'd-proposed' });
    expect({ ...r, lines: r.lines.map((l) => ({ ...l, ...money(l) })) }).toEqual({
      quarter: '2026-Q1',
      current: { source: 'test', digest: 'test' },
      proposed: { source: 'proposed.json', digest: 'd-proposed' },
      lines: [
        // ml-ai at 10 % of 100 now; at 20 % of 100 + 40 (compute moves to ml-ai) under the proposal.
        { partnerId: 'p1', specialization: 'ml-ai', currency: 'RUB', posted: '9.00', current: '10.00', proposed: '28.00', change: '18.00' },
      ],
    });
  });
});

function money(l: { posted: bigint; current: bigint; proposed: bigint; change: bigint }) {
  return {
    posted: formatMoney(l.posted),
    current: formatMoney(l.current),
    proposed: formatMoney(l.proposed),
    change: formatMoney(l.change),
  };
}
