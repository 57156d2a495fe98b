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
import { billingIdProblem, displayNameProblem, subaccountIdProblem } from '../domain/identifiers';
import type { Currency, UsageAggregate } from '../domain/model';
import type { AccountDayBatch } from '../ports/store';
import type { MoneyCell } from './cell-parsers';
import type { CsvRow } from './csv-row-scanner';
import { ExactSum } from './exact-sum';
import { groupKey, type PartialGroup } from './spill-runs';
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
  account: RawText;
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
  /** Last non-empty display names (shared between groups through the table), and their lines. */
  serviceName: RawText | null;
  skuName: RawText | null;
  serviceNameLine: number;
  skuNameLine: number;
  rows: number;
  cost: ExactSum;
  credit: ExactSum;
  /** The first line of the group (names it when its sum overflows). */
  firstLine: number;
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

/** Decimal(22,9): |nanos| < 10^22. */
const MONEY_LIMIT = 10n ** 22n;

function utf8Problem(text: RawText, column: string): AddProblem | null {
  return text.utf8 ? null : { column, reason: `${column} is not valid UTF-8 (ids that differ only in invalid bytes would merge)` };
}

/**
 * Ids are checked once per distinct group, where they are first seen: valid UTF-8, and the
 * identifier rules every edge shares (no blanks, padding, control characters or huge values).
 */
function idProblem(text: RawText, column: string, check: (v: string) => string | null): AddProblem | null {
  if (text.verdict?.column === column) return text.verdict.problem;
  const encoding = utf8Problem(text, column);
  const reason = encoding === null ? check(text.text) : null;
  const problem = encoding ?? (reason === null ? null : { column, reason });
  text.verdict = { column, problem };
  return problem;
}

export class UsageAggregator {
  private readonly byHash = new Map<number, Group>();
  private readonly accountDays = new Map<string, AccountDay>();
  /** How many groups are held: the parser spills them to a run when there are too many. */
  groups = 0;

  get accountDayCount(): number {
    return this.accountDays.size;
  }

  /** `texts` may be shared by the aggregators of one file (each run's), so ids are decoded once. */
  constructor(
    private readonly cols: KeyColumns,
    private readonly texts = new RawTextTable(),
  ) {}

