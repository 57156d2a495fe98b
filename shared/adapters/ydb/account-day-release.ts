/**
 * Operator recovery (I1, see the port): sets the stored version of the given account-days to 0 in
 * one transaction; the generation readers follow stays, so they see the same data until the next
 * file, which then replaces it whatever its version. Refused while an apply of one of them is in
 * progress (YDB_CONTENDED).
 */
import { randomUUID } from 'node:crypto';
import type { AccountDayVersion } from '../../domain/model';
import { StoreError } from '../../ports/store';
import { ACCOUNT_DAY_KEY, accountDayKey } from './account-day-key';
import { chunks } from './apply-chunks';
import { effectivePointer, POINTER_FIELDS } from './pointers';
import { SELECT_ACCOUNT_DAY_VERSIONS, SELECT_APPLIES_IN_PROGRESS, UPSERT_ACCOUNT_DAY_VERSIONS } from './queries';
import { withTransaction, type Tx, type YdbRunner } from './runner';
import type { YdbUsageOptions } from './usage-apply';
import { decodeRows, structList } from './values';

export function createAccountDayReleaser(runner: YdbRunner, options: YdbUsageOptions = {}) {
  const keyChunk = options.keyChunk ?? 500;
  return function release(keys: readonly { accountId: string; day: string }[], sourceKey: string): Promise<AccountDayVersion[]> {
    return runner.retry((session) =>
      withTransaction(runner, session, async (tx: Tx) => {
        const pendingRows = decodeRows((await tx.query(SELECT_APPLIES_IN_PROGRESS, {})).resultSets[0]);
        const pending = new Set(pendingRows.map((r) => String(r['apply_id'])));
        const found: AccountDayVersion[] = [];
        const pointers: Record<string, unknown>[] = [];
        const releaseId = `release-${randomUUID()}`;
        for (const chunk of chunks(keys, keyChunk)) {
          const result = (
            await tx.query(SELECT_ACCOUNT_DAY_VERSIONS, {
              $keys: structList(
                ACCOUNT_DAY_KEY,
                chunk.map((k) => accountDayKey(k.accountId, k.day)),
              ),
            })
          ).resultSets[0];
          if (result?.truncated) throw new StoreError('YDB_TRUNCATED', `account-day lookup of ${chunk.length} keys came back truncated`);
          for (const row of decodeRows(result)) {
            const applyId = row['apply_id'];
            if (typeof applyId === 'string' && pending.has(applyId))
              throw new StoreError(
                'YDB_CONTENDED',
                `account-day ${String(row['account_id'])}/${String(row['day'])} is being replaced by an ingest that has not finished; release it after that ingest`,
              );
            const effective = effectivePointer(row, pending);
            if (effective === undefined) continue;
            found.push({ accountId: String(row['account_id']), day: String(row['day']), version: effective.version, sourceKey: '' });
            pointers.push({
              ...accountDayKey(String(row['account_id']), String(row['day'])),
              generation: effective.generation,
              version: 0,
              source_key: sourceKey,
              digest: '',
              apply_id: releaseId,
              prev_version: null,
              prev_generation: null,
              prev_source_key: null,
              prev_digest: null,
            });
          }
        }
        const parts = chunks(pointers, keyChunk);
        for (const [i, part] of parts.entries())
          await tx.query(UPSERT_ACCOUNT_DAY_VERSIONS, { $rows: structList(POINTER_FIELDS, part) }, i === parts.length - 1);
        return found;
      }),
    );
  };
}
