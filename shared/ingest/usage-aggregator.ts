/**
 * Pre-aggregation of export rows to (account, day, service, sku, currency) in bounded memory (I4).
 *
 * The hot path makes no strings: a row's group is found by a hash of its raw key bytes and
 * confirmed by comparing those bytes with the group's stored ids. Strings are made once per
 * distinct id or name (shared through the RawTextTable), never per row or per group.
 *
 * Groups and account-days live in columns (typed arrays, and arrays of shared references), not
 * in an object each: about 70 bytes per group and 40 per account-day, and almost nothing for the
 * garbage collector to trace, so a file of 600,000 account-days (and as many groups) aggregates
 * in ~70 MB. The parser
 * spills to sorted runs past `SpillOptions.maxGroups` (groups plus account-days).
 *
 * Money is summed exactly as two JS integers per amount (units and nano-units, carried; see
 * ExactSum, whose rule this follows column-wise), spilling into a bigint near 2^52; bigint
 * nano-units are produced once, at the end.
 */
import { billingIdProblem, displayNameProblem, subaccountIdProblem } from '../domain/identifiers';
import type { Currency, UsageAggregate } from '../domain/model';
import type { AccountDayBatch } from '../ports/store';
import type { MoneyCell } from './cell-parsers';
import type { CsvRow } from './csv-row-scanner';
import { RawTextTable, cellEquals, sameBytes, type RawText } from './raw-text';
import { groupKey, type PartialGroup } from './spill-runs';

/** Column indexes of the key and name cells. */
export interface KeyColumns {
  account: number;
  day: number;
  service: number;
  sku: number;
  serviceName: number;
  skuName: number;
}

/** Why a row cannot be folded: a cell problem (I2) with the column it is in. */
export interface AddProblem {
  column: string;
  reason: string;
}

/** A group whose sum does not fit Decimal(22,9). */
export interface GroupOverflow {
  line: number;
  column: 'cost' | 'credit';
  accountId: string;
  day: string;
  serviceId: string;
  skuId: string;
}

/** The aggregated file: its account-days in store order, read lazily (one batch at a time). */
export interface Aggregated {
  accountDays: number;
  /** The largest version of any account-day, null without any. */
  version: number | null;
  overflows: GroupOverflow[];
  batches(): Generator<AccountDayBatch>;
}

/** Decimal(22,9): |nanos| < 10^22. */
const MONEY_LIMIT = 10n ** 22n;
const NANOS = 1_000_000_000;
/** Units beyond which a running sum moves into its bigint part (adding a 13-digit cell stays exact). */
const UNITS_LIMIT = 2 ** 52;
const INITIAL_CAPACITY = 1 << 12;

function utf8Problem(text: RawText, column: string): AddProblem | null {
  return text.utf8 ? null : { column, reason: `${column} is not valid UTF-8 (ids that differ only in invalid bytes would merge)` };
}

/**
 * Ids are checked once per distinct text (the verdict is kept on the shared RawText): valid
 * UTF-8, and the identifier rules every edge shares (no blanks, padding, control characters...).
 */
function idProblem(text: RawText, column: string, check: (v: string) => string | null): AddProblem | null {
  if (text.verdict?.column === column) return text.verdict.problem;
  const encoding = utf8Problem(text, column);
  const reason = encoding === null ? check(text.text) : null;
  const problem = encoding ?? (reason === null ? null : { column, reason });
  text.verdict = { column, problem };
  return problem;
}

type Column = Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** A column grown to hold `size` entries, by half again (not double: the peak is old + new). */
function grown<T extends Column>(array: T, size: number): T {
  if (size <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(size, Math.ceil(array.length * 1.5)));
  next.set(array);
  return next;
}

/** Sums of one money column of every group, exact. */
class SumColumn {
  units = new Float64Array(INITIAL_CAPACITY);
  /** |nanos| < 10^9 < 2^31. */
  nanos = new Int32Array(INITIAL_CAPACITY);
  /** The bigint part of the few sums that passed 2^52 units. */
  private readonly spilled = new Map<number, bigint>();

  grow(size: number): void {
    this.units = grown(this.units, size);
    this.nanos = grown(this.nanos, size);
  }

  add(g: number, units: number, nanos: number): void {
    let n = this.nanos[g]! + nanos;
    let u = this.units[g]! + units;
    if (n >= NANOS) {
      n -= NANOS;
      u += 1;
    } else if (n <= -NANOS) {
      n += NANOS;
      u -= 1;
    }
    if (u >= UNITS_LIMIT || u <= -UNITS_LIMIT) {
      this.spilled.set(g, (this.spilled.get(g) ?? 0n) + BigInt(u));
      u = 0;
    }
    this.units[g] = u;
    this.nanos[g] = n;
  }

