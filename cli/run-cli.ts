/**
 * One CLI invocation: argv → the shared action schema → runAction → text or JSON. `main.ts`
 * wires it to the process; the demo calls it directly with its own deps.
 */
import type { ActionDeps } from '../shared/actions/deps';
import type { ActionName } from '../shared/actions/schema';
import { runAction } from '../shared/actions/run-action';
import { errorCodeOf, exitStatusOf } from '../shared/errors';
import { parseArgv, UsageError } from './action-argv';
import { EXIT, toCommandOutput, type CommandOutput } from './output';

export async function runCli(
  argv: readonly string[],
  deps: (action: ActionName) => Promise<ActionDeps>,
  options: { onDone?: () => Promise<void> } = {},
): Promise<CommandOutput & { jsonMode: boolean }> {
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
 * Wrong usage exits 2; a known refusal or situation (store busy or unreachable, bad config, a
 * cloud service refusing) exits 1 with the message; anything else is a bug: 70, with its stack.
 * The code → exit status table is shared/errors.ts.
 */
export function errorOutput(error: unknown): CommandOutput {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCodeOf(error);
  const exitCode = exitStatusOf(error);
  if (error instanceof UsageError)
    return {
      json: { error: { code, message } },
      text: '',
      errors: message.split('\n').map((l, i) => (i === 0 ? `error: ${l}` : l)),
      exitCode,
    };
  if (exitCode !== EXIT.internal) return { json: { error: { code, message } }, text: '', errors: [`error: ${message}`], exitCode };
  return {
    json: { error: { code: 'INTERNAL', message } },
    text: '',
    errors: [`error: internal: ${message}`, ...(error instanceof Error && error.stack ? [error.stack] : [])],
    exitCode: EXIT.internal,
  };
}
