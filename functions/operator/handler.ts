/**
 * operator (§7, §8): manual invokes only. The body is an action of the shared schema
 * (`{ "action": "partner.link", ... }`), the same the CLI builds from argv; it runs through the same
 * use cases. Returns `{ ok, action, result }` or `{ ok: false, error }` — an unknown action or a bad
 * field is answered with what is valid, and nothing is written.
 */
import type { ActionResult } from '../../shared/actions/deps';
import { runAction } from '../../shared/actions/run-action';
import { ActionValidationError, parseAction } from '../../shared/actions/schema';
import type { FunctionContext } from '../../shared/runtime/function-context';
import { createTokenHolder, functionClock, functionRuntime, type FunctionRuntime } from '../../shared/runtime/function-runtime';
import { createLogger, errorFields } from '../../shared/runtime/logger';
import { operatorDepsFactory, type OperatorOptions } from '../../shared/runtime/operator-deps';

export type OperatorResponse =
  | ({ action: string } & ActionResult)
  | { ok: false; action: string | null; error: { code: string; message: string; problems?: string[] } };

export function createOperatorHandler(getRuntime: () => Promise<FunctionRuntime>, options: OperatorOptions = {}) {
  const depsFor = operatorDepsFactory(token, { ...options, clock: options.clock ?? functionClock });
  return async (event: unknown, context: FunctionContext): Promise<OperatorResponse> => {
    token.update(context);
    const logger = createLogger({ level: 'info', requestId: context.requestId, fields: { function: 'operator' } });
    const name = typeof (event as { action?: unknown } | null)?.action === 'string' ? (event as { action: string }).action : null;
    try {
      const action = parseAction(event === '' ? undefined : event);
      const outcome = await runAction(depsFor(await getRuntime(), context, logger), action);
      logger[outcome.ok ? 'info' : 'warn'](`${action.action} ${outcome.ok ? 'done' : 'rejected'}`, {
        action: action.action,
        ...(outcome.ok ? {} : { error: outcome.error }),
      });
      return { action: action.action, ...outcome };
    } catch (error) {
      if (error instanceof ActionValidationError) {
        logger.warn('invalid action', { action: name, problems: error.problems });
        return { ok: false, action: name, error: { code: error.code, message: error.message, problems: error.problems } };
      }
      logger.error('operator invocation failed', { action: name, ...errorFields(error) });
      throw error;
    }
  };
}

const token = createTokenHolder();
export const handler = createOperatorHandler(functionRuntime(token));
