/**
 * zod schemas of the stored rows. Every row read back is validated before it becomes a domain
 * record, and every row is checked with the same schema before it is written, so a value the
 * store could not read back (a malformed day, money outside Decimal(22,9)) never lands on disk.
 */
import { z } from 'zod';
import { isDay, isQuarter } from '../../domain/calendar';
import { formatMoney, MONEY_STRING_RE, parseMoney, type Nanos } from '../../domain/money';
import { CURRENCIES, type UsageAggregate } from '../../domain/model';
import { describeZodIssues } from '../../domain/zod-issues';
import { StoreError } from '../../ports/store';
import { readEndedAudit } from '../../ports/store-rules';

const text = z.string().min(1);
const day = z.string().refine(isDay, 'expected a calendar day YYYY-MM-DD');
const quarter = z.string().refine(isQuarter, 'expected a quarter YYYY-Qn');
const count = z.number().int().nonnegative();
const money = z
  .string()
  .regex(MONEY_STRING_RE, 'expected an exact decimal string within Decimal(22,9) (≤ 13 integer, ≤ 9 fraction digits)')
  .transform((value): Nanos => parseMoney(value));
const currency = z.enum(CURRENCIES);
/** Decimal(22,9): |nanos| < 10^22. */
const MONEY_LIMIT = 10n ** 22n;

/** Money goes to disk as the shortest exact decimal string ('12.5', '-0.000000001', '0'). */
export function moneyText(value: Nanos): string {
  return formatMoney(value, 0);
}

const auditColumns = {
  created_actor: text,
  created_at: text,
  created_note: z.string(),
  ended_actor: text.nullable(),
  ended_at: text.nullable(),
  ended_note: z.string().nullable(),
};

export const linkRow = z
  .object({ id: text, partner_id: text, subaccount_id: text, from_day: day, to_day: day.nullable(), ...auditColumns })
  .transform((r) => ({
    id: r.id,
    partnerId: r.partner_id,
    subaccountId: r.subaccount_id,
    from: r.from_day,
    to: r.to_day,
    created: { actor: r.created_actor, at: r.created_at, note: r.created_note },
    // store-rules: all three ended_* or none; half an audit record is corruption (CORRUPT_ROW).
    ended: readEndedAudit('subaccount_links', r.id, r.ended_actor, r.ended_at, r.ended_note),
  }));

export const specializationRow = z
  .object({ id: text, partner_id: text, specialization: text, from_day: day, to_day: day.nullable(), ...auditColumns })
  .transform((r) => ({
    id: r.id,
    partnerId: r.partner_id,
    specialization: r.specialization,
    from: r.from_day,
    to: r.to_day,
    created: { actor: r.created_actor, at: r.created_at, note: r.created_note },
    ended: readEndedAudit('specialization_periods', r.id, r.ended_actor, r.ended_at, r.ended_note),
  }));

/**
 * One line of an account-day's content (`accountDayContent`): an aggregate as
 * [service_id, sku_id, currency, cost, credit, rows, service_name, sku_name], money as exact
 * integer nano-units in a string, within Decimal(22,9).
 */
const nanos = z
  .string()
  .regex(/^-?\d{1,22}$/, 'expected exact integer nano-units')
  .transform((value): Nanos => BigInt(value))
  .refine((value) => value < MONEY_LIMIT && value > -MONEY_LIMIT, 'expected a sum within Decimal(22,9)');
export const contentLine = z.tuple([text, text, currency, nanos, nanos, count, z.string(), z.string()]);

/** An account-day read for a scan: its key and its content (one aggregate per line). */
export const accountDayContentRow = z.object({ day, account_id: text, content: z.string() });

export const versionRow = z
  .object({ account_id: text, day, version: count, source_key: text, applied_at: text })
  .transform((r) => ({ accountId: r.account_id, day: r.day, version: r.version, sourceKey: r.source_key }));

/** An account-day's stored version as an apply compares it: with its apply and digest (32 bytes, shown as hex). */
export const heldRow = z
  .object({
    account_id: text,
    day,
    version: count,
    apply_id: count,
    digest: z
      .instanceof(Uint8Array)
      .refine((d) => d.length === 32, 'expected a 32-byte SHA-256 digest')
      .nullable(),
  })
  .transform((r) => ({
    accountId: r.account_id,
    day: r.day,
    version: r.version,
    applyId: r.apply_id,
    digest: r.digest === null ? null : Buffer.from(r.digest).toString('hex'),
  }));

export const ingestRow = z
  .object({
    id: text,
    object_key: text,
    etag: z.string().nullable(),
    version: count.nullable(),
    rows: count,
    account_days_applied: count,
    account_days_stale: count,
    status: z.enum(['applied', 'rejected', 'stale']),
    reason: z.string().nullable(),
    started_at: text,
    finished_at: text,
  })
  .transform((r) => ({
    id: r.id,
    objectKey: r.object_key,
    etag: r.etag,
    version: r.version,
    rows: r.rows,
    accountDaysApplied: r.account_days_applied,
    accountDaysStale: r.account_days_stale,
    status: r.status,
    reason: r.reason,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  }));

