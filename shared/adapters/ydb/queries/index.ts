/** Every YQL text the adapter sends, for the YQL lint and the protocol fake. */
import * as ledger from './ledger';
import * as program from './program';
import * as tokens from './tokens';
import * as usage from './usage';

export * from './ledger';
export * from './program';
export * from './tokens';
export * from './usage';

export const YDB_QUERIES: Readonly<Record<string, string>> = { ...usage, ...program, ...ledger, ...tokens };

/** The name a query declares on its first line (`-- name: …`). */
export function queryName(text: string): string {
  const match = /^-- name: ([a-z0-9_]+)\n/.exec(text);
  if (!match?.[1]) throw new Error(`query text has no "-- name:" line: ${text.slice(0, 60)}`);
  return match[1];
}
