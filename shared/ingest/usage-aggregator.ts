/**
 * Pre-aggregation of export rows to (account, day, service, sku, currency) in bounded memory (I4).
 *
 * The hot path makes no strings: a row's group is found by a hash of its raw key bytes and
 * confirmed by comparing those bytes with the group's stored ids. Strings are made once per
 * distinct id or name (shared through the RawTextTable), never per row or per group.
 *
 * Groups and account-days live in columns (typed arrays, and arrays of shared references), not
 * in an object each: 64 bytes per group and 33 per account-day, 2 to 4 more each in hash buckets,
 * and almost nothing for the garbage collector to trace. The columns grow in place
 * (resizable-column.ts): no copy, no old array waiting for the collector, at most one step of
 * room beyond what is held. A file of 600,000 account-days (and as many groups) holds 60 MiB of
 * columns at the end of its parse, and 35 MiB while it is applied: `finish` gives back at once
 * what only adding and its problems read (lookup, lines), and `dispose` the rest. The parser
 * spills to sorted runs past `SpillOptions.maxGroups` (groups plus account-days).
 *
 * Money is summed exactly as two JS integers per amount (units and nano-units, carried; see
 * ExactSum, whose rule this follows column-wise), kept as Int32 and spilling into a bigint past
 * 2^31 units; bigint nano-units are produced once, at the end.
 */
import { billingIdProblem, displayNameProblem, subaccountIdProblem } from '../domain/identifiers';
import type { Currency, UsageAggregate } from '../domain/model';
import type { AccountDayBatch } from '../ports/store';
import type { MoneyCell } from './cell-parsers';
import type { CsvRow } from './csv-row-scanner';
import { RawTextTable, cellEquals, sameBytes, type RawText } from './raw-text';
import { COLUMN_STEP, DEFAULT_RESERVE, column, grown, released, steps, type Column } from './resizable-column';
import { groupKey, type PartialGroup } from './spill-runs';
import { accountDayHash, groupHash } from './row-hash';

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
const NANOS_BIG = 1_000_000_000n;
/**
 * Units beyond which a running sum moves into its bigint part: what an Int32 column holds. The
 * sum of such a part and a 13-digit cell is computed exactly as a JS number before the check.
 */
const UNITS_LIMIT = 2 ** 31;
/** Units below which units·10^9 + nano-units is exact in a double (< 2^53 ≈ 9.007·10^15). */
const EXACT_UNITS = 9_000_000;
/** Int32 per group in `gLookup` (hash, next, account-day) and per account-day in `dLookup` (hash, next). */
const G_LOOKUP = 3;
const D_LOOKUP = 2;
/** Most entries per hash bucket on average before the buckets double (2 to 4 bytes an entry). */
const MAX_LOAD = 2;

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

/**
 * The running sums of every group, both money columns side by side — cost units, cost nano-units,
 * credit units, credit nano-units: four Int32 a group, which a row reads and writes in one cache
 * line. |units| < 2^31 (the rest of a sum is spilled to a bigint), |nano-units| < 10^9 < 2^31.
 */
class GroupSums {
  parts: Int32Array<ArrayBuffer>;

  constructor(reserve: number) {
    this.parts = column(Int32Array, 4 * reserve);
  }

  grow(size: number): void {
    this.parts = grown(this.parts, 4 * size);
  }
}

/** Sums of one money column of every group, exact. */
class SumColumn {
  /** The bigint part of the few sums that passed 2^31 units (over two billion in one group). */
  private readonly spilled = new Map<number, bigint>();

  /** `at`: the column's units in `sums` (0: cost, 2: credit); its nano-units follow. */
  constructor(
    private readonly sums: GroupSums,
    private readonly at: number,
  ) {}

  add(g: number, units: number, nanos: number): void {
    const parts = this.sums.parts;
    const i = 4 * g + this.at;
    let n = parts[i + 1]! + nanos;
    let u = parts[i]! + units;
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
    parts[i] = u;
    parts[i + 1] = n;
  }

  nanoUnits(g: number): bigint {
    const parts = this.sums.parts;
    const i = 4 * g + this.at;
    const units = this.spilled.size === 0 ? undefined : this.spilled.get(g);
    const u = parts[i]!;
    // Below EXACT_UNITS the sum in nano-units is an integer under 2^53, which a double holds
    // exactly (|u·10^9 + n| < 9·10^15 + 10^9): one conversion instead of three bigint operations.
    if (units === undefined && u < EXACT_UNITS && u > -EXACT_UNITS) return BigInt(u * NANOS + parts[i + 1]!);
    return (units === undefined ? BigInt(u) : units + BigInt(u)) * NANOS_BIG + BigInt(parts[i + 1]!);
  }

