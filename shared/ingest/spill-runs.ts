/**
 * Sorted runs of partial aggregates on local disk, and their merge: how a file with more groups
 * than fit in memory is aggregated in bounded memory (I4, issue 11).
 *
 * When the aggregator holds `maxGroups` groups it writes them, sorted by (day, account, service,
 * sku), as one run file and starts empty. At the end the runs are merged: the partials of one
 * group (the same group can be in every run) are summed exactly as bigint nano-units, and the
 * groups of one account-day become one AccountDayBatch, in the order the store applies them
 * (`compareAccountDays`). Only a read buffer per run and one account-day are in memory.
 *
 * A run is text, one partial group per line, fields separated by tabs; strings are escaped so a
 * display name holding a tab or a line break (which exports allow) cannot split a record.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { isCurrency, type Currency, type UsageAggregate } from '../domain/model';
import type { AccountDayBatch } from '../ports/store';

/** A group's sums and names as one run holds them: the rows of that run only. */
export interface PartialGroup {
  /** (day, account, service, sku) as one string whose order is the tuple's (see groupKey). */
  key: string;
  accountId: string;
  day: string;
  serviceId: string;
  skuId: string;
  currency: Currency;
  /** The account-day's largest version among this run's rows (I1). */
  version: number;
  /** The first line of the account-day in this run, and of the group. */
  accountDayLine: number;
  firstLine: number;
  rows: number;
  cost: bigint;
  credit: bigint;
  /** The last non-empty display name and the line it came from (0: none in this run). */
  serviceName: string;
  serviceNameLine: number;
  skuName: string;
  skuNameLine: number;
  /** Set by the merge when partials of the group came in another currency too (never on disk). */
  clash?: { currency: Currency; line: number };
}

/** Why a merged account-day cannot be stored; the file is then rejected (I2). */
export interface MergeProblem {
  line: number;
  column: 'currency' | 'cost' | 'credit';
  reason: string;
}

/** Decimal(22,9): |nanos| < 10^22. */
const MONEY_LIMIT = 10n ** 22n;
const READ_SIZE = 1 << 16;
/** Run directories are named `rebates-spill-<pid>-<random>`. */
const PREFIX = 'rebates-spill-';
const WRITE_SIZE = 1 << 20;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };
const SPECIAL = /[\\\t\n\r]/;

function escapeField(text: string): string {
  return SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

function unescapeField(text: string): string {
  return text.includes('\\') ? text.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c) : text;
}

/**
 * The sort key of a group. Ids hold no control characters (identifier rules), so joined with
 * U+0000, which sorts before every other code unit, they compare exactly as the tuple does.
 */
export function groupKey(accountId: string, day: string, serviceId: string, skuId: string): string {
  return `${day}\u0000${accountId}\u0000${serviceId}\u0000${skuId}`;
}

function encode(g: PartialGroup): string {
  return `${escapeField(g.accountId)}\t${g.day}\t${escapeField(g.serviceId)}\t${escapeField(g.skuId)}\t${g.currency}\t${g.version}\t${g.accountDayLine}\t${g.firstLine}\t${g.rows}\t${g.cost}\t${g.credit}\t${g.serviceNameLine}\t${escapeField(g.serviceName)}\t${g.skuNameLine}\t${escapeField(g.skuName)}\n`;
}

function decode(line: string, where: string): PartialGroup {
  const f = line.split('\t');
  const currency = f[4] ?? '';
  // Our own file, written a moment ago: a bad line means the disk or a bug, never the export.
  if (f.length !== 15 || !isCurrency(currency)) throw new Error(`${where}: malformed spill record`);
  const accountId = unescapeField(f[0]!);
  const day = f[1]!;
  const serviceId = unescapeField(f[2]!);
  const skuId = unescapeField(f[3]!);
  return {
    key: groupKey(accountId, day, serviceId, skuId),
    accountId,
    day,
    serviceId,
    skuId,
    currency,
    version: Number(f[5]),
    accountDayLine: Number(f[6]),
    firstLine: Number(f[7]),
    rows: Number(f[8]),
    cost: BigInt(f[9]!),
    credit: BigInt(f[10]!),
    serviceNameLine: Number(f[11]),
    serviceName: unescapeField(f[12]!),
    skuNameLine: Number(f[13]),
    skuName: unescapeField(f[14]!),
  };
}

