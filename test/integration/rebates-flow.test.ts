import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatMoney } from '../../shared/domain/money';
import { StoreError } from '../../shared/ports/store';
import { ingestExport } from '../../shared/usecases/ingest-export';
import { accrueQuarter, quartersForTimer } from '../../shared/usecases/accrue';
import { grantSpecialization, linkSubaccount, revokeSpecialization, unlinkSubaccount } from '../../shared/usecases/program';
import { partnerBalance, partnerStatement } from '../../shared/usecases/statement';
import { SPEECHSENSE, rulesWith } from '../support/domain-builders';
import { createTestEnv, csv, csvObject, plausibleVersion, type TestEnv } from '../support/temp-store';

const who = { actor: 'op-1', note: 'test' };
let env: TestEnv;

async function setup() {
  expect((await linkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', from: '2025-01-01', to: null, ...who })).ok).toBe(true);
  expect((await grantSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', from: '2025-01-01', to: null, ...who })).ok).toBe(
    true,
  );
}

async function post(quarter = '2026-Q1', dryRun = false) {
  const result = await accrueQuarter(env.deps, { quarter, dryRun, ...who });
  if (!result.ok) throw new Error(result.message);
  return result;
}

const amountsOf = (r: Awaited<ReturnType<typeof post>>) =>
  r.accruals.map((a) => [a.partnerId, a.specialization, formatMoney(a.amount), formatMoney(a.posted), formatMoney(a.delta)]);

beforeEach(() => {
  env = createTestEnv(rulesWith());
});
afterEach(async () => env.cleanup());

describe('rebates flow on a SQLite store', () => {
  it('ignores an older copy of a day that arrives late', async () => {
    await setup();
    await ingestExport(env.deps, csvObject('exports/20260110.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '200', '0', 2000]])));
    const late = await ingestExport(
      env.deps,
      csvObject('backup/20260110.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000]])),
    );
    expect(late).toMatchObject({ status: 'stale', accountDaysApplied: 0, accountDaysStale: 1 });
    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '20.00', '0.00', '20.00']]);
  });

  it('does not count the same data twice when it arrives under another object key', async () => {
    await setup();
    const text = csv([['acc1', SPEECHSENSE, '2026-01-10', '200', '0', 2000]]);
    await ingestExport(env.deps, csvObject('exports/20260110.csv', text));
    const copy = await ingestExport(env.deps, csvObject('copy/20260110.csv', text));
    expect(copy.status).toBe('applied');
    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '20.00', '0.00', '20.00']]);
  });

  it('replaces a day with its newer version, dropping rows the new version no longer has', async () => {
    await setup();
    await ingestExport(
      env.deps,
      csvObject(
        'd.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-10', '200', '0', 1000],
          ['acc1', 'other-service', '2026-01-10', '5', '0', 1000],
        ]),
      ),
    );
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '150', '-50', 2000]])));
    const rows = [];
    for await (const r of env.store.usage.scanUsage({ from: '2026-01-10', to: '2026-01-10' }))
      rows.push([r.serviceId, formatMoney(r.cost), formatMoney(r.credit)]);
    expect(rows).toEqual([[SPEECHSENSE, '150.00', '-50.00']]);
  });

  it('leaves no trace of a malformed file in the usage data, only a rejected ingest-log entry', async () => {
    await setup();
    await ingestExport(env.deps, csvObject('good.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '200', '0', 1000]])));
    const bad = csv([
      ['acc1', SPEECHSENSE, '2026-01-10', '999', '0', 5000],
      ['acc1', SPEECHSENSE, '2026-01-11', '1;5', '0', 5000],
    ]);
    const outcome = await ingestExport(env.deps, csvObject('bad.csv', bad));
    expect(outcome.status).toBe('rejected');
    expect(outcome.reason).toMatch(/bad\.csv rejected: line 3, column cost/);
    const rows = [];
    for await (const r of env.store.usage.scanUsage({ from: '2026-01-01', to: '2026-03-31' })) rows.push([r.day, formatMoney(r.cost)]);
    expect(rows).toEqual([['2026-01-10', '200.00']]);
    expect((await env.store.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-03-31' })).map((v) => [v.day, v.version])).toEqual(
      [['2026-01-10', plausibleVersion(1000)]],
    );
    const log = await env.store.usage.listIngestLog({ objectKey: 'bad.csv' });
    expect(log.map((l) => [l.status, l.accountDaysApplied])).toEqual([['rejected', 0]]);
  });

  it('appends nothing when a quarter is re-posted with unchanged inputs, and an adjustment when data changed', async () => {
    await setup();
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '123.45', '0', 1000]])));
    const first = await post();
    expect(first.entriesAppended).toBe(1);
    const again = await post();
    expect(again.entriesAppended).toBe(0);
    expect((await env.store.ledger.listEntries()).length).toBe(1);
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 2000]])));
    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '10.00', '12.35', '-2.35']]);
    const entries = await env.store.ledger.listEntries({ partnerId: 'p1' });
    expect(entries.map((e) => [e.kind, formatMoney(e.amount), e.actor])).toEqual([
      ['accrual', '12.35', 'op-1'],
      ['adjustment', '-2.35', 'op-1'],
    ]);
    expect((await partnerBalance(env.deps, 'p1')).balances.map((b) => formatMoney(b.amount))).toEqual(['10.00']);
    const runs = await env.store.ledger.listRuns({ quarter: '2026-Q1' });
    expect(runs.map((r) => [r.entries, r.rulesVersions])).toEqual([
      [1, ['2023-01-01']],
      [0, ['2023-01-01']],
      [1, ['2023-01-01']],
    ]);
  });

  it('previews a posting without writing anything (R10)', async () => {
    await setup();
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000]])));
    const preview = await post('2026-Q1', true);
    expect(amountsOf(preview)).toEqual([['p1', 'ml-ai', '10.00', '0.00', '10.00']]);
    expect(await env.store.ledger.listEntries()).toEqual([]);
    expect(await env.store.ledger.listRuns()).toEqual([]);
  });

  it('turns a retroactive revocation into a negative adjustment when the quarter is re-posted (R7)', async () => {
    await setup();
    await ingestExport(
      env.deps,
      csvObject(
        'd.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-20', '100', '0', 1000],
          ['acc1', SPEECHSENSE, '2026-02-10', '50', '0', 1000],
        ]),
      ),
    );
    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '15.00', '0.00', '15.00']]);

    env.setNow('2026-04-10T09:00:00Z');
    const revoked = await revokeSpecialization(env.deps, {
      partnerId: 'p1',
      specialization: 'ml-ai',
      effective: '2026-02-01',
      actor: 'op-2',
      note: 'audit failed in January',
    });
    expect(revoked).toMatchObject({ ok: true, postedQuartersAffected: ['2026-Q1'], period: { to: '2026-01-31' } });
    expect((await env.store.ledger.listEntries()).length).toBe(1); // nothing changes until the quarter is re-posted

    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '10.00', '15.00', '-5.00']]);
    const entries = await env.store.ledger.listEntries({ partnerId: 'p1', quarter: '2026-Q1' });
    expect(entries.map((e) => [e.kind, formatMoney(e.amount), e.seq])).toEqual([
      ['accrual', '15.00', 1],
      ['adjustment', '-5.00', 2],
    ]);
    expect((await partnerBalance(env.deps, 'p1')).balances.map((b) => formatMoney(b.amount))).toEqual(['10.00']);
    expect((await post()).entriesAppended).toBe(0);
  });

  it('turns a retroactive unlink into a negative adjustment and reports the posted quarter it reaches', async () => {
    await setup();
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-03-20', '40', '0', 1000]])));
    await post();
    const unlinked = await unlinkSubaccount(env.deps, { partnerId: 'p1', subaccountId: 'acc1', effective: '2026-03-01', ...who });
    expect(unlinked).toMatchObject({ ok: true, postedQuartersAffected: ['2026-Q1'] });
    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '0.00', '4.00', '-4.00']]);
  });

  it('reports no posted quarter for a revocation that only reaches unposted days', async () => {
    await setup();
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-03-20', '40', '0', 1000]])));
    await post();
    const revoked = await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', effective: '2026-04-01', ...who });
    expect(revoked).toMatchObject({ ok: true, postedQuartersAffected: [] });
    expect((await post()).entriesAppended).toBe(0);
  });

  it('counts usage only from the revocation’s effective day minus one backwards (R5)', async () => {
    await setup();
    expect((await revokeSpecialization(env.deps, { partnerId: 'p1', specialization: 'ml-ai', effective: '2026-02-01', ...who })).ok).toBe(
      true,
    );
    await ingestExport(
      env.deps,
      csvObject(
        'd.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-31', '100', '0', 1000],
          ['acc1', SPEECHSENSE, '2026-02-01', '900', '0', 1000],
        ]),
      ),
    );
    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '10.00', '0.00', '10.00']]);
  });

  it('rejects overlapping links and unknown specializations with clear messages', async () => {
    await setup();
    const overlap = await linkSubaccount(env.deps, { partnerId: 'p2', subaccountId: 'acc1', from: '2026-03-01', to: null, ...who });
    expect(overlap).toMatchObject({ ok: false, code: 'OVERLAP' });
    expect(!overlap.ok && overlap.message).toMatch(/already linked to partner p1/);
    const unknown = await grantSpecialization(env.deps, {
      partnerId: 'p1',
      specialization: 'security',
      from: '2026-01-01',
      to: null,
      ...who,
    });
    expect(unknown).toMatchObject({ ok: false, code: 'UNKNOWN_SPECIALIZATION' });
  });

  it('records who linked and who ended a link (R12)', async () => {
    await setup();
    env.setNow('2026-05-05T10:00:00Z');
    expect(
      (
        await unlinkSubaccount(env.deps, {
          partnerId: 'p1',
          subaccountId: 'acc1',
          effective: '2026-05-01',
          actor: 'op-2',
          note: 'contract ended',
        })
      ).ok,
    ).toBe(true);
    const [l] = await env.store.program.listLinks({ subaccountId: 'acc1' });
    expect(l).toMatchObject({
      to: '2026-04-30',
      created: { actor: 'op-1' },
      ended: { actor: 'op-2', note: 'contract ended', at: '2026-05-05T10:00:00.000Z' },
    });
  });

  it('explains a quarter per subaccount and service with rates and ledger entries (R11)', async () => {
    await setup();
    await ingestExport(env.deps, csvObject('d.csv', csv([['acc1', SPEECHSENSE, '2026-01-10', '100.5', '-0.5', 1000]])));
    await post();
    const s = await partnerStatement(env.deps, { partnerId: 'p1', quarter: '2026-Q1' });
    if (!s.ok) throw new Error(s.message);
    expect(
      s.lines.map((l) => [l.specialization, formatMoney(l.base), formatMoney(l.amount), formatMoney(l.posted), formatMoney(l.pending)]),
    ).toEqual([['ml-ai', '100.00', '10.00', '10.00', '0.00']]);
    expect(s.lines[0]!.details.map((d) => [d.subaccountId, d.serviceId, d.serviceName, d.rate, d.rulesVersion])).toEqual([
      ['acc1', SPEECHSENSE, `Service ${SPEECHSENSE}, Inc.`, '0.10', '2023-01-01'],
    ]);
    expect(s.entries.map((e) => e.kind)).toEqual(['accrual']);
  });

  it('computes the quarter again when the store interrupts a scan after handing out rows', async () => {
    await setup();
    await ingestExport(
      env.deps,
      csvObject(
        'd.csv',
        csv([
          ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000],
          ['acc1', SPEECHSENSE, '2026-01-11', '20', '0', 1000],
        ]),
      ),
    );
    const real = env.store.usage.scanUsage.bind(env.store.usage);
    let calls = 0;
    env.store.usage.scanUsage = (range, filter) => {
      calls++;
      if (calls > 1) return real(range, filter);
      return (async function* () {
        for await (const row of real(range, filter)) {
          yield row;
          throw new StoreError('YDB_SCAN_INTERRUPTED', 'snapshot changed under a retry');
        }
      })();
    };
    expect(amountsOf(await post())).toEqual([['p1', 'ml-ai', '12.00', '0.00', '12.00']]);
    expect(calls).toBe(2);
  });

  it('previews but does not post a quarter before it ends in UTC+3, and picks the timer’s quarters', async () => {
    expect(await accrueQuarter(env.deps, { quarter: '2026-Q3', dryRun: true, ...who })).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    // The clock says 2026-04-01 03:00 UTC = 06:00 in Moscow: Q2 is running, Q1 has ended.
    const running = await accrueQuarter(env.deps, { quarter: '2026-Q2', dryRun: false, ...who });
    expect(running).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/2026-Q2 has not ended yet .* posted from 2026-07-01/),
    });
    expect((await accrueQuarter(env.deps, { quarter: '2026-Q2', dryRun: true, ...who })).ok).toBe(true);
    env.setNow('2026-03-31T20:59:00Z'); // 23:59 on March 31 in Moscow: Q1 is still running
    expect((await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who })).ok).toBe(false);
    env.setNow('2026-03-31T21:00:00Z'); // 00:00 on April 1 in Moscow
    expect((await accrueQuarter(env.deps, { quarter: '2026-Q1', dryRun: false, ...who })).ok).toBe(true);
    expect(quartersForTimer(new Date('2026-03-31T21:30:00Z'))).toEqual(['2025-Q4', '2026-Q1']);
  });
});