  /**
   * Whether the sum may be outside Decimal(22,9) (|units| ≥ 10^13): only a sum that passed 2^31
   * units, and so has a bigint part, can be; every other one is far inside.
   */
  mayOverflow(g: number): boolean {
    return this.spilled.has(g);
  }
}

export class UsageAggregator {
  // Groups, by index: 64 bytes each, and 2 to 4 in `groupBuckets`.
  /** What only adding reads, side by side: the key's hash, the next group in its bucket, the account-day. */
  private gLookup: Int32Array<ArrayBuffer>;
  private gAccountDayNext: Int32Array<ArrayBuffer>;
  private gRows: Uint32Array<ArrayBuffer>;
  private gFirstLine: Uint32Array<ArrayBuffer>;
  private gServiceNameLine: Uint32Array<ArrayBuffer>;
  private gSkuNameLine: Uint32Array<ArrayBuffer>;
  /** Ids and names as indexes into `textList` (-1: no name), 4 bytes each. */
  private gService: Int32Array<ArrayBuffer>;
  private gSku: Int32Array<ArrayBuffer>;
  private gServiceName: Int32Array<ArrayBuffer>;
  private gSkuName: Int32Array<ArrayBuffer>;
  private readonly sums: GroupSums;
  private readonly cost: SumColumn;
  private readonly credit: SumColumn;
  private groupBuckets: Int32Array<ArrayBuffer>;

  // Account-days, by index: 33 bytes each, and 2 to 4 in `dayBuckets`.
  /** The account-day key's hash and the next account-day in its bucket, side by side. */
  private dLookup: Int32Array<ArrayBuffer>;
  private dFirstGroup: Int32Array<ArrayBuffer>;
  private dVersion: Float64Array<ArrayBuffer>;
  private dFirstLine: Uint32Array<ArrayBuffer>;
  private dAccount: Int32Array<ArrayBuffer>;
  private dDay: Int32Array<ArrayBuffer>;
  private dCurrency: Uint8Array<ArrayBuffer>;
  private dayBuckets: Int32Array<ArrayBuffer>;
  /** Every distinct day (latin1 raw = text: a validated YYYY-MM-DD) and currency, by index. */
  private readonly dayList: string[] = [];
  private readonly dayIndex = new Map<string, number>();
  private readonly currencyList: Currency[] = [];
  /** Distinct ids and names, by index. */
  private readonly textList: RawText[] = [];
  private readonly textIndex = new Map<RawText, number>();
  /** By the text id of a service (SKU) id: the text id of the last name seen with it. */
  private readonly serviceNameOf: number[] = [];
  private readonly skuNameOf: number[] = [];

  /** Set by `finish`, which gives back the columns only adding reads, and by `dispose`. */
  private finished = false;
  private disposed = false;

  /** How many groups are held: the parser spills them to a run when there are too many. */
  groups = 0;
  accountDayCount = 0;

  /**
   * `texts` may be shared by the aggregators of one file (each run's), so ids are decoded once.
   * `reserve`: how many groups, and how many account-days, the columns can grow to in place (the
   * parser's spill bound); past it they grow by copying.
   */
  constructor(
    private readonly cols: KeyColumns,
    private readonly texts = new RawTextTable(),
    reserve = DEFAULT_RESERVE,
  ) {
    this.gLookup = column(Int32Array, G_LOOKUP * reserve);
    this.gAccountDayNext = column(Int32Array, reserve);
    this.gRows = column(Uint32Array, reserve);
    this.gFirstLine = column(Uint32Array, reserve);
    this.gServiceNameLine = column(Uint32Array, reserve);
    this.gSkuNameLine = column(Uint32Array, reserve);
    this.gService = column(Int32Array, reserve);
    this.gSku = column(Int32Array, reserve);
    this.gServiceName = column(Int32Array, reserve);
    this.gSkuName = column(Int32Array, reserve);
    this.sums = new GroupSums(reserve);
    this.cost = new SumColumn(this.sums, 0);
    this.credit = new SumColumn(this.sums, 2);
    this.groupBuckets = buckets(reserve);
    this.dLookup = column(Int32Array, D_LOOKUP * reserve);
    this.dFirstGroup = column(Int32Array, reserve);
    this.dVersion = column(Float64Array, reserve);
    this.dFirstLine = column(Uint32Array, reserve);
    this.dAccount = column(Int32Array, reserve);
    this.dDay = column(Int32Array, reserve);
    this.dCurrency = column(Uint8Array, reserve);
    this.dayBuckets = buckets(reserve);
  }