  nanoUnits(g: number): bigint {
    return ((this.spilled.get(g) ?? 0n) + BigInt(this.units[g]!)) * BigInt(NANOS) + BigInt(this.nanos[g]!);
  }
}

export class UsageAggregator {
  // Groups, by index.
  private gHash = new Int32Array(INITIAL_CAPACITY);
  private gNext = new Int32Array(INITIAL_CAPACITY);
  private gAccountDay = new Int32Array(INITIAL_CAPACITY);
  private gAccountDayNext = new Int32Array(INITIAL_CAPACITY);
  private gRows = new Uint32Array(INITIAL_CAPACITY);
  private gFirstLine = new Uint32Array(INITIAL_CAPACITY);
  private gServiceNameLine = new Uint32Array(INITIAL_CAPACITY);
  private gSkuNameLine = new Uint32Array(INITIAL_CAPACITY);
  /** Ids and names as indexes into `textList` (-1: no name), 4 bytes each. */
  private gService = new Int32Array(INITIAL_CAPACITY);
  private gSku = new Int32Array(INITIAL_CAPACITY);
  private gServiceName = new Int32Array(INITIAL_CAPACITY);
  private gSkuName = new Int32Array(INITIAL_CAPACITY);
  private readonly cost = new SumColumn();
  private readonly credit = new SumColumn();
  private groupBuckets = new Int32Array(INITIAL_CAPACITY).fill(-1);

  // Account-days, by index.
  private dHash = new Int32Array(INITIAL_CAPACITY);
  private dNext = new Int32Array(INITIAL_CAPACITY);
  private dFirstGroup = new Int32Array(INITIAL_CAPACITY);
  private dVersion = new Float64Array(INITIAL_CAPACITY);
  private dFirstLine = new Uint32Array(INITIAL_CAPACITY);
  private dAccount = new Int32Array(INITIAL_CAPACITY);
  private dDay = new Int32Array(INITIAL_CAPACITY);
  private dCurrency = new Uint8Array(INITIAL_CAPACITY);
  private dayBuckets = new Int32Array(INITIAL_CAPACITY).fill(-1);
  /** Every distinct day (latin1 raw = text: a validated YYYY-MM-DD) and currency, by index. */
  private readonly dayList: string[] = [];
  private readonly dayIndex = new Map<string, number>();
  private readonly currencyList: Currency[] = [];
  /** Distinct ids and names, by index. */
  private readonly textList: RawText[] = [];
  private readonly textIndex = new Map<RawText, number>();

  /** How many groups are held: the parser spills them to a run when there are too many. */
  groups = 0;
  accountDayCount = 0;

  /** `texts` may be shared by the aggregators of one file (each run's), so ids are decoded once. */
  constructor(
    private readonly cols: KeyColumns,
    private readonly texts = new RawTextTable(),
  ) {}

