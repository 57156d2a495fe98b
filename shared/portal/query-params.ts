/**
 * Query parameters of the portal routes, validated with zod. Unknown parameters are refused (a
 * typo should not silently mean something else). `partner`, when given, must be the token's own
 * partner: naming any other is 403 with the same words whether that partner exists or not.
 */
import { z } from 'zod';
import { describeZodIssues } from '../domain/zod-issues';
import { PortalError } from './http';

export const partnerParam = { partner: z.string().optional() };

export function parseQuery<S extends z.ZodRawShape>(shape: S, query: Record<string, string>, partnerId: string): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).strict().safeParse(query);
  if (!result.success) throw new PortalError('bad_request', `invalid query: ${describeZodIssues(result.error).join('; ')}`);
  const named = (result.data as { partner?: unknown }).partner;
  if (named !== undefined && named !== partnerId) throw new PortalError('forbidden', "a token reads only its own partner's data");
  return result.data;
}
