/**
 * The phases of the ingest benchmark. Each runs in its own process (see ingest-bench.ts), so its
 * peak RSS is its own, and prints one JSON line on stdout.
 *
 *   generate FILE ROWS SHAPE   write the export, its independently computed expected totals and
 *                              a links file (every account linked to a partner)
 *   read FILE                  the raw read floor: stream the file and count line breaks
 *   decode FILE                the UTF-8 decode floor: stream the file and decode it to text
 *   baseline FILE              csv-parse + decimal.js aggregation (the common stack)
 *   parse FILE                 stageUsageExport as the ingest runs it (spill runs, garbage
 *                              collection after each), then compare with the expected totals
 *   ingest FILE DB             ingestExport into a fresh SQLite store, then compare what was stored
 *   store-floor FILE DB        the file's rows written with bare statements into a fresh store (the floor)
 *   setup DB FILE              link the export's accounts (links file) and grant specializations
 *   verify DB FILE             compare what a store holds with the expected totals
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../shared/adapters/sqlite/sqlite-store';
import type { Currency, UsageAggregate } from '../shared/domain/model';
import { accountDayContent } from '../shared/domain/replacement';
import { PARSE_WORKER_FROM_BYTES, ingestExport } from '../shared/usecases/ingest-export';
import { parseWorkerBeside } from '../shared/ingest/parse-worker';
import { listLocalExports } from '../shared/ingest/local-source';
import { stageUsageExport } from '../shared/ingest/usage-export-parser';
import { collectGarbage } from '../shared/ingest/collect-garbage';
import { SQLITE_INGEST_MEMORY_ENTRIES, SQLITE_INSERT_ROWS } from '../shared/adapters/sqlite/usage-store';
import { StringDecoder } from 'node:string_decoder';
import { tmpdir } from 'node:os';
import { parse as csvParse } from 'csv-parse';
import Decimal from 'decimal.js';
import { GENERATOR_VERSION, SHAPES, generateExport, isShapeName } from './export-generator';
import { grantSpecializations } from './grant-specializations';

/** Read size of the file streams, the same as the CLI's local export source uses. */
const READ_CHUNK = 1 << 20;

/** Peak resident set of this process in MB: VmHWM (this process image only), else maxRSS. */
function peakRssMb(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.resourceUsage().maxRSS / 1024;
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const expectedPath = (file: string) => `${file}.expected.tsv`;
const linksPath = (file: string) => `${file}.links.csv`;
/** Partners the export's accounts are linked to (round robin), each holding every specialization. */
const PARTNERS = 50;
export const metaPath = (file: string) => `${file}.meta.json`;

async function generate(file: string, rows: number, shape: string) {
  if (!isShapeName(shape)) throw new Error(`unknown shape ${shape}; one of ${Object.keys(SHAPES).join(', ')}`);
  const start = performance.now();
  const generated = await generateExport(file, { rows, ...SHAPES[shape] });
  const accounts = [...new Set([...generated.groups.keys()].map((key) => key.slice(0, key.indexOf('|'))))].sort();
  writeFileSync(linksPath(file), accounts.map((account, i) => `partner-${i % PARTNERS},${account}`).join('\n'));
  // One line per group: key, cost nanos, credit nanos, rows. Written by the generator's own sums.
  const lines = [...generated.groups].map(([key, g]) => `${key}\t${g.cost}\t${g.credit}\t${g.rows}`);
  writeFileSync(expectedPath(file), `${lines.join('\n')}\n`);
  const meta = {
    generatorVersion: GENERATOR_VERSION,
    shape,
    rows,
    bytes: generated.bytes,
    groups: generated.groups.size,
    accountDays: generated.accountDays,
  };
  writeFileSync(metaPath(file), JSON.stringify(meta));
  return { ...meta, seconds: seconds(start) };
}

async function read(file: string) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  let bytes = 0;
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
  }
  return { seconds: seconds(start), cpuSeconds: cpuSeconds(cpu), bytes, lines, peakRssMb: peakRssMb() };
}

