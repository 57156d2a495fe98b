/**
 * The portal API (§9): one function from an API Gateway HTTP event to a response. Routes read
 * only the authenticated partner's data; every refusal is a JSON error with a status from
 * the taxonomy (shared/errors.ts), and anything unexpected is logged with its cause and answered with a bare 500.
 */
import { describeZodIssues } from '../domain/zod-issues';
import { errorFields, type Logger } from '../runtime/logger';
import type { Deps } from '../usecases/deps';
import { authenticate } from '../usecases/tokens';
import { balanceRoute } from './balance-route';
import { currentRoute } from './current-route';
import {
  errorResponse,
  httpEventSchema,
  jsonResponse,
  PortalError,
  queryParams,
  requestPath,
  type HttpEvent,
  type HttpResponse,
} from './http';
import { ledgerRoute } from './ledger-route';
import { pageResponse, PAGE_PATHS } from './page-route';
import { bearerToken, requirePartner } from './partner-auth';
import { quarterDetailRoute } from './quarter-detail-route';
import { quartersRoute } from './quarters-route';

export interface PortalDeps extends Deps {
  logger: Logger;
  /** The page's files by name (index.html, app.js, app.css). */
  pageFiles: Record<string, string>;
}

type Route = (deps: Deps, partnerId: string, query: Record<string, string>, match: RegExpExecArray) => Promise<unknown>;

const ROUTES: [RegExp, Route][] = [
  [/^\/v1\/balance$/, (deps, partnerId, query) => balanceRoute(deps, partnerId, query)],
  [/^\/v1\/ledger$/, (deps, partnerId, query) => ledgerRoute(deps, partnerId, query)],
  [/^\/v1\/quarters$/, (deps, partnerId, query) => quartersRoute(deps, partnerId, query)],
  [
    /^\/v1\/quarters\/([^/]+)$/,
    (deps, partnerId, query, match) => quarterDetailRoute(deps, partnerId, decodeSegment(match[1] ?? ''), query),
  ],
  [/^\/v1\/current$/, (deps, partnerId, query) => currentRoute(deps, partnerId, query)],
];

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new PortalError('bad_request', 'the path is not valid percent-encoding');
  }
}

async function route(deps: PortalDeps, event: HttpEvent): Promise<HttpResponse> {
  const path = requestPath(event);
  const method = event.httpMethod.toUpperCase();
  const api = ROUTES.map(([re, fn]) => [re.exec(path), fn] as const).find(([m]) => m !== null);
  const isPage = PAGE_PATHS.includes(path);
  if (api === undefined && !isPage) throw new PortalError('not_found', 'no such resource');
  if (method !== 'GET') throw new PortalError('method_not_allowed', `${method} is not allowed here; use GET`, { allow: 'GET' });
  if (isPage) return pageResponse(path, deps.pageFiles) ?? errorResponse('not_found', 'no such resource');
  const [match, fn] = api!;
  const partnerId = await requirePartner(deps, event);
  return jsonResponse(200, await fn(deps, partnerId, queryParams(event), match!));
}

export async function handlePortalRequest(deps: PortalDeps, rawEvent: unknown): Promise<HttpResponse> {
  const parsed = httpEventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    deps.logger.warn('portal: not an HTTP event', { issues: describeZodIssues(parsed.error) });
    return errorResponse('bad_request', 'not an HTTP request');
  }
  const event = parsed.data;
  try {
    const response = await route(deps, event);
    deps.logger.info('portal request', { method: event.httpMethod, path: requestPath(event), status: response.statusCode });
    return response;
  } catch (error) {
    if (error instanceof PortalError) {
      deps.logger.info('portal request refused', { method: event.httpMethod, path: requestPath(event), code: error.code });
      return errorResponse(error.code, error.message, error.headers);
    }
    deps.logger.error('portal request failed', { method: event.httpMethod, path: requestPath(event), ...errorFields(error) });
    return errorResponse('internal', 'something went wrong on our side; try again later');
  }
}

export interface AuthorizerResult {
  isAuthorized: boolean;
  context?: { partnerId: string };
}

/**
 * The API Gateway function authorizer: the same token check as the API itself. A store failure
 * is thrown (the gateway answers 5xx), not reported as a refusal.
 */
export async function authorizeRequest(deps: Pick<PortalDeps, 'store'>, rawEvent: unknown): Promise<AuthorizerResult> {
  const parsed = httpEventSchema.safeParse(rawEvent);
  const token = parsed.success ? bearerToken(parsed.data) : undefined;
  if (token === undefined || token === '') return { isAuthorized: false };
  const partnerId = await authenticate(deps, token);
  return partnerId === null ? { isAuthorized: false } : { isAuthorized: true, context: { partnerId } };
}