  /**
   * Folds a valid row into its group. Returns null, or why the row cannot be folded (a second
   * currency in its account-day, a bad id or name; the caller reports it, I2).
   */
  add(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell): AddProblem | null {
    const { buf, starts, ends } = row;
    const c = this.cols;
    const a0 = starts[c.account]!;
    const a1 = ends[c.account]!;
    const d0 = starts[c.day]!;
    const d1 = ends[c.day]!;
    const s0 = starts[c.service]!;
    const s1 = ends[c.service]!;
    const k0 = starts[c.sku]!;
    const k1 = ends[c.sku]!;
    // FNV-1a over the account and day (the account-day's hash), then the service and sku.
    let h = hashBytes(buf, d0, d1, hashBytes(buf, a0, a1, 0x811c9dc5));
    const dayHash = h;
    h = hashBytes(buf, k0, k1, hashBytes(buf, s0, s1, h));

    // The hash only narrows the search; a group is the row's group when all four cells match.
    let g = this.groupBuckets[h & (this.groupBuckets.length - 1)]!;
    while (g !== -1) {
      if (this.gHash[g] === h) {
        const service = this.text(this.gService[g]!).raw;
        const sku = this.text(this.gSku[g]!).raw;
        const d = this.gAccountDay[g]!;
        const account = this.text(this.dAccount[d]!).raw;
        const day = this.dayList[this.dDay[d]!]!;
        if (
          s1 - s0 === service.length &&
          k1 - k0 === sku.length &&
          a1 - a0 === account.length &&
          d1 - d0 === day.length &&
          sameBytes(buf, s0, s1, service, 0) &&
          sameBytes(buf, k0, k1, sku, 0) &&
          sameBytes(buf, d0, d1, day, 0) &&
          sameBytes(buf, a0, a1, account, 0)
        )
          break;
      }
      g = this.gNext[g]!;
    }
    if (g === -1) {
      const d = this.accountDayOf(row, dayHash, currency, version);
      if (this.currencyOf(d) !== currency) return this.currencyProblem(d, currency);
      const account = idProblem(this.text(this.dAccount[d]!), 'billing_account_id', subaccountIdProblem);
      if (account !== null) return account;
      g = this.newGroup(row, h, d);
      const ids =
        idProblem(this.text(this.gService[g]!), 'service_id', (v) => billingIdProblem(v, 'service_id')) ??
        idProblem(this.text(this.gSku[g]!), 'sku_id', (v) => billingIdProblem(v, 'sku_id'));
      if (ids !== null) return ids;
    }

    const d = this.gAccountDay[g]!;
    if (this.currencyOf(d) !== currency) return this.currencyProblem(d, currency);
    if (version > this.dVersion[d]!) this.dVersion[d] = version;
    this.gRows[g]!++;
    this.cost.add(g, cost.units, cost.nanos);
    this.credit.add(g, credit.units, credit.nanos);
    // Display names only (R4 matches on ids): the last non-empty one wins.
    if (c.serviceName >= 0 && starts[c.serviceName] !== ends[c.serviceName]) {
      this.gServiceNameLine[g] = row.line;
      const current = this.gServiceName[g]!;
      if (current === -1 || !cellEquals(row, c.serviceName, this.text(current))) {
        const name = this.texts.of(row, c.serviceName);
        const problem = nameProblem(name, 'service_name');
        if (problem !== null) return problem;
        this.gServiceName[g] = this.textId(name);
      }
    }
    if (c.skuName >= 0 && starts[c.skuName] !== ends[c.skuName]) {
      this.gSkuNameLine[g] = row.line;
      const current = this.gSkuName[g]!;
      if (current === -1 || !cellEquals(row, c.skuName, this.text(current))) {
        const name = this.texts.of(row, c.skuName);
        const problem = nameProblem(name, 'sku_name');
        if (problem !== null) return problem;
        this.gSkuName[g] = this.textId(name);
      }
    }
    return null;
  }

  /**
   * The account-days in store order — (day, accountId), rows by (serviceId, skuId) — read one at
   * a time, and the groups whose sums do not fit Decimal(22,9).
   */
  finish(): Aggregated {
    const order = this.accountDayOrder();
    const overflows: GroupOverflow[] = [];
    let version: number | null = null;
    for (let d = 0; d < this.accountDayCount; d++) {
      if (version === null || this.dVersion[d]! > version) version = this.dVersion[d]!;
      for (let g = this.dFirstGroup[d]!; g !== -1; g = this.gAccountDayNext[g]!) {
        for (const column of ['cost', 'credit'] as const) {
          const value = this[column].nanoUnits(g);
          if (value >= MONEY_LIMIT || value <= -MONEY_LIMIT)
            overflows.push({
              line: this.gFirstLine[g]!,
              column,
              accountId: this.text(this.dAccount[d]!).text,
              day: this.dayList[this.dDay[d]!]!,
              serviceId: this.text(this.gService[g]!).text,
              skuId: this.text(this.gSku[g]!).text,
            });
        }
      }
    }
    overflows.sort((a, b) => a.line - b.line);
    const self = this;
    return {
      accountDays: this.accountDayCount,
      version,
      overflows,
      *batches() {
        for (const d of order) {
          const accountId = self.text(self.dAccount[d]!).text;
          const day = self.dayList[self.dDay[d]!]!;
          const currency = self.currencyOf(d);
          const rows: UsageAggregate[] = self.groupsOf(d).map((g) => ({
            accountId,
            day,
            serviceId: self.text(self.gService[g]!).text,
            skuId: self.text(self.gSku[g]!).text,
            currency,
            cost: self.cost.nanoUnits(g),
            credit: self.credit.nanoUnits(g),
            serviceName: self.nameOf(self.gServiceName[g]!),
            skuName: self.nameOf(self.gSkuName[g]!),
            rows: self.gRows[g]!,
          }));
          yield { accountId, day, version: self.dVersion[d]!, rows };
        }
      },
    };
  }

