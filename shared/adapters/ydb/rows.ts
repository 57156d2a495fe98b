/**
 * Rows read back from YDB, validated with zod before they become domain records. A row that
 * does not fit (a NULL where a value must be, an unknown currency) fails loudly with the table
 * and the reason instead of flowing into the accrual.
 */
import { z } from 'zod';
import { isDay, isQuarter } from '../../domain/calendar';
import {
  CURRENCIES,
  type AccountDayVersion,
  type AccrualRun,
  type Audit,
  type IngestLogEntry,
  type LedgerEntry,
  type SpecializationPeriod,
  type SubaccountLink,
  type UsageAggregate,
} from '../../domain/model';
import { describeZodIssues } from '../../domain/zod-issues';
import { StoreError, type PortalToken } from '../../ports/store';
import { readEndedAudit } from '../../ports/store-rules';
import type { Row } from './values';

const text = z.string();
const day = z.string().refine(isDay, 'expected a day');
const quarter = z.string().refine(isQuarter, 'expected a quarter');
const nanos = z.bigint();
const count = z
  .bigint()
  .refine((v) => v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER), 'count out of range')
  .transform(Number);
const currency = z.enum(CURRENCIES);

const periodRow = z.object({
  id: text,
  partner_id: text,
  from_day: day,
  to_day: day.nullable(),
  created_actor: text,
  created_at: text,
  created_note: text,
  ended_actor: text.nullable(),
  ended_at: text.nullable(),
  ended_note: text.nullable(),
});

/** All three ended_* columns or none (store-rules: half an audit record is corruption). */
function ended(table: string, row: z.infer<typeof periodRow>): Audit | null {
  return readEndedAudit(table, row.id, row.ended_actor, row.ended_at, row.ended_note);
}

const linkRow = periodRow.extend({ subaccount_id: text }).transform(
  (row): SubaccountLink => ({
    id: row.id,
    partnerId: row.partner_id,
    subaccountId: row.subaccount_id,
    from: row.from_day,
    to: row.to_day,
    created: { actor: row.created_actor, at: row.created_at, note: row.created_note },
    ended: ended('subaccount_links', row),
  }),
);

const specializationRow = periodRow.extend({ specialization: text }).transform(
  (row): SpecializationPeriod => ({
    id: row.id,
    partnerId: row.partner_id,
    specialization: row.specialization,
    from: row.from_day,
    to: row.to_day,
    created: { actor: row.created_actor, at: row.created_at, note: row.created_note },
    ended: ended('specialization_periods', row),
  }),
);

const usageRow = z
  .object({
    day,
    account_id: text,
    service_id: text,
    sku_id: text,
    currency,
    cost: nanos,
    credit: nanos,
    service_name: text,
    sku_name: text,
    row_count: count,
  })
  .transform(
    (row): UsageAggregate => ({
      accountId: row.account_id,
      day: row.day,
      serviceId: row.service_id,
      skuId: row.sku_id,
      currency: row.currency,
      cost: row.cost,
      credit: row.credit,
      serviceName: row.service_name,
      skuName: row.sku_name,
      rows: row.row_count,
    }),
  );

const versionRow = z
  .object({ day, account_id: text, version: count, source_key: text })
  .transform((row): AccountDayVersion => ({ accountId: row.account_id, day: row.day, version: row.version, sourceKey: row.source_key }));

const ingestRow = z
  .object({
    object_key: text,
    id: text,
    etag: text.nullable(),
    version: count.nullable(),
    row_count: count,
    account_days_applied: count,
    account_days_stale: count,
    status: z.enum(['applied', 'rejected', 'stale']),
    reason: text.nullable(),
    started_at: text,
    finished_at: text,
  })
  .transform(
    (row): IngestLogEntry => ({
      id: row.id,
      objectKey: row.object_key,
      etag: row.etag,
      version: row.version,
      rows: row.row_count,
      accountDaysApplied: row.account_days_applied,
      accountDaysStale: row.account_days_stale,
      status: row.status,
      reason: row.reason,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    }),
  );

const ledgerRow = z
  .object({
    partner_id: text,
    quarter,
    specialization: text,
    currency,
    seq: count,
    id: text,
    amount: nanos,
    kind: z.enum(['accrual', 'adjustment', 'withdrawal']),
    run_id: text,
    created_at: text,
    actor: text,
    note: text,
  })
  .transform(
    (row): LedgerEntry => ({
      id: row.id,
      partnerId: row.partner_id,
      quarter: row.quarter,
      specialization: row.specialization,
      currency: row.currency,
      seq: row.seq,
      amount: row.amount,
      kind: row.kind,
      runId: row.run_id,
      createdAt: row.created_at,
      actor: row.actor,
      note: row.note,
    }),
  );

const rulesVersions = z.string().transform((value, ctx) => {
  try {
    return z.array(day).parse(JSON.parse(value));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'rules_versions is not a JSON list of days' });
    return z.NEVER;
  }
});

const runRow = z
  .object({
    quarter,
    run_id: text,
    dry_run: z.boolean(),
    rules_versions: rulesVersions,
    rules_digest: text,
    started_at: text,
    actor: text,
    note: text,
    entries: count,
  })
  .transform(
    (row): AccrualRun => ({
      runId: row.run_id,
      quarter: row.quarter,
      dryRun: row.dry_run,
      rulesVersions: row.rules_versions,
      rulesDigest: row.rules_digest,
      startedAt: row.started_at,
      actor: row.actor,
      note: row.note,
      entries: row.entries,
    }),
  );

const tokenRow = z
  .object({
    id: text,
    partner_id: text,
    salt: z.string().regex(/^[0-9a-f]+$/),
    hash: z.string().regex(/^[0-9a-f]+$/),
    created_actor: text,
    created_at: text,
    created_note: text,
    revoked_actor: text.nullable(),
    revoked_at: text.nullable(),
    revoked_note: text.nullable(),
  })
  .transform(
    (row): PortalToken => ({
      id: row.id,
      partnerId: row.partner_id,
      salt: row.salt,
      hash: row.hash,
      created: { actor: row.created_actor, at: row.created_at, note: row.created_note },
      revoked:
        row.revoked_actor === null || row.revoked_at === null
          ? null
          : { actor: row.revoked_actor, at: row.revoked_at, note: row.revoked_note ?? '' },
    }),
  );

function parser<T>(table: string, schema: z.ZodType<T>): (row: Row) => T {
  return (row) => {
    const result = schema.safeParse(row);
    if (!result.success) {
      throw new StoreError(
        'YDB_BAD_ROW',
        `unreadable ${table} row ${JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}: ${describeZodIssues(result.error).join('; ')}`,
      );
    }
    return result.data;
  };
}

export const readLink = parser('subaccount_links', linkRow);
export const readSpecialization = parser('specialization_periods', specializationRow);
export const readUsage = parser('usage_aggregates', usageRow);
export const readVersion = parser('account_day_versions', versionRow);
export const readIngest = parser('ingest_log', ingestRow);
export const readLedgerEntry = parser('ledger_entries', ledgerRow);
export const readRun = parser('accrual_runs', runRow);
export const readToken = parser('portal_tokens', tokenRow);