export const ledgerRow = z
  .object({
    id: text,
    partner_id: text,
    quarter,
    specialization: text,
    currency,
    seq: z.number().int().positive(),
    amount: money,
    kind: z.enum(['accrual', 'adjustment', 'withdrawal']),
    run_id: text,
    created_at: text,
    actor: text,
    note: z.string(),
  })
  .transform((r) => ({
    id: r.id,
    partnerId: r.partner_id,
    quarter: r.quarter,
    specialization: r.specialization,
    currency: r.currency,
    seq: r.seq,
    amount: r.amount,
    kind: r.kind,
    runId: r.run_id,
    createdAt: r.created_at,
    actor: r.actor,
    note: r.note,
  }));

const rulesVersions = z
  .string()
  .transform((value, ctx): unknown => {
    try {
      return JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(day));

export const runRow = z
  .object({
    run_id: text,
    quarter,
    dry_run: z.union([z.literal(0), z.literal(1)]),
    rules_versions: rulesVersions,
    rules_digest: z.string(),
    started_at: text,
    actor: text,
    note: z.string(),
    entries: count,
  })
  .transform((r) => ({
    runId: r.run_id,
    quarter: r.quarter,
    dryRun: r.dry_run === 1,
    rulesVersions: r.rules_versions,
    rulesDigest: r.rules_digest,
    startedAt: r.started_at,
    actor: r.actor,
    note: r.note,
    entries: r.entries,
  }));

function describeKey(raw: unknown, keyColumns: readonly string[]): string {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  return `(${keyColumns.map((column) => `${column}=${JSON.stringify(record[column] ?? null)}`).join(', ')})`;
}

/**
 * The usage aggregates of one account_days row read back: the row's key and every content line
 * validated; a bad one is corruption, named by table, key and line.
 */
export function* decodeContent(raw: unknown): Generator<UsageAggregate> {
  const row = decodeRow(accountDayContentRow, 'account_days', ['day', 'account_id'], raw);
  const { day, account_id: accountId, content } = row;
  let start = 0;
  for (let line = 1; start < content.length; line++) {
    const end = content.indexOf('\n', start);
    const text = content.slice(start, end === -1 ? content.length : end);
    start = end === -1 ? content.length : end + 1;
    const fields = contentFields(text);
    const result = contentLine.safeParse(fields);
    if (!result.success)
      throw new StoreError(
        'CORRUPT_ROW',
        `stored row of account_days ${describeKey(raw, ['day', 'account_id'])} is invalid: content line ${line}: ${fields === undefined ? 'not JSON' : describeZodIssues(result.error).join('; ')}`,
        { cause: result.error },
      );
    const [serviceId, skuId, currency, cost, credit, rows, serviceName, skuName] = result.data;
    yield { accountId, day, serviceId, skuId, currency, cost, credit, serviceName, skuName, rows };
  }
}

/** An escape or a raw control character: for JSON.parse to read, or to reject. */
const NEEDS_JSON_PARSE = /[\\\u0000-\u001f]/;

/**
 * A content line's JSON array, undefined when it is not JSON. Lines are our own
 * (`accountDayContent`): strings without escapes and one bare number, read here without
 * JSON.parse (which costs twice the time and, over a quarter's scan, tens of MB of garbage);
 * anything else — an escape, another shape — is left to JSON.parse.
 */
export function contentFields(text: string): unknown {
  const fields: unknown[] = [];
  if (text.charCodeAt(0) === 91 /* [ */ && !NEEDS_JSON_PARSE.test(text)) {
    let i = 1;
    while (i < text.length) {
      if (text.charCodeAt(i) === 34 /* " */) {
        const close = text.indexOf('"', i + 1);
        if (close === -1) break;
        fields.push(text.slice(i + 1, close));
        i = close + 1;
      } else {
        let stop = i;
        while (stop < text.length && text.charCodeAt(stop) !== 44 /* , */ && text.charCodeAt(stop) !== 93 /* ] */) stop++;
        const number = text.slice(i, stop);
        if (!/^(?:0|[1-9]\d*)$/.test(number)) break;
        fields.push(Number(number));
        i = stop;
      }
      const next = text.charCodeAt(i);
      if (next === 93 /* ] */ && i === text.length - 1) return fields;
      if (next !== 44 /* , */) break;
      i++;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Validates a row read from `table`; a bad row is corruption and names the table and key. */
export function decodeRow<T>(schema: z.ZodType<T>, table: string, keyColumns: readonly string[], raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new StoreError(
    'CORRUPT_ROW',
    `stored row of ${table} ${describeKey(raw, keyColumns)} is invalid: ${describeZodIssues(result.error).join('; ')}`,
    { cause: result.error },
  );
}

/** Checks a row before it is written to `table`, with the schema that will read it back. */
export function checkRow<R>(schema: z.ZodType<unknown>, table: string, keyColumns: readonly string[], row: R): R {
  const result = schema.safeParse(row);
  if (result.success) return row;
  throw new StoreError(
    'INVALID_RECORD',
    `refusing to write ${table} ${describeKey(row, keyColumns)}: ${describeZodIssues(result.error).join('; ')}`,
    { cause: result.error },
  );
}