/** The sorted runs of one parse, in a private temporary directory; `dispose` removes them. */
export class SpillRuns {
  private dir: string | null = null;
  private readonly files: string[] = [];

  constructor(private readonly parent: string) {}

  get count(): number {
    return this.files.length;
  }

  /** Writes one run; the groups must come sorted by (day, account, service, sku). */
  write(groups: Iterable<PartialGroup>): void {
    if (this.dir === null) {
      removeAbandonedRuns(this.parent);
      this.dir = mkdtempSync(join(this.parent, `${PREFIX}${process.pid}-`));
    }
    const file = join(this.dir, `run-${this.files.length}.tsv`);
    const fd = openSync(file, 'w');
    try {
      let pending = '';
      for (const g of groups) {
        pending += encode(g);
        if (pending.length >= WRITE_SIZE) {
          writeSync(fd, pending);
          pending = '';
        }
      }
      if (pending !== '') writeSync(fd, pending);
    } finally {
      closeSync(fd);
    }
    this.files.push(file);
  }

  /** Every group once, its partials summed, in (day, account, service, sku) order. */
  *merged(): Generator<PartialGroup> {
    const readers = this.files.map((file) => new RunReader(file));
    try {
      const heap: Head[] = [];
      for (const reader of readers) {
        const group = reader.next();
        if (group !== null) heapPush(heap, { group, reader });
      }
      while (heap.length > 0) {
        let group = advance(heap);
        while (heap.length > 0 && heap[0]!.group.key === group.key) group = combine(group, advance(heap));
        yield group;
      }
    } finally {
      for (const r of readers) r.close();
    }
  }

  dispose(): void {
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.files.length = 0;
  }
}

/**
 * Removes the run directories of processes that no longer exist (killed mid-ingest: a function
 * that timed out, an operator's ^C) so they cannot fill the disk (the functions' /tmp is 512 MB).
 * A directory names its process; one whose process is alive, or whose name is not ours, stays.
 */