/** Compares aggregates with the generator's totals; returns the mismatches (at most 5 shown). */
function compare(file: string, aggregates: Iterable<UsageAggregate>) {
  const expected = new Map<string, string>();
  for (const line of readFileSync(expectedPath(file), 'utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) expected.set(line.slice(0, tab), line.slice(tab + 1));
  }
  const examples: string[] = [];
  let mismatches = 0;
  let groups = 0;
  for (const a of aggregates) {
    groups++;
    const key = `${a.accountId}|${a.day}|${a.serviceId}|${a.skuId}|${a.currency}`;
    const actual = `${a.cost}\t${a.credit}\t${a.rows}`;
    const want = expected.get(key);
    expected.delete(key);
    if (want !== actual) {
      mismatches++;
      if (examples.length < 5) examples.push(`${key}: expected ${want ?? '(no such group)'}, got ${actual}`);
    }
  }
  for (const key of expected.keys()) {
    mismatches++;
    if (examples.length < 5) examples.push(`${key}: expected, but missing from the result`);
  }
  return { groups, mismatches, examples };
}

/**
 * The common stack the issue compares with: csv-parse (records as objects by header) and a Map of
 * decimal.js sums per (account, day, service, sku, currency). No validation beyond what they do.
 */
async function baseline(file: string) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const groups = new Map<string, { cost: Decimal; credit: Decimal; rows: number }>();
  const parser = createReadStream(file, { highWaterMark: READ_CHUNK }).pipe(
    csvParse({ columns: true, bom: true, record_delimiter: ['\r\n', '\n'] }),
  );
  let rows = 0;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    rows++;
    const key = `${record['billing_account_id']}|${record['date']}|${record['service_id']}|${record['sku_id']}|${record['currency']}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { cost: new Decimal(record['cost']!), credit: new Decimal(record['credit']!), rows: 1 });
    else {
      group.cost = group.cost.plus(record['cost']!);
      group.credit = group.credit.plus(record['credit']!);
      group.rows++;
    }
  }
  return { seconds: seconds(start), cpuSeconds: cpuSeconds(cpu), rows, groups: groups.size, peakRssMb: peakRssMb() };
}

async function decodeFloor(file: string) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const decoder = new StringDecoder('utf8');
  let chars = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) chars += decoder.write(chunk as Buffer).length;
  chars += decoder.end().length;
  return { seconds: seconds(start), cpuSeconds: cpuSeconds(cpu), chars, peakRssMb: peakRssMb() };
}

async function parse(file: string) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const spill = { directory: tmpdir(), maxGroups: SQLITE_INGEST_MEMORY_ENTRIES, afterSpill: collectGarbage };
  // Read as the CLI reads a local export (one reused buffer), so the parse's peak is the ingest's.
  const [object] = await listLocalExports(file);
  if (object === undefined) throw new Error(`${file}: not found`);
  // On two threads when the CLI would be (parse-worker.cjs is bundled beside this file).
  const worker = parseWorkerBeside(__dirname);
  const parallel = worker !== undefined && (object.size ?? 0) >= PARSE_WORKER_FROM_BYTES ? { worker } : {};
  const staged = await stageUsageExport(object.open(), { fallbackVersion: null, spill, ...parallel });
  // Parse, validate, aggregate (and, for a spilled file, the validating merge): what the store
  // then reads (the batches) is the apply's work, measured by the CLI ingest.
  const elapsed = seconds(start);
  const cpuUsed = cpuSeconds(cpu);
  // Taken before the expected totals are loaded, so the figure is the parser's own.
  const peak = peakRssMb();
  const result = staged.ok ? { ...staged, accountDays: [...staged.accountDays] } : staged;
  if (staged.ok) staged.accountDays.dispose();
  if (!result.ok) {
    return {
      seconds: elapsed,
      cpuSeconds: cpuUsed,
      bytes: result.bytes,
      rows: result.rows,
      peakRssMb: peak,
      ok: false,
      problems: result.problems,
      groups: 0,
      mismatches: -1,
      examples: [],
    };
  }
  const check = compare(
    file,
    result.accountDays.flatMap((d) => d.rows),
  );
  return {
    seconds: elapsed,
    cpuSeconds: cpuUsed,
    bytes: result.bytes,
    rows: result.rows,
    accountDays: result.accountDays.length,
    runs: staged.ok ? staged.accountDays.runs : 0,
    threads: 'worker' in parallel ? 2 : 1,
    peakRssMb: peak,
    ok: true,
    ...check,
  };
}

async function ingest(file: string, db: string) {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  const store = createSqliteStore(db);
  try {
    const [object] = await listLocalExports(file);
    const deps = { store, clock: () => new Date(), newId: () => randomUUID(), parseWorker: parseWorkerBeside(__dirname) };
    const start = performance.now();
    const outcome = await ingestExport(deps, object!);
    const elapsed = seconds(start);
    const peak = peakRssMb();
    // The hourly case: the same file again replaces every account-day (version ≥ stored, I1).
    const again = performance.now();
    const second = await ingestExport(deps, object!);
    const reingestSeconds = seconds(again);
    const stored: UsageAggregate[] = [];
    for await (const a of store.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' })) stored.push(a);
    const check = compare(file, stored);
    return {
      seconds: elapsed,
      peakRssMb: peak,
      status: outcome.status,
      reason: outcome.reason,
      rows: outcome.rows,
      accountDaysApplied: outcome.accountDaysApplied,
      reingestSeconds,
      reingestStatus: second.status,
      ...check,
    };
  } finally {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  }
}

/**
 * The store's floor: the file's account-days written with bare prepared statements in one
 * transaction into a fresh SQLite store (no parse, no checks, no digest: each account-day's
 * content text prepared beforehand), then closed (the WAL checkpoint). What any ingest of this
 * file into this schema pays at least, measured beside the CLI ingest to show how much of it is
 * the store's own work.
 */
async function storeFloor(file: string, db: string) {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  await createSqliteStore(db).close(); // the schema and page size of a new store
  const aggregates = readFileSync(expectedPath(file), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line): UsageAggregate => {
      const [key, cost, credit, rows] = line.split('\t') as [string, string, string, string];
      const [accountId, day, serviceId, skuId, currency] = key.split('|') as [string, string, string, string, Currency];
      return {
        accountId,
        day,
        serviceId,
        skuId,
        currency,
        cost: BigInt(cost),
        credit: BigInt(credit),
        serviceName: 'Service',
        skuName: 'SKU',
        rows: Number(rows),
      };
    })
    // The order an apply writes in (compareAccountDays): the store's key order.
    .sort(
      (a, b) =>
        compareText(a.day, b.day) ||
        compareText(a.accountId, b.accountId) ||
        compareText(a.serviceId, b.serviceId) ||
        compareText(a.skuId, b.skuId),
    );
  const accountDays: [string, string, string][] = [];
  for (let i = 0; i < aggregates.length; ) {
    const { day, accountId } = aggregates[i]!;
    let j = i;
    while (j < aggregates.length && aggregates[j]!.day === day && aggregates[j]!.accountId === accountId) j++;
    accountDays.push([day, accountId, accountDayContent(aggregates.slice(i, j))]);
    i = j;
  }
  const digest = Buffer.alloc(32, 0xff);
  const raw = new Database(db);
  const start = performance.now();
  raw.pragma('cache_size = -16000');
  // Several account-days a statement, as the store's apply writes them.
  const perStatement = SQLITE_INSERT_ROWS;
  const insertOf = (rows: number) =>
    raw.prepare(
      `INSERT INTO account_days (day, account_id, version, apply_id, digest, content) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
  const insertFull = insertOf(perStatement);
  raw
    .transaction(() => {
      const applyId = Number(
        raw.prepare('INSERT INTO applies (source_key, applied_at) VALUES (?, ?)').run(file, new Date().toISOString()).lastInsertRowid,
      );
      for (let from = 0; from < accountDays.length; from += perStatement) {
        const slice = accountDays.slice(from, from + perStatement);
        const values = slice.flatMap(([day, accountId, content]) => [day, accountId, 1_767_225_600, applyId, digest, content]);
        (slice.length === perStatement ? insertFull : insertOf(slice.length)).run(values);
      }
    })
    .immediate();
  raw.close();
  const elapsed = seconds(start);
  rmSync(db, { force: true });
  for (const suffix of ['-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
  return { seconds: elapsed, rows: aggregates.length, accountDays: accountDays.length };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Links every account of the export to a partner and grants each partner every specialization. */
async function setup(db: string, file: string) {
  const store = createSqliteStore(db);
  try {
    const audit = { actor: 'bench', at: '2026-01-01T00:00:00Z', note: '' };
    const lines = readFileSync(linksPath(file), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    await store.program.insertLinks(
      lines.map((line, i) => {
        const [partnerId, subaccountId] = line.split(',') as [string, string];
        return { id: `l${i}`, partnerId, subaccountId, from: '2025-01-01', to: null, created: audit, ended: null };
      }),
    );
    await grantSpecializations(store, PARTNERS, ['infrastructure-devops', 'data-platform', 'ml-ai', 'business-tools'], audit);
    return { links: lines.length, partners: PARTNERS };
  } finally {
    await store.close();
  }
}

async function verify(db: string, file: string) {
  const store = createSqliteStore(db);
  try {
    const stored: UsageAggregate[] = [];
    for await (const a of store.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' })) stored.push(a);
    return compare(file, stored);
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const [phase, file, extra] = process.argv.slice(2);
  if (!file)
    throw new Error('usage: ingest-phases generate|read|decode|baseline|parse|ingest|store-floor|setup|verify FILE [ROWS SHAPE|DB|FILE]');
  let result: object;
  if (phase === 'generate') result = await generate(file, Number(extra), process.argv[5] ?? 'bench');
  else if (phase === 'baseline') result = await baseline(file);
  else if (phase === 'decode') result = await decodeFloor(file);
  else if (phase === 'setup') result = await setup(file, extra ?? '');
  else if (phase === 'verify') result = await verify(file, extra ?? '');
  else if (phase === 'read') result = await read(file);
  else if (phase === 'parse') result = await parse(file);
  else if (phase === 'ingest') result = await ingest(file, extra ?? `${file}.db`);
  else if (phase === 'store-floor') result = await storeFloor(file, extra ?? `${file}.floor.db`);
  else throw new Error(`unknown phase ${phase}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
