/**
 * Who is asking: the bearer token of the request, checked by the tokens use case. The same
 * check serves the API Gateway function authorizer and the handler itself, so a request that
 * reaches the function without the gateway is held to the same rule.
 */
import type { Store } from '../ports/store';
import { authenticate } from '../usecases/tokens';
import { header, PortalError, type HttpEvent } from './http';

const BEARER_RE = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header, or undefined without one. */
export function bearerToken(event: HttpEvent): string | undefined {
  const value = header(event, 'authorization');
  if (value === undefined) return undefined;
  return BEARER_RE.exec(value)?.[1] ?? '';
}

/** The authenticated partner; 401 for a missing, malformed, unknown or revoked token. */
export async function requirePartner(deps: { store: Store }, event: HttpEvent): Promise<string> {
  const challenge = { 'www-authenticate': 'Bearer realm="rebates-portal"' };
  const token = bearerToken(event);
  if (token === undefined || token === '')
    throw new PortalError('unauthorized', 'sign in: send the portal token as "Authorization: Bearer <token>"', challenge);
  const partnerId = await authenticate(deps, token);
  if (partnerId === null)
    throw new PortalError(
      'unauthorized',
      'the token is not valid (unknown, revoked or malformed); ask your partner manager for a new one',
      challenge,
    );
  return partnerId;
}
