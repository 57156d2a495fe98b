/**
 * A small program for the portal tests, in a real SQLite file: partner-a and partner-b, each with
 * its own subaccount, and `sub-move`, linked to partner-a until 2026-02-14 and to partner-b from
 * 2026-02-15. 2026-Q1 is posted, then a late correction is re-posted as an adjustment; partner-b
 * alone has 2025-Q4; 2026-Q2 is running (usage on 04-05 and on "today", 04-20, which the preview
 * must leave out). Rate: infrastructure-devops 3% of compute.
 *
 *   partner-a 2026-Q1 RUB: 1000 (sub-a) + 200 (sub-move, Feb 1) = 1200 → 36.00; corrected sub-a
 *                          1100 → 39.00, adjustment +3.00.   USD: 100 → 3.00
 *   partner-b 2026-Q1 RUB: 300 (sub-b) + 500 (sub-move, Mar 1) = 800 → 24.00;  2025-Q4 RUB: 50 → 1.50
 *   partner-a 2026-Q2 so far (through 04-19): 100 → 3.00 (the 999 of 04-20 is not counted yet)
 */
import { parseMoney } from '../../shared/domain/money';
import type { AccountDayBatch } from '../../shared/ports/store';
import { accrueQuarter } from '../../shared/usecases/accrue';
import { issueToken } from '../../shared/usecases/tokens';
import { COMPUTE, grant, link, rulesWith } from './domain-builders';
import { createTestEnv, type TestEnv } from './temp-store';

export const A = 'partner-a';
export const B = 'partner-b';
export const NOW = '2026-04-20T10:00:00Z';

function day(accountId: string, d: string, version: number, cost: string, currency: 'RUB' | 'USD' = 'RUB'): AccountDayBatch {
  return {
    accountId,
    day: d,
    version,
    rows: [
      {
        accountId,
        day: d,
        serviceId: COMPUTE,
        skuId: 'sku-cpu',
        currency,
        cost: parseMoney(cost),
        credit: 0n,
        serviceName: 'Compute Cloud',
        skuName: 'vCPU',
        rows: 1,
      },
    ],
  };
}

export interface PortalFixture extends TestEnv {
  tokens: Record<string, string>;
}

export async function createPortalFixture(): Promise<PortalFixture> {
  const env = createTestEnv(rulesWith());
  const { store, deps } = env;
  for (const l of [
    link(A, 'sub-a', '2025-01-01'),
    link(A, 'sub-a-usd', '2025-01-01'),
    link(A, 'sub-move', '2026-01-01', '2026-02-14'),
    link(B, 'sub-b', '2025-01-01'),
    link(B, 'sub-move', '2026-02-15'),
  ]) {
    await store.program.insertLink(l);
  }
  for (const p of [A, B]) await store.program.insertSpecialization(grant(p, 'infrastructure-devops', '2025-01-01'));
  await store.usage.applyAccountDays('q1.csv', [
    day('sub-b', '2025-12-10', 1, '50'),
    day('sub-a', '2026-01-10', 1, '1000'),
    day('sub-a-usd', '2026-01-05', 1, '100', 'USD'),
    day('sub-b', '2026-01-20', 1, '300'),
    day('sub-move', '2026-02-01', 1, '200'),
    day('sub-move', '2026-03-01', 1, '500'),
  ]);
  env.setNow('2026-04-01T03:00:00Z');
  for (const quarter of ['2025-Q4', '2026-Q1']) {
    const posted = await accrueQuarter(deps, { quarter, dryRun: false, actor: 'timer', note: 'quarterly' });
    if (!posted.ok) throw new Error(posted.message);
  }
  await store.usage.applyAccountDays('late.csv', [day('sub-a', '2026-01-10', 2, '1100')]);
  env.setNow('2026-04-15T03:00:00Z');
  const reposted = await accrueQuarter(deps, { quarter: '2026-Q1', dryRun: false, actor: 'timer', note: 'late data' });
  if (!reposted.ok) throw new Error(reposted.message);
  await store.usage.applyAccountDays('q2.csv', [day('sub-a', '2026-04-05', 1, '100'), day('sub-a', '2026-04-20', 1, '999')]);
  env.setNow(NOW);
  const tokens: Record<string, string> = {};
  for (const partnerId of [A, B]) {
    const issued = await issueToken(deps, { partnerId, actor: 'op', note: 'test' });
    if (!issued.ok) throw new Error(issued.message);
    tokens[partnerId] = issued.token;
  }
  return { ...env, tokens };
}
