/**
 * The HTTP edge of the portal: API Gateway's payload 0.1 event, validated with zod, and the
 * response shape. Errors are `{"error":{"code","message"}}` with a status from one table; no
 * stack, query text or internal id ever reaches a client.
 */
import { httpStatusOf, RebatesError, type ErrorCode as TaxonomyCode } from '../errors';
import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());

/** The parts of an API Gateway (payload 0.1) HTTP event the portal reads. */
export const httpEventSchema = z.object({
  httpMethod: z.string().min(1),
  url: z.string().optional(),
  path: z.string().optional(),
  headers: stringMap.nullish(),
  queryStringParameters: stringMap.nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({ requestId: z.string().optional() }).loose().optional(),
});

export type HttpEvent = z.infer<typeof httpEventSchema>;

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** The codes the portal answers with; their HTTP statuses are in the one taxonomy (shared/errors.ts). */
export type ErrorCode = Extract<
  TaxonomyCode,
  'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'method_not_allowed' | 'internal'
>;

/** An expected refusal, thrown by a route and turned into its status and JSON body. */
export class PortalError extends RebatesError {
  declare readonly code: ErrorCode;
  constructor(
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body), isBase64Encoded: false };
}

export function errorResponse(code: ErrorCode, message: string, headers: Record<string, string> = {}): HttpResponse {
  return jsonResponse(httpStatusOf(code), { error: { code, message } }, headers);
}

/** A header by name, case-insensitively (the gateway and Node spell names differently). */
export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The request path: `url` carries the real one (`path` may be the gateway's template, `/{proxy+}`). */
export function requestPath(event: HttpEvent): string {
  const raw = event.url !== undefined && event.url !== '' ? event.url : (event.path ?? '/');
  const withoutOrigin = raw.replace(/^[a-z]+:\/\/[^/]+/i, '');
  const path = withoutOrigin.split(/[?#]/)[0] ?? '/';
  return path === '' ? '/' : path;
}

/** Query parameters: the gateway's map, or those of `url` when the map is absent. */
export function queryParams(event: HttpEvent): Record<string, string> {
  if (event.queryStringParameters) return event.queryStringParameters;
  const query = (event.url ?? '').split('?')[1]?.split('#')[0];
  return query ? Object.fromEntries(new URLSearchParams(query)) : {};
}
