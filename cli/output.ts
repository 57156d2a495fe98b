/** What a CLI command produces: one JSON document or a text table, plus an exit code and reasons. */
import type { Failure } from '../shared/usecases/deps';

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

export function failureOutput(failure: Failure): CommandOutput {
  return {
    json: { error: { code: failure.code, message: failure.message } },
    text: '',
    errors: [`error: ${failure.message}`],
    exitCode: EXIT.rejected,
  };
}

export function ok(json: unknown, text: string): CommandOutput {
  return { json, text, errors: [], exitCode: EXIT.ok };
}