function removeAbandonedRuns(parent: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of entries) {
    const pid = Number(/^rebates-spill-(\d+)-/.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** A run's next group, in the merge's min-heap (by key). */
interface Head {
  group: PartialGroup;
  reader: RunReader;
}

/** Takes the smallest group off the heap and puts its run's next one in its place. */
function advance(heap: Head[]): PartialGroup {
  const top = heap[0]!;
  const group = top.group;
  const next = top.reader.next();
  if (next !== null) top.group = next;
  else {
    const last = heap.pop()!;
    if (heap.length === 0) return group;
    heap[0] = last;
  }
  siftDown(heap, 0);
  return group;
}

function heapPush(heap: Head[], head: Head): void {
  heap.push(head);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.group.key <= head.group.key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = head;
}

function siftDown(heap: Head[], start: number): void {
  const head = heap[start]!;
  let i = start;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && heap[right]!.group.key < heap[left]!.group.key ? right : left;
    if (heap[child]!.group.key >= head.group.key) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = head;
}

/**
 * Adds partial `b` of a group into `a` (the merge owns both; `a` is returned). Sums are exact
 * bigints; the names are the ones from the later line; the account-day's currency is the one of
 * its earliest line, and another one is kept as a clash for the batching to report (I2).
 */
function combine(a: PartialGroup, b: PartialGroup): PartialGroup {
  const bEarlier = b.accountDayLine < a.accountDayLine;
  const [earlier, later] = bEarlier ? [b, a] : [a, b];
  const clash = later.currency !== earlier.currency ? { currency: later.currency, line: later.firstLine } : (a.clash ?? b.clash);
  if (clash !== undefined) a.clash = clash;
  a.currency = earlier.currency;
  a.accountDayLine = earlier.accountDayLine;
  if (b.version > a.version) a.version = b.version;
  if (b.firstLine < a.firstLine) a.firstLine = b.firstLine;
  a.rows += b.rows;
  a.cost += b.cost;
  a.credit += b.credit;
  if (b.serviceNameLine > a.serviceNameLine) {
    a.serviceName = b.serviceName;
    a.serviceNameLine = b.serviceNameLine;
  }
  if (b.skuNameLine > a.skuNameLine) {
    a.skuName = b.skuName;
    a.skuNameLine = b.skuNameLine;
  }
  return a;
}

/** Reads one run a line at a time, with a small buffer. */
class RunReader {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(READ_SIZE);
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private index = 0;
  private carry = '';
  private done = false;

  constructor(private readonly file: string) {
    this.fd = openSync(file, 'r');
  }

  next(): PartialGroup | null {
    while (this.index >= this.lines.length) {
      if (this.done) return null;
      const read = readSync(this.fd, this.buffer, 0, READ_SIZE, null);
      this.done = read === 0;
      const text = this.carry + (this.done ? this.decoder.end() : this.decoder.write(this.buffer.subarray(0, read)));
      // Every record ends with a line break, so at the end nothing may be left over.
      const last = text.lastIndexOf('\n');
      this.carry = text.slice(last + 1);
      if (this.done && this.carry !== '') throw new Error(`${this.file}: spill file ends inside a record`);
      this.lines = last === -1 ? [] : text.slice(0, last).split('\n');
      this.index = 0;
    }
    return decode(this.lines[this.index++]!, this.file);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Groups merged partials into account-day batches, checking what only the whole file can tell:
 * one currency per account-day, and sums that fit Decimal(22,9). Problems go to `problem`; the
 * caller rejects the file when there are any (and then does not apply what was yielded).
 */
export function* accountDayBatches(groups: Iterable<PartialGroup>, problem: (p: MergeProblem) => void): Generator<AccountDayBatch> {
  let partials: PartialGroup[] = [];
  for (const g of groups) {
    const head = partials[0];
    if (head !== undefined && (head.accountId !== g.accountId || head.day !== g.day)) {
      yield toBatch(partials, problem);
      partials = [];
    }
    partials.push(g);
  }
  if (partials.length > 0) yield toBatch(partials, problem);
}

/** One account-day's merged groups (in service, sku order) as a batch. */
function toBatch(groups: readonly PartialGroup[], problem: (p: MergeProblem) => void): AccountDayBatch {
  const { accountId, day } = groups[0]!;
  let earliest = groups[0]!;
  let version = 0;
  for (const g of groups) {
    if (g.accountDayLine < earliest.accountDayLine) earliest = g;
    if (g.version > version) version = g.version;
  }
  const currency = earliest.currency;
  const secondCurrency = (other: Currency, line: number) =>
    problem({
      line,
      column: 'currency',
      reason: `account-day ${accountId} ${day} is in ${currency} (line ${earliest.accountDayLine}); a second currency ${other} is not allowed`,
    });
  const rows = groups.map((g): UsageAggregate => {
    if (g.currency !== currency) secondCurrency(g.currency, g.firstLine);
    if (g.clash !== undefined && g.clash.currency !== currency) secondCurrency(g.clash.currency, g.clash.line);
    for (const column of ['cost', 'credit'] as const) {
      if (g[column] >= MONEY_LIMIT || g[column] <= -MONEY_LIMIT)
        problem({
          line: g.firstLine,
          column,
          reason: `the sum of ${column} of ${accountId} ${day} ${g.serviceId}/${g.skuId} (first row here) does not fit Decimal(22,9)`,
        });
    }
    const { serviceId, skuId, cost, credit, serviceName, skuName, rows } = g;
    return { accountId, day, serviceId, skuId, currency, cost, credit, serviceName, skuName, rows };
  });
  return { accountId, day, version, rows };
}
