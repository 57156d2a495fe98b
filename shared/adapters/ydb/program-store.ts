/**
 * Subaccount links (R3) and specialization periods (R5) with their audit fields (R12). Both
 * tables share one shape, so one factory serves both. Same semantics as the SQLite adapter:
 * ALREADY_EXISTS on a taken id, NOT_FOUND / ALREADY_ENDED when ending.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Day } from '../../domain/calendar';
import type { Audit, PeriodRecord, SpecializationPeriod, SubaccountLink } from '../../domain/model';
import { StoreError, type ProgramStore } from '../../ports/store';
import { checkPeriodEnd } from '../../ports/store-rules';
import {
  END_LINK,
  END_SPECIALIZATION,
  INSERT_LINK,
  INSERT_SPECIALIZATION,
  LIST_LINKS_BY_PARTNER_PAGE,
  LIST_LINKS_BY_SUBACCOUNT_PAGE,
  LIST_LINKS_PAGE,
  LIST_SPECIALIZATIONS_BY_PARTNER_PAGE,
  LIST_SPECIALIZATIONS_BY_SPECIALIZATION_PAGE,
  LIST_SPECIALIZATIONS_PAGE,
  SELECT_LINK,
  SELECT_SPECIALIZATION,
} from './queries';
import { readLink, readSpecialization } from './rows';
import { withTransaction, ydbFailure, ydbStatus, type Params, type YdbRunner } from './runner';
import { StatusCode } from './sdk';
import { decodeRows, param, structList, type Row, type StructFields } from './values';

interface PeriodTable<T extends PeriodRecord> {
  noun: string;
  subjectColumn: 'subaccount_id' | 'specialization';
  subjectOf(record: T): string;
  read(row: Row): T;
  /** One listing query per access path: all rows, by partner (index), by subject (index). */
  queries: { insert: string; select: string; end: string; list: string; byPartner: string; bySubject: string };
  /** The order the port promises (same as SQLite). */
  compare(a: T, b: T): number;
}

const byText = (...pairs: [string, string][]): number => {
  for (const [a, b] of pairs) if (a !== b) return a < b ? -1 : 1;
  return 0;
};

