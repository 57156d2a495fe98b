/**
 * accrue-rebates (§7, R9): the quarterly timer and manual `{ "quarter", "dryRun" }` invokes →
 * the quarterly-accrual use case. Returns and logs the run summary; throws when a quarter could
 * not be accrued, so the failure shows in the function's metrics.
 */
import { RebatesError } from '../../shared/errors';
import { randomUUID } from 'node:crypto';
import { parseAccrueEvent } from '../../shared/runtime/accrue-events';
import type { FunctionContext } from '../../shared/runtime/function-context';
import { createTokenHolder, functionClock, functionRuntime, type FunctionRuntime } from '../../shared/runtime/function-runtime';
import { createLogger, errorFields } from '../../shared/runtime/logger';
import { runQuarterlyAccrual, type QuarterlySummary } from '../../shared/usecases/quarterly-accrual';

export class AccrualRunError extends RebatesError {
  constructor(readonly summary: QuarterlySummary) {
    super(
      'ACCRUAL_FAILED',
      `accrual failed for ${summary.quarters
        .filter((q) => q.error)
        .map((q) => `${q.quarter} (${q.error?.message})`)
        .join('; ')}`,
    );
  }
}

export function createAccrueRebatesHandler(getRuntime: () => Promise<FunctionRuntime>, clock: () => Date = functionClock) {
  return async (event: unknown, context: FunctionContext): Promise<QuarterlySummary> => {
    token.update(context);
    let logger = createLogger({ level: 'info', requestId: context.requestId, fields: { function: 'accrue-rebates' } });
    try {
      const request = parseAccrueEvent(event);
      const { store, rules, logLevel } = await getRuntime();
      logger = createLogger({
        level: logLevel,
        requestId: context.requestId,
        fields: { function: 'accrue-rebates', trigger: request.kind },
      });
      if (request.kind === 'manual' && !request.dryRun && !request.actor) {
        throw Object.assign(new Error('actor: required for a manual post (who posts, R12), e.g. {"quarter":"2026-Q1","actor":"anna"}'), {
          code: 'EVENT_INVALID',
        });
      }
      const who =
        request.kind === 'timer'
          ? { actor: 'timer', note: `quarterly run (trigger ${request.triggerId})` }
          : { actor: request.actor ?? 'dry-run', note: request.note ?? '' };
      // The timer posts despite a LARGE_ADJUSTMENT (and logs it); a person invoking by hand confirms it.
      const confirm = request.kind === 'timer' || request.confirm === true;
      const summary = await runQuarterlyAccrual(
        { store, rules, clock, newId: randomUUID, logger },
        {
          quarter: request.quarter,
          dryRun: request.dryRun,
          confirm,
          confirmReversals: request.kind === 'manual' && request.confirm === true,
          ...who,
        },
      );
      logger.info('accrual run finished', { ...summary });
      if (!summary.ok) throw new AccrualRunError(summary);
      return summary;
    } catch (error) {
      logger.error('accrue-rebates invocation failed', errorFields(error));
      throw error;
    }
  };
}

const token = createTokenHolder();
export const handler = createAccrueRebatesHandler(functionRuntime(token));
