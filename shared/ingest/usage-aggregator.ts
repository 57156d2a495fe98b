/**
 * Pre-aggregation of export rows to (account, day, service, sku, currency) in bounded memory (I4).
 *
 * The hot path makes no strings: a row's group is found by a hash of its raw key bytes and
 * confirmed by comparing those bytes with the group's stored ids. Strings are made once per
 * group at most, copied from the bytes (never slices of a chunk, which would keep the chunk
 * alive), and ids and names are shared between groups, so memory grows with the number of
 * groups, never with the number of rows or bytes.
 *
 * Money is summed exactly as two JS integers per amount (see ExactSum); bigint nano-units are
 * produced once, at the end.
 */
import type { Currency, UsageAggregate } from '../domain/model';
import type { AccountDayBatch } from '../ports/store';
import type { MoneyCell } from './cell-parsers';
import type { CsvRow } from './csv-row-scanner';
import { ExactSum } from './exact-sum';
import { RawTextTable, cellEquals, rawCell, sameBytes, type RawText } from './raw-text';

/** Column indexes of the key and name cells. */
export interface KeyColumns {
  account: number;
  day: number;
  service: number;
  sku: number;
  serviceName: number;
  skuName: number;
}

export interface AccountDay {
  /** Raw bytes of the account cell (latin1) and its decoded id. */
  accountRaw: string;
  accountId: string;
  /** A validated YYYY-MM-DD: its raw bytes are its text. */
  day: string;
  currency: Currency;
  /** Largest version seen so far (I1). */
  version: number;
  /** Where the account-day first appeared (names the line in a two-currency problem). */
  firstLine: number;
  groups: Group[];
}

interface Group {
  /** Next group with the same hash. */
  next: Group | null;
  accountDay: AccountDay;
  service: RawText;
  sku: RawText;
  /** Last non-empty display names (shared between groups through the table). */
  serviceName: RawText | null;
  skuName: RawText | null;
  rows: number;
  cost: ExactSum;
  credit: ExactSum;
}

export class UsageAggregator {
  private readonly byHash = new Map<number, Group>();
  private readonly accountDays = new Map<string, AccountDay>();
  private readonly texts = new RawTextTable();

  constructor(private readonly cols: KeyColumns) {}

  /**
   * Folds a valid row into its group. Returns null, or the row's account-day when it already
   * holds another currency (the row is then not folded; the caller reports it, I2).
   */
  add(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell): AccountDay | null {
    const { buf, starts, ends } = row;
    const c = this.cols;
    const a0 = starts[c.account]!, a1 = ends[c.account]!;
    const d0 = starts[c.day]!, d1 = ends[c.day]!;
    const s0 = starts[c.service]!, s1 = ends[c.service]!;
    const k0 = starts[c.sku]!, k1 = ends[c.sku]!;
    // FNV-1a over the four cells, with each length mixed in so cell boundaries count.
    let h = 0x811c9dc5;
    h = hashBytes(buf, a0, a1, h);
    h = hashBytes(buf, d0, d1, h);
    h = hashBytes(buf, s0, s1, h);
    h = hashBytes(buf, k0, k1, h);

    // The hash only narrows the search; a group is the row's group when all four cells match.
    let group = this.byHash.get(h) ?? null;
    while (group !== null) {
      const ad = group.accountDay;
      const service = group.service.raw;
      const sku = group.sku.raw;
      if (
        a1 - a0 === ad.accountRaw.length && d1 - d0 === ad.day.length && s1 - s0 === service.length && k1 - k0 === sku.length &&
        sameBytes(buf, s0, s1, service, 0) && sameBytes(buf, k0, k1, sku, 0) &&
        sameBytes(buf, d0, d1, ad.day, 0) && sameBytes(buf, a0, a1, ad.accountRaw, 0)
      ) break;
      group = group.next;
    }
    if (group === null) {
      const accountDay = this.accountDayOf(row, currency, version);
      if (accountDay.currency !== currency) return accountDay;
      group = this.newGroup(row, h, accountDay);
    }

    const accountDay = group.accountDay;
    if (accountDay.currency !== currency) return accountDay;
    if (version > accountDay.version) accountDay.version = version;
    group.rows++;
    group.cost.add(cost.units, cost.nanos);
    group.credit.add(credit.units, credit.nanos);
    // Display names only (R4 matches on ids): the last non-empty one wins.
    if (c.serviceName >= 0) group.serviceName = this.lastName(row, c.serviceName, group.serviceName);
    if (c.skuName >= 0) group.skuName = this.lastName(row, c.skuName, group.skuName);
    return null;
  }

  /** Batches sorted by (accountId, day), rows by (serviceId, skuId, currency): deterministic output. */
  finish(): AccountDayBatch[] {
    // Each group is dropped once converted, so the aggregation and the result do not both peak.
    this.byHash.clear();
    const batches: AccountDayBatch[] = [];
    for (const ad of this.accountDays.values()) {
      const rows: UsageAggregate[] = ad.groups.map((g) => ({
        accountId: ad.accountId,
        day: ad.day,
        serviceId: g.service.text,
        skuId: g.sku.text,
        currency: ad.currency,
        cost: g.cost.toNanos(),
        credit: g.credit.toNanos(),
        serviceName: g.serviceName?.text ?? '',
        skuName: g.skuName?.text ?? '',
        rows: g.rows,
      }));
      ad.groups = [];
      rows.sort((a, b) => compare(a.serviceId, b.serviceId) || compare(a.skuId, b.skuId) || compare(a.currency, b.currency));
      batches.push({ accountId: ad.accountId, day: ad.day, version: ad.version, rows });
    }
    this.accountDays.clear();
    batches.sort((a, b) => compare(a.accountId, b.accountId) || compare(a.day, b.day));
    return batches;
  }

  private accountDayOf(row: CsvRow, currency: Currency, version: number): AccountDay {
    const c = this.cols;
    const accountRaw = rawCell(row, c.account);
    const day = rawCell(row, c.day);
    // The day is a validated YYYY-MM-DD of fixed length, so account + day is unambiguous.
    const key = accountRaw + day;
    let found = this.accountDays.get(key);
    if (found === undefined) {
      const accountId = this.texts.of(row, c.account).text;
      found = { accountRaw, accountId, day, currency, version, firstLine: row.line, groups: [] };
      this.accountDays.set(key, found);
    }
    return found;
  }

  private newGroup(row: CsvRow, hash: number, accountDay: AccountDay): Group {
    const group: Group = {
      next: this.byHash.get(hash) ?? null,
      accountDay,
      service: this.texts.of(row, this.cols.service),
      sku: this.texts.of(row, this.cols.sku),
      serviceName: null,
      skuName: null,
      rows: 0,
      cost: new ExactSum(),
      credit: new ExactSum(),
    };
    this.byHash.set(hash, group);
    accountDay.groups.push(group);
    return group;
  }

  /** Keeps the stored name unless the row has a different non-empty one (compared as bytes). */
  private lastName(row: CsvRow, i: number, current: RawText | null): RawText | null {
    if (row.starts[i] === row.ends[i]) return current;
    if (current !== null && cellEquals(row, i, current)) return current;
    return this.texts.of(row, i);
  }
}

function hashBytes(buf: Buffer, s: number, e: number, h: number): number {
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return Math.imul(h ^ ((e - s) | 0x100), 0x01000193);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