function periodTable<T extends PeriodRecord>(runner: YdbRunner, spec: PeriodTable<T>) {
  const fields: StructFields = {
    id: { scalar: 'Utf8' },
    partner_id: { scalar: 'Utf8' },
    [spec.subjectColumn]: { scalar: 'Utf8' },
    from_day: { scalar: 'Date' },
    to_day: { scalar: 'Date', optional: true },
    created_actor: { scalar: 'Utf8' },
    created_at: { scalar: 'Utf8' },
    created_note: { scalar: 'Utf8' },
    ended_actor: { scalar: 'Utf8', optional: true },
    ended_at: { scalar: 'Utf8', optional: true },
    ended_note: { scalar: 'Utf8', optional: true },
  };
  const toRow = (record: T) => ({
    id: record.id,
    partner_id: record.partnerId,
    [spec.subjectColumn]: spec.subjectOf(record),
    from_day: record.from,
    to_day: record.to,
    created_actor: record.created.actor,
    created_at: record.created.at,
    created_note: record.created.note,
    ended_actor: record.ended?.actor ?? null,
    ended_at: record.ended?.at ?? null,
    ended_note: record.ended?.note ?? null,
  });
  const alreadyExists = (id: string) => new StoreError('ALREADY_EXISTS', `${spec.noun} ${id} already exists`);

  return {
    async insert(record: T): Promise<void> {
      const rows = structList(fields, [toRow(record)]);
      let attempt = 0;
      try {
        await runner.retry((session) =>
          withTransaction(runner, session, async (tx) => {
            attempt += 1;
            const found = decodeRows((await tx.query(spec.queries.select, { $id: param.utf8(record.id) })).resultSets[0]).map(spec.read);
            // A retry after a commit whose answer was lost finds its own row: that is success.
            if (found[0] !== undefined) {
              if (attempt > 1 && isDeepStrictEqual(found[0], record)) return;
              throw alreadyExists(record.id);
            }
            await tx.query(spec.queries.insert, { $rows: rows }, true);
          }),
        );
      } catch (error) {
        if (ydbStatus(error) === StatusCode.PRECONDITION_FAILED) throw alreadyExists(record.id);
        throw ydbFailure(`insert ${spec.noun} ${record.id}`, error);
      }
    },

    /** All records in one transaction: one INSERT of the whole list after checking every id. */
    async insertAll(records: readonly T[]): Promise<void> {
      if (records.length === 0) return;
      const ids = new Set<string>();
      for (const r of records) {
        if (ids.has(r.id)) throw alreadyExists(r.id);
        ids.add(r.id);
      }
      const rows = structList(fields, records.map(toRow));
      let attempt = 0;
      try {
        await runner.retry((session) =>
          withTransaction(runner, session, async (tx) => {
            attempt += 1;
            let ownRows = 0;
            for (const record of records) {
              const [found] = decodeRows((await tx.query(spec.queries.select, { $id: param.utf8(record.id) })).resultSets[0]).map(
                spec.read,
              );
              if (found === undefined) continue;
              // A retry after a commit whose answer was lost finds all its own rows: that is success.
              if (attempt > 1 && isDeepStrictEqual(found, record)) ownRows += 1;
              else throw alreadyExists(record.id);
            }
            if (ownRows === records.length) return;
            await tx.query(spec.queries.insert, { $rows: rows }, true);
          }),
        );
      } catch (error) {
        if (ydbStatus(error) === StatusCode.PRECONDITION_FAILED)
          throw new StoreError('ALREADY_EXISTS', `a ${spec.noun} of the batch already exists; nothing was inserted`);
        throw ydbFailure(`insert ${records.length} ${spec.noun}(s)`, error);
      }
    },

    async end(id: string, to: Day, ended: Audit): Promise<void> {
      let attempt = 0;
      try {
        await runner.retry((session) =>
          withTransaction(runner, session, async (tx) => {
            attempt += 1;
            const [current] = decodeRows((await tx.query(spec.queries.select, { $id: param.utf8(id) })).resultSets[0]).map(spec.read);
            if (current === undefined) throw new StoreError('NOT_FOUND', `${spec.noun} ${id} not found`);
            // A retry after a lost commit finds exactly what it wrote.
            if (attempt > 1 && current.to === to && isDeepStrictEqual(current.ended, ended)) return;
            // A period may only end earlier than it does now (an ended one too: a correction, issue 8).
            checkPeriodEnd(spec.noun, id, current, to);
            await tx.query(
              spec.queries.end,
              {
                $id: param.utf8(id),
                $to_day: param.date(to),
                $ended_actor: param.utf8(ended.actor),
                $ended_at: param.utf8(ended.at),
                $ended_note: param.utf8(ended.note),
              },
              true,
            );
          }),
        );
      } catch (error) {
        throw ydbFailure(`end ${spec.noun} ${id}`, error);
      }
    },

    async list(partnerId: string | undefined, subject: string | undefined): Promise<T[]> {
      // The access path: the subject index when a subject is given (the partner, if also given,
      // filters that subject's few rows), else the partner index, else the table by id.
      const [text, params]: [string, Params] =
        subject !== undefined
          ? [spec.queries.bySubject, { [`$${spec.subjectColumn}`]: param.utf8(subject) }]
          : partnerId !== undefined
            ? [spec.queries.byPartner, { $partner_id: param.utf8(partnerId) }]
            : [spec.queries.list, {}];
      try {
        const rows = await runner.readAll(
          { text, params, cursor: (last) => ({ $after_id: param.utf8(last === undefined ? '' : String(last['id'])) }) },
          spec.read,
        );
        return rows.filter((r) => partnerId === undefined || r.partnerId === partnerId).sort(spec.compare);
      } catch (error) {
        throw ydbFailure(`list ${spec.noun}s`, error);
      }
    },
  };
}

export function createYdbProgramStore(runner: YdbRunner): ProgramStore {
  const links = periodTable<SubaccountLink>(runner, {
    noun: 'link',
    subjectColumn: 'subaccount_id',
    subjectOf: (link) => link.subaccountId,
    read: readLink,
    queries: {
      insert: INSERT_LINK,
      select: SELECT_LINK,
      end: END_LINK,
      list: LIST_LINKS_PAGE,
      byPartner: LIST_LINKS_BY_PARTNER_PAGE,
      bySubject: LIST_LINKS_BY_SUBACCOUNT_PAGE,
    },
    compare: (a, b) => byText([a.subaccountId, b.subaccountId], [a.from, b.from], [a.id, b.id]),
  });
  const periods = periodTable<SpecializationPeriod>(runner, {
    noun: 'specialization period',
    subjectColumn: 'specialization',
    subjectOf: (period) => period.specialization,
    read: readSpecialization,
    queries: {
      insert: INSERT_SPECIALIZATION,
      select: SELECT_SPECIALIZATION,
      end: END_SPECIALIZATION,
      list: LIST_SPECIALIZATIONS_PAGE,
      byPartner: LIST_SPECIALIZATIONS_BY_PARTNER_PAGE,
      bySubject: LIST_SPECIALIZATIONS_BY_SPECIALIZATION_PAGE,
    },
    compare: (a, b) => byText([a.partnerId, b.partnerId], [a.from, b.from], [a.specialization, b.specialization], [a.id, b.id]),
  });
  return {
    listLinks: (filter) => links.list(filter?.partnerId, filter?.subaccountId),
    insertLink: (link) => links.insert(link),
    insertLinks: (batch) => links.insertAll(batch),
    endLink: (id, to, ended) => links.end(id, to, ended),
    listSpecializations: (filter) => periods.list(filter?.partnerId, filter?.specialization),
    insertSpecialization: (period) => periods.insert(period),
    endSpecialization: (id, to, ended) => periods.end(id, to, ended),
  };
}