  /**
   * Folds a valid row into its group. Returns null, or the row's account-day when it already
   * holds another currency (the row is then not folded; the caller reports it, I2).
   */
  add(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell): AddProblem | null {
    const { buf, starts, ends } = row;
    const c = this.cols;
    const a0 = starts[c.account]!,
      a1 = ends[c.account]!;
    const d0 = starts[c.day]!,
      d1 = ends[c.day]!;
    const s0 = starts[c.service]!,
      s1 = ends[c.service]!;
    const k0 = starts[c.sku]!,
      k1 = ends[c.sku]!;
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
        a1 - a0 === ad.accountRaw.length &&
        d1 - d0 === ad.day.length &&
        s1 - s0 === service.length &&
        k1 - k0 === sku.length &&
        sameBytes(buf, s0, s1, service, 0) &&
        sameBytes(buf, k0, k1, sku, 0) &&
        sameBytes(buf, d0, d1, ad.day, 0) &&
        sameBytes(buf, a0, a1, ad.accountRaw, 0)
      )
        break;
      group = group.next;
    }
    if (group === null) {
      const accountDay = this.accountDayOf(row, currency, version);
      if (accountDay.currency !== currency) return currencyProblem(accountDay, currency);
      const account = idProblem(accountDay.account, 'billing_account_id', subaccountIdProblem);
      if (account !== null) return account;
      group = this.newGroup(row, h, accountDay);
      const ids =
        idProblem(group.service, 'service_id', (v) => billingIdProblem(v, 'service_id')) ??
        idProblem(group.sku, 'sku_id', (v) => billingIdProblem(v, 'sku_id'));
      if (ids !== null) return ids;
    }

    const accountDay = group.accountDay;
    if (accountDay.currency !== currency) return currencyProblem(accountDay, currency);
    if (version > accountDay.version) accountDay.version = version;
    group.rows++;
    group.cost.add(cost.units, cost.nanos);
    group.credit.add(credit.units, credit.nanos);
    // Display names only (R4 matches on ids): the last non-empty one wins.
    if (c.serviceName >= 0) {
      if (row.starts[c.serviceName] !== row.ends[c.serviceName]) group.serviceNameLine = row.line;
      const name = this.lastName(row, c.serviceName, group.serviceName);
      if (name !== group.serviceName && name !== null) {
        const problem = nameProblem(name, 'service_name');
        if (problem !== null) return problem;
      }
      group.serviceName = name;
    }
    if (c.skuName >= 0) {
      if (row.starts[c.skuName] !== row.ends[c.skuName]) group.skuNameLine = row.line;
      const name = this.lastName(row, c.skuName, group.skuName);
      if (name !== group.skuName && name !== null) {
        const problem = nameProblem(name, 'sku_name');
        if (problem !== null) return problem;
      }
      group.skuName = name;
    }
    return null;
  }

  /**
   * Batches sorted by (accountId, day), rows by (serviceId, skuId, currency): deterministic
   * output; and the groups whose sums do not fit Decimal(22,9).
   */
  finish(): { batches: AccountDayBatch[]; overflows: GroupOverflow[] } {
    // Each group is dropped once converted, so the aggregation and the result do not both peak.
    this.byHash.clear();
    const batches: AccountDayBatch[] = [];
    const overflows: GroupOverflow[] = [];
    const check = (g: Group, ad: AccountDay, column: 'cost' | 'credit', value: bigint) => {
      if (value >= MONEY_LIMIT || value <= -MONEY_LIMIT) {
        overflows.push({ line: g.firstLine, column, accountId: ad.accountId, day: ad.day, serviceId: g.service.text, skuId: g.sku.text });
      }
      return value;
    };
    for (const ad of this.accountDays.values()) {
      const rows: UsageAggregate[] = ad.groups.map((g) => ({
        accountId: ad.accountId,
        day: ad.day,
        serviceId: g.service.text,
        skuId: g.sku.text,
        currency: ad.currency,
        cost: check(g, ad, 'cost', g.cost.toNanos()),
        credit: check(g, ad, 'credit', g.credit.toNanos()),
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
    overflows.sort((a, b) => a.line - b.line);
    return { batches, overflows };
  }

  /**
   * The groups held, as partials of a run: sorted by (account, day, service, sku), sums exact in
   * nano-units, not checked against Decimal(22,9) (only a merged sum must fit). Meant for a spill:
   * the aggregator is not used afterwards.
   */
  *partials(): Generator<PartialGroup> {
    this.byHash.clear();
    const accountDays = [...this.accountDays.values()].sort((a, b) => compare(a.accountId, b.accountId) || compare(a.day, b.day));
    this.accountDays.clear();
    for (const ad of accountDays) {
      ad.groups.sort((a, b) => compare(a.service.text, b.service.text) || compare(a.sku.text, b.sku.text));
      for (const g of ad.groups) {
        yield {
          key: groupKey(ad.accountId, ad.day, g.service.text, g.sku.text),
          accountId: ad.accountId,
          day: ad.day,
          serviceId: g.service.text,
          skuId: g.sku.text,
          currency: ad.currency,
          version: ad.version,
          accountDayLine: ad.firstLine,
          firstLine: g.firstLine,
          rows: g.rows,
          cost: g.cost.toNanos(),
          credit: g.credit.toNanos(),
          serviceName: g.serviceName?.text ?? '',
          serviceNameLine: g.serviceNameLine,
          skuName: g.skuName?.text ?? '',
          skuNameLine: g.skuNameLine,
        };
      }
      ad.groups = [];
    }
  }

  private accountDayOf(row: CsvRow, currency: Currency, version: number): AccountDay {
    const c = this.cols;
    const accountRaw = rawCell(row, c.account);
    const day = rawCell(row, c.day);
    // The day is a validated YYYY-MM-DD of fixed length, so account + day is unambiguous.
    const key = accountRaw + day;
    let found = this.accountDays.get(key);
    if (found === undefined) {
      const account = this.texts.of(row, c.account);
      found = { accountRaw, accountId: account.text, account, day, currency, version, firstLine: row.line, groups: [] };
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
      serviceNameLine: 0,
      skuNameLine: 0,
      rows: 0,
      cost: new ExactSum(),
      credit: new ExactSum(),
      firstLine: row.line,
    };
    this.byHash.set(hash, group);
    accountDay.groups.push(group);
    this.groups++;
    return group;
  }

  /** Keeps the stored name unless the row has a different non-empty one (compared as bytes). */
  private lastName(row: CsvRow, i: number, current: RawText | null): RawText | null {
    if (row.starts[i] === row.ends[i]) return current;
    if (current !== null && cellEquals(row, i, current)) return current;
    return this.texts.of(row, i);
  }
}

/** I2: one account-day in two currencies cannot be stored as one replacement unit. */
function currencyProblem(ad: AccountDay, currency: Currency): AddProblem {
  return {
    column: 'currency',
    reason: `account-day ${ad.accountId} ${ad.day} is in ${ad.currency} (line ${ad.firstLine}); a second currency ${currency} is not allowed`,
  };
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
