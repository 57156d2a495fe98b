/**
 * An apply's journal (table apply_journal): for every chunk it applies, before writing the chunk's
 * rows, the apply records which generation it writes for each account-day and whether the
 * account-day had a pointer before. The apply itself then keeps nothing per account-day across
 * chunks (a file may hold hundreds of thousands), and reads the journal back a page at a time:
 * - after its commit, to delete the generations it replaced (only account-days that had a pointer);
 * - after a failure before its commit, to undo: switch its pointers back and delete its rows.
 * Rows hold at most `keyChunk` account-days each (a JSON array, about 40 KB), so a page of
 * JOURNAL_PAGE rows stays far below YDB's 1000-row and 50 MB result limits.
 */
import { z } from 'zod';
import { StoreError } from '../../ports/store';
import { DELETE_APPLY_JOURNAL, SELECT_APPLY_JOURNAL_PAGE } from './queries';
import type { YdbRunner } from './runner';
import { decodeRows, param, structList, type StructFields } from './values';

export interface JournalEntry {
  accountId: string;
  day: string;
  /** The generation this apply wrote for the account-day (null: none, it lost the compare up front). */
  generation: string | null;
  /** Rows of the new copy (the cleanup's lock estimate). */
  rows: number;
  /** The account-day had a pointer before this apply: the cleanup after the commit visits it. */
  replaces: boolean;
}

const JOURNAL_FIELDS: StructFields = { apply_id: { scalar: 'Utf8' }, seq: { scalar: 'Uint64' }, entries: { scalar: 'Utf8' } };
/** Journal rows per page read back. */
const JOURNAL_PAGE = 10;

const ENTRIES = z.array(z.tuple([z.string(), z.string(), z.string().nullable(), z.number().int().nonnegative(), z.boolean()]));

export interface ApplyJournal {
  /** Records (or re-records, same seq) one journal row; repeat-safe. */
  write(applyId: string, seq: number, entries: readonly JournalEntry[]): Promise<void>;
  /** The apply's journal rows in seq order, one row's entries at a time. */
  read(applyId: string): AsyncGenerator<JournalEntry[], void, undefined>;
  /** Deletes the apply's journal rows 1..rows, at most `maxTxKeys` rows per transaction. */
  drop(applyId: string, rows: number): Promise<void>;
}

export function createApplyJournal(runner: YdbRunner, maxTxKeys: number): ApplyJournal {
  return {
    async write(applyId, seq, entries) {
      const row = {
        apply_id: applyId,
        seq,
        entries: JSON.stringify(entries.map((e) => [e.day, e.accountId, e.generation, e.rows, e.replaces])),
      };
      const typed = structList(JOURNAL_FIELDS, [row]);
      await runner.retry((session) => session.bulkUpsert('apply_journal', typed));
    },

    async *read(applyId) {
      let after = 0;
      for (;;) {
        const params = { $apply_id: param.utf8(applyId), $after_seq: param.uint64(after), $limit: param.uint64(JOURNAL_PAGE) };
        const set = (await runner.retry((session) => runner.execute(session, SELECT_APPLY_JOURNAL_PAGE, params))).resultSets[0];
        const rows = decodeRows(set);
        for (const row of rows) {
          // A sequence number, not money; it drives the paging, so a bad one stops the read here.
          const seq = Number(row['seq']);
          if (!Number.isSafeInteger(seq) || seq <= after)
            throw new StoreError('CORRUPT_ROW', `apply_journal (apply_id=${applyId}): seq ${String(row['seq'])} does not follow ${after}`);
          let parsed: z.infer<typeof ENTRIES>;
          try {
            parsed = ENTRIES.parse(JSON.parse(String(row['entries'])));
          } catch (error) {
            throw new StoreError(
              'CORRUPT_ROW',
              `apply_journal (apply_id=${applyId}, seq=${seq}): entries are not a journal: ${String(error)}`,
              {
                cause: error,
              },
            );
          }
          yield parsed.map(([day, accountId, generation, rowCount, replaces]) => ({
            day,
            accountId,
            generation,
            rows: rowCount,
            replaces,
          }));
          after = seq;
        }
        if (rows.length < JOURNAL_PAGE && !set?.truncated) return;
      }
    },

    async drop(applyId, rows) {
      for (let from = 1; from <= rows; from += maxTxKeys) {
        const params = {
          $apply_id: param.utf8(applyId),
          $from_seq: param.uint64(from),
          $to_seq: param.uint64(Math.min(rows, from + maxTxKeys - 1)),
        };
        await runner.retry((session) => runner.execute(session, DELETE_APPLY_JOURNAL, params));
      }
    },
  };
}
