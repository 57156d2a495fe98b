/** What a CLI command produces: one JSON document or a text table, plus an exit code and reasons. */
import type { ActionResult } from '../shared/actions/deps';
import { ERROR_CODES } from '../shared/errors';
import type { ActionName } from '../shared/actions/schema';
import { renderText } from './render';

export interface CommandOutput {
  /** The single JSON document printed with --json. */
  json: unknown;
  /** The human-readable form printed without --json. */
  text: string;
  /** Reasons for anything rejected, printed on stderr in both modes. */
  errors: string[];
  exitCode: number;
}

export const EXIT = { ok: 0, rejected: 1, usage: 2, internal: 70 } as const;

/** An action's result as CLI output: exit 1 with the reasons on stderr when anything was rejected. */
export function toCommandOutput(action: ActionName, outcome: ActionResult): CommandOutput {
  if (outcome.ok) return { json: outcome.result, text: renderText(action, outcome.result), errors: [], exitCode: EXIT.ok };
  const { error, result } = outcome;
  const errors = (error.details ?? error.message.split('\n')).map((line) => `error: ${line}`);
  // The taxonomy says what a code means (shared/errors.ts): a refusal exits 1, a file that failed
  // without a known cause (a bug) 70.
  const exitCode = ERROR_CODES[error.code].exit;
  if (result) return { json: { ...result, error }, text: renderText(action, result), errors, exitCode };
  return { json: { error }, text: '', errors, exitCode };
}
