/**
 * The ledger page cursor: opaque to clients (base64url of the last entry's position). It holds a
 * position only, never data, and every page is read for the token's partner, so a cursor copied
 * from another partner's session reveals nothing.
 */
import { z } from 'zod';
import { PortalError } from './http';

export interface LedgerPosition {
  createdAt: string;
  id: string;
}

const positionSchema = z.tuple([z.string().min(1).max(64), z.string().min(1).max(512)]);

export function encodeCursor(position: LedgerPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): LedgerPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = positionSchema.safeParse(parsed);
  if (!result.success) throw new PortalError('bad_request', 'invalid cursor: pass back the nextCursor of a previous page unchanged');
  return { createdAt: result.data[0], id: result.data[1] };
}

/** Newest first: later createdAt first, then the larger id (later seq of the same run). */
export function newestFirst(a: LedgerPosition, b: LedgerPosition): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}
