/** The quarterly run (R9): its summary per quarter and overall, and what it logs. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestExport } from '../../../shared/usecases/ingest-export';
import type { Logger } from '../../../shared/runtime/logger';
import { runQuarterlyAccrual } from '../../../shared/usecases/quarterly-accrual';
import { grant, link, rulesWith, SPEECHSENSE } from '../../support/domain-builders';
import { createTestEnv, csv, csvObject, type TestEnv } from '../../support/temp-store';

let env: TestEnv;
const lines: [string, string, Record<string, unknown> | undefined][] = [];
const logger: Logger = {
  debug: (m, f) => lines.push(['debug', m, f]),
  info: (m, f) => lines.push(['info', m, f]),
  warn: (m, f) => lines.push(['warn', m, f]),
  error: (m, f) => lines.push(['error', m, f]),
  child: () => logger,
};

beforeEach(async () => {
  lines.length = 0;
  env = createTestEnv(rulesWith());
  for (const [acc, partner] of [
    ['acc1', 'p1'],
    ['acc2', 'p2'],
  ]) {
    await env.store.program.insertLink(link(partner!, acc!, '2025-01-01'));
    await env.store.program.insertSpecialization(grant(partner!, 'ml-ai', '2025-01-01'));
  }
  const rows = csv([
    ['acc1', SPEECHSENSE, '2026-01-10', '100', '0', 1000],
    ['acc2', SPEECHSENSE, '2026-01-10', '50', '0', 1000],
  ]);
  // p1's usage is in USD, p2's in RUB: the lines come in partner order (USD first), the summary in currency order.
  await ingestExport(env.deps, csvObject('d.csv', rows.replace(/,RUB,(100)/, ',USD,$1')));
});
afterEach(() => env.cleanup());

describe('quarterly accrual run', () => {
  it('sums the deltas per currency in currency order, counts only lines that change, and logs each quarter with its summary', async () => {
    const first = await runQuarterlyAccrual({ ...env.deps, logger }, { quarter: '2026-Q1', dryRun: false, actor: 'timer', note: '' });
    expect(first.quarters.map((q) => [q.lines, q.entriesPlanned, q.entriesAppended, q.deltas])).toEqual([
      [
        2,
        2,
        2,
        [
          { currency: 'RUB', amount: '5.00' },
          { currency: 'USD', amount: '10.00' },
        ],
      ],
    ]);
    expect(lines.filter(([level]) => level === 'info')).toEqual([
      ['info', 'accrual of 2026-Q1 posted', expect.objectContaining({ quarter: '2026-Q1', entriesAppended: 2 })],
    ]);
    // The guards' findings (issue 12) are logged once each at warn, beside the summary.
    expect(lines.filter(([level]) => level === 'warn').map(([, msg]) => msg)).toContain('2026-Q1: MISSING_EXPORT_DAYS');
    const again = await runQuarterlyAccrual({ ...env.deps, logger }, { quarter: '2026-Q1', dryRun: true, actor: 'timer', note: '' });
    expect(again.quarters.map((q) => [q.lines, q.entriesPlanned])).toEqual([[2, 0]]);
  });

  it('is not ok when any quarter failed, and logs that one as an error', async () => {
    const summary = await runQuarterlyAccrual({ ...env.deps, logger }, { quarter: '2026-Q2', dryRun: false, actor: 'timer', note: '' });
    expect(summary.ok).toBe(false);
    const timer = await runQuarterlyAccrual({ ...env.deps, logger }, { dryRun: false, actor: 'timer', note: '' });
    expect(timer.quarters.map((q) => [q.quarter, q.error])).toEqual([
      ['2025-Q4', null],
      ['2026-Q1', null],
    ]);
    expect(timer.ok).toBe(true);
    env.setNow('2026-07-01T12:00:00Z');
    const store = env.store.ledger.appendRun.bind(env.store.ledger);
    env.store.ledger.appendRun = async (run, entries) => {
      if (run.quarter === '2026-Q2') throw new Error('disk full');
      return store(run, entries);
    };
    const mixed = await runQuarterlyAccrual({ ...env.deps, logger }, { dryRun: false, actor: 'timer', note: '' });
    expect(mixed.quarters.map((q) => [q.quarter, q.error?.message ?? null])).toEqual([
      ['2026-Q1', null],
      ['2026-Q2', 'disk full'],
    ]);
    expect(mixed.ok).toBe(false);
    expect(lines.at(-1)).toEqual(['error', 'accrual of 2026-Q2 failed', expect.objectContaining({ quarter: '2026-Q2' })]);
  });
});
