/**
 * Subaccount links (R3) and specialization periods (R5) with their audit fields (R12).
 * Both tables share one shape (a period with created/ended audits), so one factory serves both.
 */
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import type { Day } from '../../domain/calendar';
import type { Audit, PeriodRecord, SpecializationPeriod, SubaccountLink } from '../../domain/model';
import { StoreError, type ProgramStore } from '../../ports/store';
import { checkPeriodEnd } from '../../ports/store-rules';
import { checkRow, decodeRow, linkRow, specializationRow } from './row-schemas';

interface PeriodTable<T extends PeriodRecord> {
  table: string;
  /** What the period is called in error messages. */
  noun: string;
  /** The column beside partner_id that identifies the period's subject. */
  subjectColumn: 'subaccount_id' | 'specialization';
  subjectOf(record: T): string;
  schema: z.ZodType<T>;
  orderBy: string;
}

function periodTable<T extends PeriodRecord>(db: Database.Database, spec: PeriodTable<T>) {
  const { table, noun, subjectColumn } = spec;
  const insert = db.prepare(
    `INSERT INTO ${table} (id, partner_id, ${subjectColumn}, from_day, to_day, created_actor, created_at, created_note,
       ended_actor, ended_at, ended_note)
     VALUES (@id, @partner_id, @${subjectColumn}, @from_day, @to_day, @created_actor, @created_at, @created_note,
       @ended_actor, @ended_at, @ended_note)`,
  );
  const columns = `id, partner_id, ${subjectColumn}, from_day, to_day, created_actor, created_at, created_note,
       ended_actor, ended_at, ended_note`;
  const byId = db.prepare(`SELECT ${columns} FROM ${table} WHERE id = ?`);
  const list = db.prepare(
    `SELECT ${columns}
     FROM ${table}
     WHERE (@partner IS NULL OR partner_id = @partner) AND (@subject IS NULL OR ${subjectColumn} = @subject)
     ORDER BY ${spec.orderBy}`,
  );
  const end = db.prepare(
    `UPDATE ${table} SET to_day = @to_day, ended_actor = @actor, ended_at = @at, ended_note = @note
     WHERE id = @id`,
  );

  const insertRecord = db.transaction((record: T) => {
    if (byId.get(record.id) !== undefined) {
      throw new StoreError('ALREADY_EXISTS', `${noun} ${record.id} already exists in ${table}`);
    }
    const row = {
      id: record.id,
      partner_id: record.partnerId,
      [subjectColumn]: spec.subjectOf(record),
      from_day: record.from,
      to_day: record.to,
      created_actor: record.created.actor,
      created_at: record.created.at,
      created_note: record.created.note,
      ended_actor: record.ended?.actor ?? null,
      ended_at: record.ended?.at ?? null,
      ended_note: record.ended?.note ?? null,
    };
    checkRow(spec.schema, table, ['id'], row);
    insert.run(row);
  });

  // Nested in one transaction: the first failing record rolls back the ones before it.
  const insertRecords = db.transaction((records: readonly T[]) => {
    for (const record of records) insertRecord(record);
  });

  const endRecord = db.transaction((id: string, to: Day, ended: Audit) => {
    const current = byId.get(id) as Record<string, unknown> | undefined;
    if (current === undefined) throw new StoreError('NOT_FOUND', `${noun} ${id} not found in ${table}`);
    // A period may only end earlier than it does now (an ended one too: a correction, issue 8);
    // the caller keeps the earlier end's audit in the new note (R12).
    const state = decodeRow(spec.schema, table, ['id'], current);
    checkPeriodEnd(noun, id, state, to);
    // The updated row goes through the read schema first, so what is written can be read back.
    checkRow(spec.schema, table, ['id'], { ...current, to_day: to, ended_actor: ended.actor, ended_at: ended.at, ended_note: ended.note });
    end.run({ id, to_day: to, actor: ended.actor, at: ended.at, note: ended.note });
  });

  return {
    async list(partner: string | undefined, subject: string | undefined): Promise<T[]> {
      return list.all({ partner: partner ?? null, subject: subject ?? null }).map((raw) => decodeRow(spec.schema, table, ['id'], raw));
    },
    async insert(record: T) {
      insertRecord.immediate(record);
    },
    async insertAll(records: readonly T[]) {
      insertRecords.immediate(records);
    },
    async end(id: string, to: Day, ended: Audit) {
      endRecord.immediate(id, to, ended);
    },
  };
}

export function createSqliteProgramStore(db: Database.Database): ProgramStore {
  const links = periodTable<SubaccountLink>(db, {
    table: 'subaccount_links',
    noun: 'link',
    subjectColumn: 'subaccount_id',
    subjectOf: (link) => link.subaccountId,
    schema: linkRow,
    orderBy: 'subaccount_id, from_day, id',
  });
  const specializations = periodTable<SpecializationPeriod>(db, {
    table: 'specialization_periods',
    noun: 'specialization period',
    subjectColumn: 'specialization',
    subjectOf: (period) => period.specialization,
    schema: specializationRow,
    orderBy: 'partner_id, from_day, specialization, id',
  });
  return {
    listLinks: (filter) => links.list(filter?.partnerId, filter?.subaccountId),
    insertLink: (link) => links.insert(link),
    insertLinks: (batch) => links.insertAll(batch),
    endLink: (id, to, ended) => links.end(id, to, ended),
    listSpecializations: (filter) => specializations.list(filter?.partnerId, filter?.specialization),
    insertSpecialization: (period) => specializations.insert(period),
    endSpecialization: (id, to, ended) => specializations.end(id, to, ended),
  };
}
