/**
 * Budget-aware retries. Serverless YDB answers OVERLOADED ("Throughput limit exceeded") for about
 * (cost of the queries over the limit ÷ limit) seconds once the ~5-minute burst reserve is spent
 * (yandex-cloud/docs en/ydb/concepts/_includes/serverless_and_dedicated/02_sls_pars.md) — far longer
 * than a fixed count of exponential backoffs covers. So a unit of work is retried for as long as the
 * caller's remaining time allows (a function passes `context.getRemainingTimeInMillis`), each wait
 * is logged, and when the next wait no longer fits the failure says which limit to raise.
 */
import { ydbErrorCode } from '../../errors';
import { StoreError } from '../../ports/store';

/** How a failure is retried: slowly (throttling), quickly (transient), or not at all. */
export type RetryClass = 'slow' | 'fast' | 'none';

const SLOW = new Set(['OVERLOADED', 'CLIENT_RESOURCE_EXHAUSTED']);
const FAST = new Set([
  'UNAVAILABLE',
  'ABORTED',
  'BAD_SESSION',
  'SESSION_BUSY',
  'SESSION_EXPIRED',
  'NOT_FOUND',
  'UNDETERMINED',
  'TRANSPORT_UNAVAILABLE',
  'CLIENT_DEADLINE_EXCEEDED',
  'CLIENT_CANCELED',
]);

export function retryClass(statusName: string | undefined): RetryClass {
  if (statusName === undefined) return 'none';
  if (SLOW.has(statusName)) return 'slow';
  if (FAST.has(statusName)) return 'fast';
  return 'none';
}

/** One logged wait. */
export interface RetryWait {
  msg: 'ydb retry wait';
  status: string;
  attempt: number;
  waitMs: number;
  remainingMs: number;
}

export interface RetryBudgetOptions {
  /** The caller's remaining time in ms (a function's `context.getRemainingTimeInMillis`). */
  remainingMs?: () => number;
  /** Budget when no `remainingMs` is given (default 60 s: a CLI command or a test). */
  defaultBudgetMs?: number;
  /** Time kept back from `remainingMs` to report the failure and log it (default 2 s). */
  reserveMs?: number;
  /** Base of the backoff in ms (default 500; slow waits use it ×2^attempt, fast ones a tenth). */
  backoffSlotMs?: number;
  /** Longest single wait (default 30 s for throttling, 2 s for transient errors). */
  maxWaitMs?: number;
  /** Optional hard cap on attempts (default: only the time budget bounds them). */
  maxRetries?: number;
  /** Told about every wait before it starts. */
  onWait?: (wait: RetryWait) => void;
  /** Injected in tests (default: setTimeout); `now` likewise (default Date.now). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The message naming the knob when throttling outlasts the budget. */
export function throttledMessage(status: string, attempts: number, elapsedMs: number, remainingMs: number, nextWaitMs: number): string {
  return (
    `YDB kept answering ${status} (throughput limit exceeded) for ${elapsedMs} ms over ${attempts} attempts, and the next wait ` +
    `(${nextWaitMs} ms) does not fit the remaining time (${Math.max(0, remainingMs)} ms): raise the serverless database's ` +
    'throughput limit (Terraform yandex_ydb_database_serverless.serverless_database.throttling_rcu_limit, RU/s; see docs/ydb.md), ' +
    'or give the function a longer timeout'
  );
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the budget cannot cover
 * the next wait. `statusOf` names a failure's YDB status.
 */
export async function withRetryBudget<T>(
  attempt: () => Promise<T>,
  statusOf: (error: unknown) => string | undefined,
  options: RetryBudgetOptions = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const slot = options.backoffSlotMs ?? 500;
  const started = now();
  const remaining = () =>
    options.remainingMs ? options.remainingMs() - (options.reserveMs ?? 2_000) : (options.defaultBudgetMs ?? 60_000) - (now() - started);
  for (let attempts = 1; ; attempts += 1) {
    try {
      return await attempt();
    } catch (error) {
      const status = statusOf(error);
      const kind = retryClass(status);
      if (kind === 'none' || status === undefined) throw error;
      const exponent = Math.min(attempts, 16);
      const base = kind === 'slow' ? slot * 2 ** exponent : (slot / 10) * 2 ** exponent;
      const cap = options.maxWaitMs ?? (kind === 'slow' ? 30_000 : 2_000);
      // Jitter (50–100 %) keeps concurrent functions from retrying in lockstep.
      const waitMs = Math.max(1, Math.round(Math.min(cap, base) * (0.5 + Math.random() / 2)));
      const left = remaining();
      const capped = options.maxRetries !== undefined && attempts >= options.maxRetries;
      if (waitMs > left || capped) {
        const why = capped ? `after ${attempts} attempts (the configured maximum)` : `within the remaining time (${Math.max(0, left)} ms)`;
        const message =
          kind === 'slow'
            ? throttledMessage(status, attempts, now() - started, left, waitMs)
            : `YDB stayed ${status} ${why}: ${error instanceof Error ? error.message : String(error)}`;
        throw new StoreError(ydbErrorCode(status), message, { cause: error });
      }
      options.onWait?.({ msg: 'ydb retry wait', status, attempt: attempts, waitMs, remainingMs: left });
      await sleep(waitMs);
    }
  }
}
