/**
 * Pre-aggregation of export rows to (account, day, service, sku, currency) in bounded memory (I4).
 *
 * The hot path makes no strings: a row's group is found by a hash of its raw key bytes and
 * confirmed by comparing those bytes with the group's stored key. Strings are made once per
 * group, copied from the bytes (never slices of a chunk, which would keep the chunk alive), so
 * memory grows with the number of groups, never with the number of rows or bytes.
 *
 * Money is summed exactly as two JS integers per amount (see ExactSum); bigint nano-units are
 * produced once, at the end.
 */
import type { Currency, UsageAggregate } from '../domain/model';
import type { AccountDayBatch } from '../ports/store';
import type { CsvRow } from './csv-row-scanner';
import { ExactSum } from './exact-sum';

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
  accountId: string;
  day: string;
  currency: Currency;
  /** Largest version seen so far (I1). */
  version: number;
  /** Where the account-day first appeared (names the line in a two-currency problem). */
  firstLine: number;
  groups: Group[];
}

interface Group {
  hash: number;
  /** Next group with the same hash. */
  next: Group | null;
  /** Raw key bytes (account, day, service, sku) as latin1, one char per byte, and their lengths. */
  key: string;
  accountLength: number;
  dayLength: number;
  serviceLength: number;
  skuLength: number;
  accountDay: AccountDay;
  serviceId: string;
  skuId: string;
  /** Raw bytes of the last non-empty names (decoded once, at the end). */
  serviceName: RawText;
  skuName: RawText;
  rows: number;
  cost: ExactSum;
  credit: ExactSum;
}

interface RawText {
  bytes: string;
  escaped: boolean;
}

const NO_NAME: RawText = { bytes: '', escaped: false };

export class UsageAggregator {
  private readonly byHash = new Map<number, Group>();
  private readonly accountDays = new Map<string, AccountDay>();

  constructor(private readonly cols: KeyColumns) {}

  /**
   * Folds a valid row into its group. Returns null, or the row's account-day when it already
   * holds another currency (the row is then not folded; the caller reports it, I2).
   */
  add(row: CsvRow, currency: Currency, version: number, cost: ExactSumInput, credit: ExactSumInput): AccountDay | null {
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

    let group = this.byHash.get(h) ?? null;
    while (group !== null) {
      const al = group.accountLength;
      const dl = group.dayLength;
      const sl = group.serviceLength;
      const kl = group.skuLength;
      if (
        al === a1 - a0 && dl === d1 - d0 && sl === s1 - s0 && kl === k1 - k0 &&
        sameBytes(buf, a0, a1, group.key, 0) && sameBytes(buf, d0, d1, group.key, al) &&
        sameBytes(buf, s0, s1, group.key, al + dl) && sameBytes(buf, k0, k1, group.key, al + dl + sl)
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
    if (c.serviceName >= 0) group.serviceName = lastName(row, c.serviceName, group.serviceName);
    if (c.skuName >= 0) group.skuName = lastName(row, c.skuName, group.skuName);
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
        serviceId: g.serviceId,
        skuId: g.skuId,
        currency: ad.currency,
        cost: g.cost.toNanos(),
        credit: g.credit.toNanos(),
        serviceName: decodeRaw(g.serviceName),
        skuName: decodeRaw(g.skuName),
        rows: g.rows,
      }));
      ad.groups = [];
      rows.sort((a, b) => compare(a.serviceId, b.serviceId) || compare(a.skuId, b.skuId) || compare(a.currency, b.currency));
      batches.push({ accountId: ad.accountId, day: ad.day, version: ad.version, rows });
    }
    batches.sort((a, b) => compare(a.accountId, b.accountId) || compare(a.day, b.day));
    return batches;
  }

  private accountDayOf(row: CsvRow, currency: Currency, version: number): AccountDay {
    const c = this.cols;
    // The day cell is a validated YYYY-MM-DD of fixed length, so account + day is unambiguous.
    const day = rawBytes(row, c.day);
    const key = rawBytes(row, c.account) + day;
    let found = this.accountDays.get(key);
    if (found === undefined) {
      found = { accountId: text(row, c.account), day, currency, version, firstLine: row.line, groups: [] };
      this.accountDays.set(key, found);
    }
    return found;
  }

  private newGroup(row: CsvRow, hash: number, accountDay: AccountDay): Group {
    const c = this.cols;
    const cells = [c.account, c.day, c.service, c.sku].map((i) => rawBytes(row, i));
    const group: Group = {
      hash,
      next: this.byHash.get(hash) ?? null,
      key: cells.join(''),
      accountLength: cells[0]!.length,
      dayLength: cells[1]!.length,
      serviceLength: cells[2]!.length,
      skuLength: cells[3]!.length,
      accountDay,
      serviceId: text(row, c.service),
      skuId: text(row, c.sku),
      serviceName: NO_NAME,
      skuName: NO_NAME,
      rows: 0,
      cost: new ExactSum(),
      credit: new ExactSum(),
    };
    this.byHash.set(hash, group);
    accountDay.groups.push(group);
    return group;
  }
}

export interface ExactSumInput {
  units: number;
  nanos: number;
}

function hashBytes(buf: Buffer, s: number, e: number, h: number): number {
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return Math.imul(h ^ ((e - s) | 0x100), 0x01000193);
}

function sameBytes(buf: Buffer, s: number, e: number, key: string, offset: number): boolean {
  for (let i = s, j = offset; i < e; i++, j++) if (buf[i] !== key.charCodeAt(j)) return false;
  return true;
}

/** Keeps the stored name unless the row has a different non-empty one (compared as bytes). */
function lastName(row: CsvRow, i: number, current: RawText): RawText {
  const s = row.starts[i]!;
  const e = row.ends[i]!;
  if (s === e) return current;
  const escaped = row.escaped[i] === 1;
  if (e - s === current.bytes.length && escaped === current.escaped && sameBytes(row.buf, s, e, current.bytes, 0)) return current;
  return { bytes: rawBytes(row, i), escaped };
}

/** A copy of a cell's raw bytes as a latin1 string (one char per byte). */
function rawBytes(row: CsvRow, i: number): string {
  return row.buf.toString('latin1', row.starts[i], row.ends[i]);
}

function text(row: CsvRow, i: number): string {
  return decodeRaw({ bytes: rawBytes(row, i), escaped: row.escaped[i] === 1 });
}

function decodeRaw(raw: RawText): string {
  const decoded = Buffer.from(raw.bytes, 'latin1').toString('utf8');
  return raw.escaped ? decoded.replaceAll('""', '"') : decoded;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
