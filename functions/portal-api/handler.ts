/**
 * portal-api (§9): HTTP through API Gateway (payload 0.1) → the portal routes; `authorize` is the
 * gateway's function authorizer with the same token check. Config, store, rules and the page are
 * built once per instance, on first use.
 */
import { randomUUID } from 'node:crypto';
import { loadRules } from '../../shared/runtime/rules-file';
import { configuredClock, loadConfig } from '../../shared/config';
import { loadPageAssets } from '../../shared/portal/page-assets';
import { authorizeRequest, handlePortalRequest, type AuthorizerResult, type PortalDeps } from '../../shared/portal/portal-api';
import { errorResponse, type HttpResponse } from '../../shared/portal/http';
import type { FunctionContext } from '../../shared/runtime/function-context';
import { lazy } from '../../shared/runtime/lazy';
import { createLogger, errorFields } from '../../shared/runtime/logger';
import { openStore } from '../../shared/runtime/open-store';

/** The IAM token of the latest invocation; the YDB store reads it on every call (openStore). */
let iamToken: string | undefined;

const runtime = lazy(async () => {
  const config = loadConfig(process.env);
  return {
    config,
    store: await openStore(config, { iamToken: () => iamToken }),
    rules: loadRules(config.REBATES_RULES),
    pageFiles: loadPageAssets(),
  };
});

async function depsFor(context: FunctionContext): Promise<PortalDeps> {
  iamToken = context.token?.access_token ?? iamToken;
  const { config, store, rules, pageFiles } = await runtime();
  const logger = createLogger({ level: config.LOG_LEVEL, requestId: context.requestId, fields: { function: 'portal-api' } });
  return { store, rules, clock: configuredClock(config), newId: randomUUID, logger, pageFiles };
}

export async function handler(event: unknown, context: FunctionContext): Promise<HttpResponse> {
  let deps: PortalDeps;
  try {
    deps = await depsFor(context);
  } catch (error) {
    // Bad configuration or an unreachable store: logged with its cause, answered without internals.
    createLogger({ level: 'error', requestId: context.requestId, fields: { function: 'portal-api' } }).error(
      'portal-api cannot start',
      errorFields(error),
    );
    return errorResponse('internal', 'something went wrong on our side; try again later');
  }
  return handlePortalRequest(deps, event);
}

export async function authorize(event: unknown, context: FunctionContext): Promise<AuthorizerResult> {
  return authorizeRequest(await depsFor(context), event);
}
