/**
 * Estimated serverless-YDB request units (RU) of the bench export, measured on the in-process
 * protocol fake (test/ydb/fake): the real adapter, SDK, gRPC and queries, with every request's
 * rows read / written / deleted converted to RU the way the pricing pages describe
 * (test/ydb/fake/cost-meter.ts). No YDB server is involved; the figures are estimates of the I/O
 * part of the bill (the CPU part is not modelled beyond 1 RU per query).
 *
 * `tsx bench/ydb-ru.ts FILE [--partners N]` prints one JSON object: the export's first ingest, the
 * same file again (the hourly rewrite: every account-day replaced), and the quarter's accrual
 * posted with every account linked and every partner holding a specialization.
 */
import { randomUUID } from 'node:crypto';
import { loadRules } from '../shared/runtime/rules-file';
import { quarterOf } from '../shared/domain/calendar';
import { ingestExport } from '../shared/usecases/ingest-export';
import { listLocalExports } from '../shared/ingest/local-source';
import { accrueQuarter } from '../shared/usecases/accrue';
import { totalCost } from '../test/ydb/fake/cost-meter';
import { startFakeYdb } from '../test/ydb/harness';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/ydb-ru.ts FILE');
  const partners = 50;
  const h = await startFakeYdb({ onRetryWait: () => undefined });
  try {
    const rules = loadRules();
    const deps = { store: h.store, rules, clock: () => new Date('2026-04-15T00:00:00Z'), newId: () => randomUUID() };
    const [object] = await listLocalExports(file);
    if (!object) throw new Error(`${file}: no export`);

    const measure = async <T>(work: () => Promise<T>) => {
      const mark = h.fake.costs.length;
      const started = performance.now();
      const result = await work();
      return { result, seconds: (performance.now() - started) / 1000, cost: totalCost(h.fake.costs.slice(mark)) };
    };

    const first = await measure(() => ingestExport(deps, object));
    const again = await measure(() => ingestExport(deps, object));
    const versions = await h.store.usage.listAccountDayVersions({ from: '2000-01-01', to: '2099-12-31' });
    const accounts = [...new Set(versions.map((v) => v.accountId))].sort();
    const days = versions.map((v) => v.day).sort();
    const quarter = quarterOf(days[0] ?? '2026-01-01');
    const from = `${quarter.slice(0, 4)}-01-01`;
    const created = { actor: 'bench', at: '2026-01-01T00:00:00.000Z', note: 'bench' };
    const setup = await measure(async () => {
      for (const [i, accountId] of accounts.entries()) {
        await h.store.program.insertLink({
          id: `l-${i}`,
          partnerId: `p-${i % partners}`,
          subaccountId: accountId,
          from,
          to: null,
          created,
          ended: null,
        });
      }
      for (let p = 0; p < partners; p += 1) {
        await h.store.program.insertSpecialization({
          id: `s-${p}`,
          partnerId: `p-${p}`,
          specialization: 'infrastructure-devops',
          from,
          to: null,
          created,
          ended: null,
        });
      }
    });
    const accrual = await measure(() => accrueQuarter(deps, { quarter, dryRun: false, actor: 'bench', note: 'bench' }));
    const posted = accrual.result.ok ? accrual.result.entriesAppended : -1;
    let aggregates = 0;
    for await (const _row of h.store.usage.scanUsage({ from: '2000-01-01', to: '2099-12-31' })) aggregates += 1;
    const figures = {
      exportRows: first.result.rows,
      aggregates,
      accountDays: versions.length,
      accounts: accounts.length,
      quarter,
      ingest: { status: first.result.status, seconds: Math.round(first.seconds * 10) / 10, ...first.cost },
      reingest: { status: again.result.status, seconds: Math.round(again.seconds * 10) / 10, ...again.cost },
      setup: { links: accounts.length, specializations: partners, ...setup.cost },
      accrue: { entriesAppended: posted, seconds: Math.round(accrual.seconds * 10) / 10, ...accrual.cost },
      maxTxKeys: Math.max(0, ...h.fake.engine.txKeys),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await h.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