  /**
   * The groups held, as partials of a run: sorted by (day, account, service, sku), sums exact in
   * nano-units, not checked against Decimal(22,9) (only a merged sum must fit).
   */
  *partials(): Generator<PartialGroup> {
    for (const d of this.accountDayOrder()) {
      const accountId = this.text(this.dAccount[d]!).text;
      const day = this.dayList[this.dDay[d]!]!;
      for (const g of this.groupsOf(d)) {
        const serviceId = this.text(this.gService[g]!).text;
        const skuId = this.text(this.gSku[g]!).text;
        yield {
          key: groupKey(accountId, day, serviceId, skuId),
          accountId,
          day,
          serviceId,
          skuId,
          currency: this.currencyOf(d),
          version: this.dVersion[d]!,
          accountDayLine: this.dFirstLine[d]!,
          firstLine: this.gFirstLine[g]!,
          rows: this.gRows[g]!,
          cost: this.cost.nanoUnits(g),
          credit: this.credit.nanoUnits(g),
          serviceName: this.nameOf(this.gServiceName[g]!),
          serviceNameLine: this.gServiceNameLine[g]!,
          skuName: this.nameOf(this.gSkuName[g]!),
          skuNameLine: this.gSkuNameLine[g]!,
        };
      }
    }
  }

  /** Account-day indexes by (day, accountId): the store's key order (`compareAccountDays`). */
  private accountDayOrder(): Int32Array {
    const order = new Int32Array(this.accountDayCount);
    for (let d = 0; d < order.length; d++) order[d] = d;
    const account = (d: number) => this.text(this.dAccount[d]!).text;
    const day = (d: number) => this.dayList[this.dDay[d]!]!;
    order.sort((x, y) => compare(day(x), day(y)) || compare(account(x), account(y)));
    return order;
  }

  private text(id: number): RawText {
    return this.textList[id]!;
  }

  private nameOf(id: number): string {
    return id === -1 ? '' : this.textList[id]!.text;
  }

  /** The index of a (shared) RawText in this aggregator's list. */
  private textId(text: RawText): number {
    let id = this.textIndex.get(text);
    if (id === undefined) {
      id = this.textList.push(text) - 1;
      this.textIndex.set(text, id);
    }
    return id;
  }

  private currencyOf(d: number): Currency {
    return this.currencyList[this.dCurrency[d]!]!;
  }

  /** An account-day's groups by (serviceId, skuId). */
  private groupsOf(d: number): number[] {
    const groups: number[] = [];
    for (let g = this.dFirstGroup[d]!; g !== -1; g = this.gAccountDayNext[g]!) groups.push(g);
    const service = (g: number) => this.text(this.gService[g]!).text;
    const sku = (g: number) => this.text(this.gSku[g]!).text;
    return groups.sort((x, y) => compare(service(x), service(y)) || compare(sku(x), sku(y)));
  }

  private accountDayOf(row: CsvRow, hash: number, currency: Currency, version: number): number {
    const c = this.cols;
    const { buf, starts, ends } = row;
    const a0 = starts[c.account]!;
    const a1 = ends[c.account]!;
    const d0 = starts[c.day]!;
    const d1 = ends[c.day]!;
    for (let d = this.dayBuckets[hash & (this.dayBuckets.length - 1)]!; d !== -1; d = this.dNext[d]!) {
      if (this.dHash[d] !== hash) continue;
      const account = this.text(this.dAccount[d]!).raw;
      const day = this.dayList[this.dDay[d]!]!;
      if (a1 - a0 === account.length && d1 - d0 === day.length && sameBytes(buf, d0, d1, day, 0) && sameBytes(buf, a0, a1, account, 0))
        return d;
    }
    const d = this.accountDayCount++;
    if (d >= this.dHash.length) this.growAccountDays(d + 1);
    const dayText = buf.toString('latin1', d0, d1);
    let day = this.dayIndex.get(dayText);
    if (day === undefined) this.dayIndex.set(dayText, (day = this.dayList.push(dayText) - 1));
    let currencyIndex = this.currencyList.indexOf(currency);
    if (currencyIndex === -1) currencyIndex = this.currencyList.push(currency) - 1;
    this.dAccount[d] = this.textId(this.texts.of(row, c.account));
    this.dDay[d] = day;
    this.dCurrency[d] = currencyIndex;
    this.dVersion[d] = version;
    this.dFirstLine[d] = row.line;
    this.dFirstGroup[d] = -1;
    this.dHash[d] = hash;
    const bucket = hash & (this.dayBuckets.length - 1);
    this.dNext[d] = this.dayBuckets[bucket]!;
    this.dayBuckets[bucket] = d;
    return d;
  }

