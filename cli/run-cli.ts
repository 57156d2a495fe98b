/**
 * One CLI invocation: argv → the shared action schema → runAction → text or JSON. `main.ts`
 * wires it to the process; the demo calls it directly with its own deps.
 */
import type { ActionDeps } from '../shared/actions/deps';
import { runAction } from '../shared/actions/run-action';
import { parseArgv, UsageError } from './action-argv';
import { EXIT, toCommandOutput, type CommandOutput } from './output';

export async function runCli(argv: readonly string[], deps: () => Promise<ActionDeps>, options: { onDone?: () => Promise<void> } = {}): Promise<CommandOutput & { jsonMode: boolean }> {
  const jsonMode = argv.includes('--json');
  try {
    const parsed = parseArgv(argv);
    if (parsed.kind === 'help') return { json: { help: parsed.text }, text: parsed.text, errors: [], exitCode: EXIT.ok, jsonMode };
    const outcome = await runAction(await deps(), parsed.action);
    return { ...toCommandOutput(parsed.action.action, outcome), jsonMode };
  } catch (error) {
    return { ...errorOutput(error), jsonMode };
  } finally {
    await options.onDone?.();
  }
}

/** Wrong usage exits 2; an error with a code is a known failure (store unreachable, bad config): 1; anything else is a bug: 70. */
export function errorOutput(error: unknown): CommandOutput {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (error instanceof UsageError) return { json: { error: { code: 'USAGE', message } }, text: '', errors: message.split('\n').map((l, i) => (i === 0 ? `error: ${l}` : l)), exitCode: EXIT.usage };
  if (typeof code === 'string' && code.length > 0) return { json: { error: { code, message } }, text: '', errors: [`error: ${message}`], exitCode: EXIT.rejected };
  return { json: { error: { code: 'INTERNAL', message } }, text: '', errors: [`error: internal: ${message}`, ...(error instanceof Error && error.stack ? [error.stack] : [])], exitCode: EXIT.internal };
}