  /** Bytes held by the columns and hash buckets (the rest — ids, names, days — is shared and small). */
  get columnBytes(): number {
    return this.columns().reduce((sum, c) => sum + c.byteLength, 0);
  }

  /**
   * Gives every column's memory back at once, without waiting for a garbage collection (which
   * does not count it): call it when the groups are written to a run, or applied. Nothing can be
   * added or read after.
   */
  dispose(): void {
    this.finished = true;
    this.disposed = true;
    for (const c of this.columns()) released(c);
  }

  private columns(): Column[] {
    return [
      this.gLookup,
      this.gAccountDayNext,
      this.gRows,
      this.gFirstLine,
      this.gServiceNameLine,
      this.gSkuNameLine,
      this.gService,
      this.gSku,
      this.gServiceName,
      this.gSkuName,
      this.sums.parts,
      this.groupBuckets,
      this.dLookup,
      this.dFirstGroup,
      this.dVersion,
      this.dFirstLine,
      this.dAccount,
      this.dDay,
      this.dCurrency,
      this.dayBuckets,
    ];
  }

  /**
   * Folds a valid row into its group. Returns null, or why the row cannot be folded (a second
   * currency in its account-day, a bad id or name; the caller reports it, I2).
   */
  add(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell): AddProblem | null {
    const dayHash = accountDayHash(row, this.cols);
    return this.addHashed(row, currency, version, cost, credit, dayHash, groupHash(row, this.cols, dayHash));
  }

  /** `add` with the row's hashes computed already (`accountDayHash`, `groupHash`; a parse worker does). */
  addHashed(
    row: CsvRow,
    currency: Currency,
    version: number,
    cost: MoneyCell,
    credit: MoneyCell,
    dayHash: number,
    h: number,
  ): AddProblem | null {
    if (this.finished) throw new Error('UsageAggregator.add after finish');
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

    // The hash only narrows the search; a group is the row's group when all four cells match.
    const lookup = this.gLookup;
    let g = this.groupBuckets[h & (this.groupBuckets.length - 1)]!;
    while (g !== -1) {
      const at = G_LOOKUP * g;
      if (lookup[at] === h) {
        const service = this.text(this.gService[g]!).raw;
        const sku = this.text(this.gSku[g]!).raw;
        const d = lookup[at + 2]!;
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
      g = lookup[at + 1]!;
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

    const d = this.gLookup[G_LOOKUP * g + 2]!;
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
        const name = this.nameId(row, c.serviceName, 'service_name', this.serviceNameOf, this.gService[g]!);
        if (typeof name !== 'number') return name;
        this.gServiceName[g] = name;
      }
    }
    if (c.skuName >= 0 && starts[c.skuName] !== ends[c.skuName]) {
      this.gSkuNameLine[g] = row.line;
      const current = this.gSkuName[g]!;
      if (current === -1 || !cellEquals(row, c.skuName, this.text(current))) {
        const name = this.nameId(row, c.skuName, 'sku_name', this.skuNameOf, this.gSku[g]!);
        if (typeof name !== 'number') return name;
        this.gSkuName[g] = name;
      }
    }
    return null;
  }

