/**
 * How an apply ends (usage-apply.ts): after its commit, the cleanup of the generations it replaced;
 * after a failure before its commit, the undo of everything it did. Both read the apply's journal
 * back a page at a time (apply-journal.ts), so neither needs the file's account-days in memory.
 */
import type { ApplyJournal, JournalEntry } from './apply-journal';
import { accountDayKey } from './account-day-key';
import { chunks, cleanupKeys, CLEANUP_CHUNK, groupsByWeight } from './apply-chunks';
import { POINTER_FIELDS } from './pointers';
import {
  DELETE_ACCOUNT_DAY_VERSIONS,
  DELETE_APPLY_IN_PROGRESS,
  DELETE_UNREFERENCED_USAGE,
  DELETE_USAGE_GENERATIONS,
  SELECT_ACCOUNT_DAY_VERSIONS,
  UPSERT_ACCOUNT_DAY_VERSIONS,
} from './queries';
import { withTransaction, type Params, type Tx, type YdbRunner } from './runner';
import { GENERATION_FIELDS, keysParam, lookup, type ApplyState } from './apply-parts';
import { param, structList } from './values';

export function createApplyFinish(
  runner: YdbRunner,
  journal: ApplyJournal,
  { maxTxKeys, lookupChunk, warn }: { maxTxKeys: number; lookupChunk: number; warn: (message: string, cause: unknown) => void },
) {
  /** Runs one best-effort step; a failure is reported and the rest of the cleanup goes on. */
  async function bestEffort(what: string, step: () => Promise<unknown>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (error) {
      warn(what, error);
      return false;
    }
  }

  /** After the commit: deletes every generation no reader can follow of the journal's account-days, then the journal. */
  async function cleanUp(state: ApplyState): Promise<void> {
    if (state.journalRows === 0) return;
    // A first copy of every account-day has nothing to replace: its cleanup would only read its
    // new rows (RUs for nothing). Orphans of an earlier crashed attempt go with the next apply.
    if (state.replaces)
      await bestEffort(
        'could not read the apply journal back; unreferenced rows stay until the next apply of those account-days',
        async () => {
          for await (const entries of journal.read(state.applyId)) {
            const replaced = entries.filter((e) => e.replaces);
            for (const group of groupsByWeight(replaced, (e) => cleanupKeys(e.rows), maxTxKeys, CLEANUP_CHUNK)) {
              await bestEffort(
                `could not delete unreferenced usage rows of ${group.length} account-days; readers never see them, the next apply of those account-days retries`,
                () =>
                  runner.retry((session) =>
                    runner.execute(session, DELETE_UNREFERENCED_USAGE, { $keys: keysParam(group), $apply_id: param.utf8(state.applyId) }),
                  ),
              );
            }
          }
        },
      );
    await bestEffort(`could not delete the journal of apply ${state.applyId}`, () => journal.drop(state.applyId, state.journalRows));
  }

  /** Before the commit, after a failure: puts back every pointer the apply switched and deletes what it wrote. */
  async function undo(state: ApplyState): Promise<void> {
    if (state.journalRows === 0 && !state.registered) return;
    await bestEffort(
      `could not undo the failed apply ${state.applyId} of ${state.sourceKey}: none of it is visible; its account-days stay held (YDB_CONTENDED for other objects) until ${state.sourceKey} is ingested again`,
      async () => {
        for await (const entries of journal.read(state.applyId)) {
          if (state.registered) for (const part of chunks(entries, lookupChunk)) await restorePointers(state.applyId, part);
          const written = entries.filter((e) => e.generation !== null);
          for (const group of groupsByWeight(written, (e) => 1 + e.rows, maxTxKeys, lookupChunk)) {
            const rows = structList(
              GENERATION_FIELDS,
              group.map((e) => ({ ...accountDayKey(e.accountId, e.day), generation: e.generation })),
            );
            await runner.retry((session) => runner.execute(session, DELETE_USAGE_GENERATIONS, { $rows: rows }));
          }
        }
        if (state.registered)
          await runner.retry((session) => runner.execute(session, DELETE_APPLY_IN_PROGRESS, { $apply_id: param.utf8(state.applyId) }));
        await journal.drop(state.applyId, state.journalRows);
      },
    );
  }

  /** Points this apply's pointers among `keys` back at what they replaced, in one transaction. */
  function restorePointers(applyId: string, keys: readonly JournalEntry[]): Promise<void> {
    return runner.retry((session) =>
      withTransaction(runner, session, async (tx: Tx) => {
        const rows = await lookup(
          (text, params) => tx.query(text, params),
          SELECT_ACCOUNT_DAY_VERSIONS,
          { $keys: keysParam(keys) },
          `account-day lookup of ${keys.length} keys`,
        );
        const mine = rows.filter((r) => r['apply_id'] === applyId);
        const restored = mine
          .filter((r) => r['prev_generation'] !== null)
          .map((r) => {
            const back = {
              generation: r['prev_generation'],
              version: r['prev_version'],
              source_key: r['prev_source_key'] ?? '',
              digest: r['prev_digest'] ?? '',
            };
            // Still this apply's until its registration goes: readers follow prev_*, the same content.
            return {
              ...accountDayKey(String(r['account_id']), String(r['day'])),
              ...back,
              apply_id: applyId,
              prev_version: back.version,
              prev_generation: back.generation,
              prev_source_key: back.source_key,
              prev_digest: back.digest,
            };
          });
        const created = mine
          .filter((r) => r['prev_generation'] === null)
          .map((r) => ({ accountId: String(r['account_id']), day: String(r['day']) }));
        const statements: [string, Params][] = [
          ...(restored.length > 0
            ? [[UPSERT_ACCOUNT_DAY_VERSIONS, { $rows: structList(POINTER_FIELDS, restored) }] as [string, Params]]
            : []),
          ...(created.length > 0 ? [[DELETE_ACCOUNT_DAY_VERSIONS, { $keys: keysParam(created) }] as [string, Params]] : []),
        ];
        for (const [i, [text, params]] of statements.entries()) await tx.query(text, params, i === statements.length - 1);
      }),
    );
  }

  return { cleanUp, undo };
}
