/**
 * One CLI invocation: argv → the shared action schema → runAction → text or JSON. `main.ts`
 * wires it to the process; the demo calls it directly with its own deps.
 */
import type { ActionDeps } from '../shared/actions/deps';
import type { ActionName } from '../shared/actions/schema';
import { runAction } from '../shared/actions/run-action';
import { parseArgv, UsageError } from './action-argv';
import { EXIT, toCommandOutput, type CommandOutput } from './output';

export async function runCli(argv: readonly string[], deps: (action: ActionName) => Promise<ActionDeps>, options: { onDone?: () => Promise<void> } = {}): Promise<CommandOutput & { jsonMode: boolean }> {
  const jsonMode = argv.includes('--json');
  try {
    const parsed = parseArgv(argv);
    if (parsed.kind === 'help') return { json: { help: parsed.text }, text: parsed.text, errors: [], exitCode: EXIT.ok, jsonMode };
    const outcome = await runAction(await deps(parsed.action.action), parsed.action);
    return { ...toCommandOutput(parsed.action.action, outcome), jsonMode };
  } catch (error) {
    return { ...errorOutput(error), jsonMode };
  } finally {
    await options.onDone?.();
  }
}

/**
 * Errors about the situation, not the code: a busy or missing store, bad configuration or rules,
 * a lost posting race, an unreachable YDB or Billing API. They exit 1 with the message; anything
 * else is a bug (exit 70, with its stack on stderr).
 */
const SITUATION_CODES = new Set([
  'STORE_BUSY', 'STORE_UNAVAILABLE', 'STORE_CONFIG', 'SCHEMA_VERSION', 'CONFIG_INVALID', 'RULES_INVALID', 'LEDGER_CONFLICT',
  'EXPORT_PATH', 'EXPORT_READ', 'YDB_CONFIG', 'YDB_UNAVAILABLE', 'YDB_CONTENDED', 'YDB_SCHEMA_MISMATCH',
]);

function isSituation(code: string): boolean {
  // YDB status failures and Billing API refusals are the outside world's situation too.
  return SITUATION_CODES.has(code) || /^YDB_(UNAVAILABLE|OVERLOADED|TIMEOUT|SESSION_EXPIRED|TRANSPORT_UNAVAILABLE|CLIENT_DEADLINE_EXCEEDED|THROTTLED)/.test(code) || code.startsWith('BILLING_');
}

/** Wrong usage exits 2; a known situation (store busy or unreachable, bad config): 1; anything else is a bug: 70. */
export function errorOutput(error: unknown): CommandOutput {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof UsageError) return { json: { error: { code: 'USAGE', message } }, text: '', errors: message.split('\n').map((l, i) => (i === 0 ? `error: ${l}` : l)), exitCode: EXIT.usage };
  if (typeof code === 'string' && isSituation(code)) return { json: { error: { code, message } }, text: '', errors: [`error: ${message}`], exitCode: EXIT.rejected };
  return { json: { error: { code: 'INTERNAL', message } }, text: '', errors: [`error: internal: ${message}`, ...(error instanceof Error && error.stack ? [error.stack] : [])], exitCode: EXIT.internal };
}
