/**
 * Demo data for `npm run portal` on an empty store: the `npm start` story (2026-Q1 with its
 * corrections and adjustments), then the same sample usage for the quarters closed since (posted
 * the day after each closes, at most three) and for the running quarter up to the last day whose
 * export Billing has published (left unposted, so the page has a preview to show).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules } from '../../shared/runtime/rules-file';
import { addDays, lastClosedQuarter, moscowDay, previousQuarter, quarterOf, quarterRange, type Day } from '../../shared/domain/calendar';
import { ingestExport } from '../../shared/usecases/ingest-export';
import { listLocalExports } from '../../shared/ingest/local-source';
import type { Store } from '../../shared/ports/store';
import { accrueQuarter } from '../../shared/usecases/accrue';
import type { Deps } from '../../shared/usecases/deps';
import { DEMO_QUARTER, QUIET_DEMO, runDemoFlow } from '../demo/demo-flow';
import { dayExport, exportPublishedAt, fileName } from '../demo/sample-exports';

const LATER_QUARTERS = 3;

function writeDays(dir: string, from: Day, to: Day): number {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  for (let day = from; day <= to; day = addDays(day, 1), count++) writeFileSync(join(dir, fileName(day)), dayExport(day));
  return count;
}

async function ingestDirectory(deps: Deps, dir: string): Promise<void> {
  for (const file of await listLocalExports(dir)) {
    const outcome = await ingestExport(deps, file);
    if (outcome.status === 'rejected') throw new Error(`portal demo: ${outcome.reason}`);
  }
}

export async function loadDemoData(store: Store, now: Date): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'rebates-portal-demo-'));
  try {
    await runDemoFlow(store, root, QUIET_DEMO);
    const today = moscowDay(now);
    const lastClosed = lastClosedQuarter(today);
    const later: string[] = [];
    for (let q = lastClosed; q > DEMO_QUARTER && later.length < LATER_QUARTERS; q = previousQuarter(q)) later.unshift(q);
    let counter = 0;
    for (const quarter of later) {
      const { from, to } = quarterRange(quarter);
      const postedAt = new Date(`${addDays(to, 1)}T03:00:00Z`);
      const deps: Deps = {
        store,
        rules: loadRules(),
        clock: () => postedAt,
        newId: () => `portal-demo-${String(++counter).padStart(4, '0')}`,
      };
      const dir = join(root, quarter);
      writeDays(dir, from, to);
      await ingestDirectory(deps, dir);
      const posted = await accrueQuarter(deps, { quarter, dryRun: false, actor: 'timer', note: 'quarterly posting (portal demo)' });
      if (!posted.ok) throw new Error(`portal demo: posting ${quarter} failed: ${posted.message}`);
    }
    // The running quarter so far: every day whose export Billing has published by now (yesterday's
    // comes out at 02:00 UTC, so just after Moscow midnight it is the day before), never posted.
    const running = quarterOf(today);
    let lastPublished = addDays(today, -1);
    while (exportPublishedAt(lastPublished) > now) lastPublished = addDays(lastPublished, -1);
    if (running > DEMO_QUARTER && lastPublished >= quarterRange(running).from) {
      const deps: Deps = { store, rules: loadRules(), clock: () => now, newId: () => `portal-demo-${String(++counter).padStart(4, '0')}` };
      const dir = join(root, running);
      writeDays(dir, quarterRange(running).from, lastPublished);
      await ingestDirectory(deps, dir);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
