/** GET /v1/ledger?cursor=&limit= — the partner's ledger entries, newest first, in pages. */
import { z } from 'zod';
import type { Deps } from '../usecases/deps';
import { decodeCursor, encodeCursor, newestFirst } from './ledger-cursor';
import { moneyText } from './money-json';
import { parseQuery, partnerParam } from './query-params';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

const shape = {
  ...partnerParam,
  cursor: z.string().min(1).max(1024).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'expected a whole number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_LIMIT, `expected 1..${MAX_LIMIT}`)
    .optional(),
};

export async function ledgerRoute(deps: Deps, partnerId: string, query: Record<string, string>) {
  const q = parseQuery(shape, query, partnerId);
  const limit = q.limit ?? DEFAULT_LIMIT;
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const entries = (await deps.store.ledger.listEntries({ partnerId }))
    .sort(newestFirst)
    .filter((e) => after === undefined || newestFirst(e, after) > 0);
  const page = entries.slice(0, limit);
  const last = page[page.length - 1];
  return {
    partnerId,
    entries: page.map((e) => ({
      quarter: e.quarter,
      specialization: e.specialization,
      kind: e.kind,
      amount: moneyText(e.amount),
      currency: e.currency,
      seq: e.seq,
      postedAt: e.createdAt,
    })),
    nextCursor: entries.length > limit && last !== undefined ? encodeCursor(last) : null,
  };
}
