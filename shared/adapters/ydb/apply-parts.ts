/** What usage-apply.ts and apply-finish.ts share: the apply's state, key parameters and lookups. */
import type { Ydb } from 'ydb-sdk-proto';
import { StoreError } from '../../ports/store';
import { ACCOUNT_DAY_KEY, accountDayKey } from './account-day-key';
import type { Params } from './runner';
import { decodeRows, structList, type Row, type StructFields } from './values';

export const GENERATION_FIELDS: StructFields = { ...ACCOUNT_DAY_KEY, generation: { scalar: 'Utf8' } };

export type Query = (text: string, params: Params) => Promise<Ydb.Table.ExecuteQueryResult>;

/** What one apply keeps across its chunks: a few scalars, nothing per account-day. */
export interface ApplyState {
  applyId: string;
  sourceKey: string;
  registered: boolean;
  /** Journal rows written so far (the next one's seq is this + 1). */
  journalRows: number;
  /** Some account-day had a pointer before: the cleanup has something to visit. */
  replaces: boolean;
}

/** Rows of a lookup; YDB truncates past 1000, which a chunk of ≤ keyChunk keys never reaches. */
export async function lookup(query: Query, text: string, params: Params, what: string): Promise<Row[]> {
  const set = (await query(text, params)).resultSets[0];
  if (set?.truncated) throw new StoreError('YDB_TRUNCATED', `${what} came back truncated`);
  return decodeRows(set);
}

/** The `$keys` parameter of a list of account-days. */
export const keysParam = (keys: readonly { accountId: string; day: string }[]) =>
  structList(
    ACCOUNT_DAY_KEY,
    keys.map((k) => accountDayKey(k.accountId, k.day)),
  );
