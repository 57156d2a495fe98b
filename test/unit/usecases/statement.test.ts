/** Statements (R11) and balances (R8) on a SQLite store: one partner's view, never another's. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import { accrueQuarter } from '../../../shared/usecases/accrue';
import { partnerBalance, partnerStatement } from '../../../shared/usecases/statement';
import { grant, link, rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const who = { actor: 'op-1', note: '' };

beforeEach(async () => {
  env = createTestEnv(rulesWith());
  // acc1 moves from p1 to p2 mid-quarter; both hold ml-ai (10%).
  await env.store.program.insertLink(link('p1', 'acc1', '2025-01-01', '2026-02-14'));
  await env.store.program.insertLink(link('p2', 'acc1', '2026-02-15'));
  await env.store.program.insertSpecialization(grant('p1', 'ml-ai', '2025-01-01'));
  await env.store.program.insertSpecialization(grant('p2', 'ml-ai', '2025-01-01'));
  await ingestExport(
    env.deps,
    csvObject(
      'd.csv',
      csv([
        ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000],
        ['acc1', SPEECHSENSE, '2026-03-10', '50', '0', 1000],
      ]),
    ),
  );
});
afterEach(() => env.cleanup());

async function statementOf(partnerId: string) {
  const s = await partnerStatement(env.deps, { partnerId, quarter: '2026-Q1' });
  if (!s.ok) throw new Error(s.message);
  return s;
}

describe('partner statement', () => {
  it('shows only the partner’s own days of a subaccount that moved to another partner mid-quarter', async () => {
    const p1 = await statementOf('p1');
    expect(p1.lines.map((l) => [l.partnerId, l.specialization, formatMoney(l.base), formatMoney(l.amount)])).toEqual([
      ['p1', 'ml-ai', '100.00', '10.00'],
    ]);
    expect(p1.lines[0]!.details.map((d) => [d.subaccountId, formatMoney(d.base), d.rows])).toEqual([['acc1', '100.00', 1]]);
    const p2 = await statementOf('p2');
    expect(p2.lines.map((l) => [l.partnerId, formatMoney(l.base), formatMoney(l.amount)])).toEqual([['p2', '50.00', '5.00']]);
  });

  it('lists only the partner’s own ledger entries and pending amounts after a posting', async () => {
    const posted = await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who });
    expect(posted.ok && posted.entriesAppended).toBe(2);
    const p1 = await statementOf('p1');
    expect(p1.entries.map((e) => [e.partnerId, formatMoney(e.amount)])).toEqual([['p1', '10.00']]);
    expect(p1.lines.map((l) => [formatMoney(l.posted), formatMoney(l.pending)])).toEqual([['10.00', '0.00']]);
    expect((await partnerBalance(env.deps, 'p2')).balances.map((b) => [b.currency, formatMoney(b.amount)])).toEqual([['RUB', '5.00']]);
  });

  it('says what a quarter looks like when the text is no quarter', async () => {
    expect(await partnerStatement(env.deps, { partnerId: 'p1', quarter: '2026-Q5' })).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/2026-Q5 is not a quarter/),
    });
  });

  it('scans only the partner’s subaccounts, and nothing for a partner without any', async () => {
    await env.store.program.insertLink(link('p3', 'acc9', '2025-01-01'));
    const scanned: (readonly string[] | undefined)[] = [];
    const scan = env.store.usage.scanUsage.bind(env.store.usage);
    env.store.usage.scanUsage = (range, filter) => {
      scanned.push(filter?.accountIds);
      return scan(range, filter);
    };
    await statementOf('p3');
    expect(scanned).toEqual([['acc9']]);
    const none = await statementOf('nobody');
    expect(none.lines).toEqual([]);
    expect(none.entries).toEqual([]);
    expect(scanned).toHaveLength(1);
  });
});
