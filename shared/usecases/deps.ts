/**
 * What the use cases need, passed as one plain object (no container, no module mocking).
 */
import type { Rules } from '../domain/rules';
import type { Store } from '../ports/store';

export interface LoadedRules {
  rules: Rules;
  /** Where the rules came from (path) and a digest of their text: recorded with every run (R12). */
  source: string;
  digest: string;
  /** The rules file as read (raw JSON, before defaults): what sync-catalog rewrites into a new file. */
  json?: unknown;
}

export interface Deps {
  store: Store;
  rules: LoadedRules;
  clock: () => Date;
  newId: () => string;
}

/** Who does something and why (R12). */
export interface Actor {
  actor: string;
  note: string;
}

/** Expected failures are values, with a code the CLI and HTTP layers map exhaustively. */
export type Failure = {
  ok: false;
  code: 'INVALID_INPUT' | 'OVERLAP' | 'NOT_FOUND' | 'ALREADY_ENDED' | 'UNKNOWN_SPECIALIZATION' | 'OUT_OF_RANGE' | 'CONFIRMATION_REQUIRED';
  message: string;
};

export function fail(code: Failure['code'], message: string): Failure {
  return { ok: false, code, message };
}