  /**
   * The account-days in store order — (day, accountId), rows by (serviceId, skuId) — read one at
   * a time, and the groups whose sums do not fit Decimal(22,9).
   */
  finish(): Aggregated {
    // Nothing is added from here on: the lookup's columns go back to the system before the sort
    // and the apply, which read only the rest.
    this.finished = true;
    for (const lookup of [this.gLookup, this.groupBuckets, this.dLookup, this.dayBuckets]) released(lookup);
    const order = this.accountDayOrder();
    const overflows: GroupOverflow[] = [];
    let version: number | null = null;
    for (let d = 0; d < this.accountDayCount; d++) {
      if (version === null || this.dVersion[d]! > version) version = this.dVersion[d]!;
      for (let g = this.dFirstGroup[d]!; g !== -1; g = this.gAccountDayNext[g]!) {
        for (const column of ['cost', 'credit'] as const) {
          if (!this[column].mayOverflow(g)) continue;
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
    // Lines serve problems (all found by now) and spill runs (a finished aggregator writes none).
    for (const lines of [this.gFirstLine, this.gServiceNameLine, this.gSkuNameLine, this.dFirstLine]) released(lines);
    const self = this;
    return {
      accountDays: this.accountDayCount,
      version,
      overflows,
      *batches() {
        if (self.disposed) throw new Error('the aggregated account-days were disposed');
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
    const count = this.accountDayCount;
    const order = new Int32Array(count);
    for (let d = 0; d < count; d++) order[d] = d;
    // The few distinct days and accounts are ranked once by their text; an account-day's place is
    // then one number, (day rank · accounts + account rank) · count + index, sorted natively —
    // exact while it stays below 2^53, else the texts are compared pair by pair.
    const dayRank = ranks(this.dayList.length, (i) => this.dayList[i]!);
    const accountIds = new Map<number, number>();
    for (let d = 0; d < count; d++) if (!accountIds.has(this.dAccount[d]!)) accountIds.set(this.dAccount[d]!, accountIds.size);
    const accountText = [...accountIds.keys()];
    const accountRank = ranks(accountText.length, (i) => this.text(accountText[i]!).text);
    if (this.dayList.length * accountText.length * count < Number.MAX_SAFE_INTEGER) {
      const keys = new Float64Array(count);
      for (let d = 0; d < count; d++)
        keys[d] = (dayRank[this.dDay[d]!]! * accountText.length + accountRank[accountIds.get(this.dAccount[d]!)!]!) * count + d;
      keys.sort();
      for (let i = 0; i < count; i++) order[i] = keys[i]! % count;
      return order;
    }
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

  /**
   * The index of a (shared) RawText in this aggregator's list: read off the text when this
   * aggregator numbered it last (no map lookup on the hot path), else from the map.
   */
  private textId(text: RawText): number {
    if (text.owner === this) return text.id;
    let id = this.textIndex.get(text);
    if (id === undefined) {
      id = this.textList.push(text) - 1;
      this.textIndex.set(text, id);
    }
    text.owner = this;
    text.id = id;
    return id;
  }

  /**
   * The text id of a row's display name, or why the name cannot be stored. A name usually
   * follows its id (every account's groups of one SKU carry the same SKU name), so the last name
   * seen with the group's id is tried first, byte for byte: a new group then needs no hash
   * lookup and no new check of a name already checked for this column.
   */
  private nameId(row: CsvRow, column: number, columnName: string, lastNameOf: number[], id: number): number | AddProblem {
    const last = lastNameOf[id];
    if (last !== undefined && cellEquals(row, column, this.text(last))) return last;
    const name = this.texts.of(row, column);
    const problem = nameProblem(name, columnName);
    if (problem !== null) return problem;
    const nameId = this.textId(name);
    lastNameOf[id] = nameId;
    return nameId;
  }

  private currencyOf(d: number): Currency {
    return this.currencyList[this.dCurrency[d]!]!;
  }

  /** An account-day's groups by (serviceId, skuId). */
  private groupsOf(d: number): number[] {
    const first = this.dFirstGroup[d]!;
    if (this.gAccountDayNext[first] === -1) return [first];
    const groups: number[] = [];
    for (let g = first; g !== -1; g = this.gAccountDayNext[g]!) groups.push(g);
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
    const lookup = this.dLookup;
    for (let d = this.dayBuckets[hash & (this.dayBuckets.length - 1)]!; d !== -1; d = lookup[D_LOOKUP * d + 1]!) {
      if (lookup[D_LOOKUP * d] !== hash) continue;
      const account = this.text(this.dAccount[d]!).raw;
      const day = this.dayList[this.dDay[d]!]!;
      if (a1 - a0 === account.length && d1 - d0 === day.length && sameBytes(buf, d0, d1, day, 0) && sameBytes(buf, a0, a1, account, 0))
        return d;
    }
    const d = this.accountDayCount++;
    if (d >= this.dFirstGroup.length) this.growAccountDays(d + 1);
    if (d >= MAX_LOAD * this.dayBuckets.length) this.dayBuckets = rehash(this.dayBuckets, this.dLookup, D_LOOKUP, d);
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
    const bucket = hash & (this.dayBuckets.length - 1);
    this.dLookup[D_LOOKUP * d] = hash;
    this.dLookup[D_LOOKUP * d + 1] = this.dayBuckets[bucket]!;
    this.dayBuckets[bucket] = d;
    return d;
  }

  private newGroup(row: CsvRow, hash: number, d: number): number {
    const g = this.groups++;
    if (g >= this.gRows.length) this.growGroups(g + 1);
    if (g >= MAX_LOAD * this.groupBuckets.length) this.groupBuckets = rehash(this.groupBuckets, this.gLookup, G_LOOKUP, g);
    const bucket = hash & (this.groupBuckets.length - 1);
    this.gLookup[G_LOOKUP * g] = hash;
    this.gLookup[G_LOOKUP * g + 1] = this.groupBuckets[bucket]!;
    this.gLookup[G_LOOKUP * g + 2] = d;
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
    const sums = this.sums.parts;
    sums[4 * g] = sums[4 * g + 1] = sums[4 * g + 2] = sums[4 * g + 3] = 0;
    this.groupBuckets[bucket] = g;
    return g;
  }

  /** Every group column, grown to hold `size` groups rounded up to a step (the same count in each). */
  private growGroups(size: number): void {
    const groups = steps(size);
    this.gLookup = grown(this.gLookup, G_LOOKUP * groups);
    this.gAccountDayNext = grown(this.gAccountDayNext, groups);
    this.gRows = grown(this.gRows, groups);
    this.gFirstLine = grown(this.gFirstLine, groups);
    this.gServiceNameLine = grown(this.gServiceNameLine, groups);
    this.gSkuNameLine = grown(this.gSkuNameLine, groups);
    this.gService = grown(this.gService, groups);
    this.gSku = grown(this.gSku, groups);
    this.gServiceName = grown(this.gServiceName, groups);
    this.gSkuName = grown(this.gSkuName, groups);
    this.sums.grow(groups);
  }

  private growAccountDays(size: number): void {
    const accountDays = steps(size);
    this.dLookup = grown(this.dLookup, D_LOOKUP * accountDays);
    this.dFirstGroup = grown(this.dFirstGroup, accountDays);
    this.dVersion = grown(this.dVersion, accountDays);
    this.dFirstLine = grown(this.dFirstLine, accountDays);
    this.dAccount = grown(this.dAccount, accountDays);
    this.dDay = grown(this.dDay, accountDays);
    this.dCurrency = grown(this.dCurrency, accountDays);
  }

  /** I2: one account-day in two currencies cannot be stored as one replacement unit. */
  private currencyProblem(d: number, currency: Currency): AddProblem {
    return {
      column: 'currency',
      reason: `account-day ${this.text(this.dAccount[d]!).text} ${this.dayList[this.dDay[d]!]} is in ${this.currencyOf(d)} (line ${this.dFirstLine[d]}); a second currency ${currency} is not allowed`,
    };
  }
}

/** Empty hash buckets: a power of two of them (the mask picks one), one step's worth at first. */
function buckets(reserve: number): Int32Array<ArrayBuffer> {
  return grown(column(Int32Array, reserve), COLUMN_STEP).fill(-1);
}

/**
 * Twice the buckets, in place, for entries 0..count-1 of `lookup` (`stride` Int32 an entry: the
 * hash, then the next entry in its bucket): chains stay MAX_LOAD long at most on average.
 */
function rehash(buckets: Int32Array<ArrayBuffer>, lookup: Int32Array, stride: number, count: number): Int32Array<ArrayBuffer> {
  const length = buckets.length * 2;
  const heads = grown(buckets, length).fill(-1);
  for (let i = 0; i < count; i++) {
    const bucket = lookup[stride * i]! & (length - 1);
    lookup[stride * i + 1] = heads[bucket]!;
    heads[bucket] = i;
  }
  return heads;
}

function nameProblem(name: RawText, column: string): AddProblem | null {
  const encoding = utf8Problem(name, column);
  if (encoding !== null) return encoding;
  const problem = displayNameProblem(name.text, column);
  return problem === null ? null : { column, reason: problem };
}

/** The rank of each of `n` texts in code-unit order (equal texts share a rank). */
function ranks(n: number, textOf: (i: number) => string): Int32Array {
  const sorted = Array.from({ length: n }, (_, i) => i).sort((x, y) => compare(textOf(x), textOf(y)));
  const rank = new Int32Array(n);
  for (let r = 0, i = 0; i < n; i++) {
    if (i > 0 && textOf(sorted[i]!) !== textOf(sorted[i - 1]!)) r = i;
    rank[sorted[i]!] = r;
  }
  return rank;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
