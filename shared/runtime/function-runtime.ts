/**
 * What every function instance builds once and reuses (one instance serves one request at a
 * time): configuration, program rules, the store, and the IAM token of the latest invocation
 * (the YDB store and the Billing API read it on every call, so a warm instance keeps working
 * after its first token expires).
 */
import { loadRules } from './rules-file';
import { configuredClock, loadConfig, type Config } from '../config';
import type { Store } from '../ports/store';
import type { LoadedRules } from '../usecases/deps';
import type { FunctionContext } from './function-context';
import { lazy } from './lazy';
import type { LogLevel } from './logger';
import { openStore } from './open-store';

export interface FunctionRuntime {
  config: Config;
  rules: LoadedRules;
  store: Store;
  logLevel: LogLevel;
}

export interface TokenHolder {
  /** Remembers the invocation's token (present when the function has a service account) and its deadline. */
  update(context: FunctionContext): void;
  current(): string | undefined;
  /** Milliseconds left in the current invocation: YDB retries wait for throttling up to this, no longer. */
  remainingMs(): number;
}

/** Without a deadline from the runtime (tests, a manual run): the YDB adapter's own default budget. */
const NO_DEADLINE_MS = 60_000;

export function createTokenHolder(): TokenHolder {
  let token: string | undefined;
  let remaining: (() => number) | undefined;
  return {
    update: (context) => {
      token = context.token?.access_token ?? token;
      remaining = context.getRemainingTimeInMillis;
    },
    current: () => token,
    remainingMs: () => remaining?.() ?? NO_DEADLINE_MS,
  };
}

let config: Config | undefined;

/**
 * The configuration, read from the environment once per instance and kept: opening a YDB store
 * takes YDB_ENDPOINT out of process.env (adapters/ydb/endpoint-variable.ts), so a retried cold
 * start must not read the environment again.
 */
export function functionConfig(): Config {
  config ??= loadConfig(process.env);
  return config;
}

/** "Now" in a function: the real clock, unless the configuration pins REBATES_NOW (tests, rehearsals). */
export function functionClock(): Date {
  return configuredClock(functionConfig())();
}

/** The production runtime of a function: reads the environment once, on first use. */
export function functionRuntime(token: TokenHolder): () => Promise<FunctionRuntime> {
  return lazy(async () => {
    const config = functionConfig();
    const rules = loadRules(config.REBATES_RULES);
    const store = await openStore(config, { iamToken: token.current, remainingMs: token.remainingMs });
    return { config, rules, store, logLevel: config.LOG_LEVEL };
  });
}
