/**
 * Phases of the accrual capacity benchmark, each run in its own process from an esbuild bundle
 * (bench/accrual-bench.ts): `seed DB N` fills a SQLite store with N usage aggregates of 2026-Q1
 * (linked subaccounts, held specializations, services of every specialization); `accrue DB MODE`
 * runs what the quarterly timer runs for one quarter — the accrual with its guards (issue 12),
 * confirming like the timer — as a dry run or a post, and prints seconds, lines, entries
 * appended, the guards' codes and peak RSS as JSON.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createSqliteStore } from '../shared/adapters/sqlite/sqlite-store';
import { loadRules } from '../shared/runtime/rules-file';
import { addDays, quarterRange } from '../shared/domain/calendar';
import type { UsageAggregate } from '../shared/domain/model';
import { accrueWithGuards } from '../shared/usecases/accrual-guards';
import type { Deps } from '../shared/usecases/deps';
import type { AccountDayBatch } from '../shared/ports/store';
import { prng } from '../scripts/lib/prng';
import { grantSpecializations } from './grant-specializations';

const QUARTER = '2026-Q1';
/** Services of every specialization in the shipped rules, plus one that earns nothing. */
const SERVICES = [
  'dn22pas77ftg9h3f2djj',
  'dn2af04ph5otc5f23o1h',
  'dn2220hr46dtogekm57v',
  'dn2yds6scistjlmes0fe',
  'dn2m45g7b9fhfnpqs0je',
  'dn2-unmapped-service',
];
const PARTNERS = 200;

function peakRssMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

function depsFor(path: string, now: string): Deps {
  return { store: createSqliteStore(path), rules: loadRules(), clock: () => new Date(now), newId: randomUUID };
}

async function seed(path: string, aggregates: number): Promise<Record<string, unknown>> {
  rmSync(path, { force: true });
  const deps = depsFor(path, '2026-01-01T00:00:00Z');
  const { store } = deps;
  const { from } = quarterRange(QUARTER);
  const days = 90;
  const accounts = Math.ceil(aggregates / (days * SERVICES.length));
  const audit = { actor: 'bench', at: '2026-01-01T00:00:00Z', note: '' };
  for (let a = 0; a < accounts; a++) {
    const partnerId = `partner-${a % PARTNERS}`;
    await store.program.insertLink({
      id: `l${a}`,
      partnerId,
      subaccountId: `acc-${a}`,
      from: '2025-01-01',
      to: null,
      created: audit,
      ended: null,
    });
  }
  await grantSpecializations(store, PARTNERS, ['infrastructure-devops', 'data-platform', 'ml-ai'], audit);
  const random = prng(7);
  let written = 0;
  const started = performance.now();
  for (let d = 0; d < days && written < aggregates; d++) {
    const day = addDays(from, d);
    const batches: AccountDayBatch[] = [];
    for (let a = 0; a < accounts && written < aggregates; a++) {
      const rows: UsageAggregate[] = [];
      for (const serviceId of SERVICES) {
        if (written >= aggregates) break;
        const cost = BigInt(Math.floor(random() * 1e6)) * 1000n + BigInt(Math.floor(random() * 1000));
        rows.push({
          accountId: `acc-${a}`,
          day,
          serviceId,
          skuId: `${serviceId}-sku`,
          currency: 'RUB',
          cost,
          credit: -(cost / 10n),
          serviceName: serviceId,
          skuName: '',
          rows: 1,
        });
        written++;
      }
      batches.push({ accountId: `acc-${a}`, day, version: 1_770_000_000, rows });
    }
    await store.usage.applyAccountDays(`bench/${day}.csv`, batches);
  }
  await store.close();
  return { aggregates: written, accounts, partners: PARTNERS, seconds: (performance.now() - started) / 1000 };
}

async function accrue(path: string, mode: string): Promise<Record<string, unknown>> {
  if (!existsSync(path)) throw new Error(`${path}: seed it first`);
  const deps = depsFor(path, '2026-04-02T00:00:00Z');
  const started = performance.now();
  const r = await accrueWithGuards(deps, { quarter: QUARTER, dryRun: mode === 'dry-run', confirm: true, actor: 'bench', note: '' });
  const seconds = (performance.now() - started) / 1000;
  await deps.store.close();
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return {
    mode,
    seconds,
    lines: r.accruals.length,
    entriesAppended: r.entriesAppended,
    warnings: r.warnings.map((w) => w.code),
    peakRssMb: peakRssMb(),
  };
}

const [phase, path, arg] = process.argv.slice(2);
const run =
  phase === 'seed'
    ? seed(path!, Number(arg))
    : phase === 'accrue'
      ? accrue(path!, arg ?? 'dry-run')
      : Promise.reject(new Error(`unknown phase ${phase}`));
run.then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