  private newGroup(row: CsvRow, hash: number, d: number): number {
    const g = this.groups++;
    if (g >= this.gHash.length) this.growGroups(g + 1);
    this.gHash[g] = hash;
    this.gAccountDay[g] = d;
    this.gAccountDayNext[g] = this.dFirstGroup[d]!;
    this.dFirstGroup[d] = g;
    this.gService[g] = this.textId(this.texts.of(row, this.cols.service));
    this.gSku[g] = this.textId(this.texts.of(row, this.cols.sku));
    this.gServiceName[g] = -1;
    this.gSkuName[g] = -1;
    this.gServiceNameLine[g] = 0;
    this.gSkuNameLine[g] = 0;
    this.gRows[g] = 0;
    this.gFirstLine[g] = row.line;
    this.cost.units[g] = this.cost.nanos[g] = this.credit.units[g] = this.credit.nanos[g] = 0;
    const bucket = hash & (this.groupBuckets.length - 1);
    this.gNext[g] = this.groupBuckets[bucket]!;
    this.groupBuckets[bucket] = g;
    return g;
  }

  private growGroups(size: number): void {
    this.gHash = grown(this.gHash, size);
    this.gNext = grown(this.gNext, size);
    this.gAccountDay = grown(this.gAccountDay, size);
    this.gAccountDayNext = grown(this.gAccountDayNext, size);
    this.gRows = grown(this.gRows, size);
    this.gFirstLine = grown(this.gFirstLine, size);
    this.gServiceNameLine = grown(this.gServiceNameLine, size);
    this.gSkuNameLine = grown(this.gSkuNameLine, size);
    this.gService = grown(this.gService, size);
    this.gSku = grown(this.gSku, size);
    this.gServiceName = grown(this.gServiceName, size);
    this.gSkuName = grown(this.gSkuName, size);
    this.cost.grow(size);
    this.credit.grow(size);
    // Keep chains short: as many buckets as groups, rehashed.
    this.groupBuckets = rehash(this.gHash, this.gNext, this.gHash.length, this.groups - 1);
  }

  private growAccountDays(size: number): void {
    this.dHash = grown(this.dHash, size);
    this.dNext = grown(this.dNext, size);
    this.dFirstGroup = grown(this.dFirstGroup, size);
    this.dVersion = grown(this.dVersion, size);
    this.dFirstLine = grown(this.dFirstLine, size);
    this.dAccount = grown(this.dAccount, size);
    this.dDay = grown(this.dDay, size);
    this.dCurrency = grown(this.dCurrency, size);
    this.dayBuckets = rehash(this.dHash, this.dNext, this.dHash.length, this.accountDayCount - 1);
  }

  /** I2: one account-day in two currencies cannot be stored as one replacement unit. */
  private currencyProblem(d: number, currency: Currency): AddProblem {
    return {
      column: 'currency',
      reason: `account-day ${this.text(this.dAccount[d]!).text} ${this.dayList[this.dDay[d]!]} is in ${this.currencyOf(d)} (line ${this.dFirstLine[d]}); a second currency ${currency} is not allowed`,
    };
  }
}

/** New bucket heads (a power of two ≥ `size`) for entries 0..count-1, chaining through `next`. */
function rehash(hashes: Int32Array, next: Int32Array, size: number, count: number): Int32Array<ArrayBuffer> {
  // A power of two (the mask picks the bucket), at least half the entries: chains of ~2 at most.
  let length = INITIAL_CAPACITY;
  while (length * 2 < size) length *= 2;
  const buckets = new Int32Array(length).fill(-1);
  for (let i = 0; i < count; i++) {
    const bucket = hashes[i]! & (length - 1);
    next[i] = buckets[bucket]!;
    buckets[bucket] = i;
  }
  return buckets;
}

function nameProblem(name: RawText, column: string): AddProblem | null {
  const encoding = utf8Problem(name, column);
  if (encoding !== null) return encoding;
  const problem = displayNameProblem(name.text, column);
  return problem === null ? null : { column, reason: problem };
}

function hashBytes(buf: Buffer, s: number, e: number, h: number): number {
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return Math.imul(h ^ ((e - s) | 0x100), 0x01000193);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
