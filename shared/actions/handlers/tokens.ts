/** `token.issue|revoke|list` (§9): portal tokens; a new token is returned once, only its hash is stored. */
import { issueToken, listTokens, revokeToken, type TokenInfo } from '../../usecases/tokens';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';
import { ACTOR_REQUIRED, actorOf } from './program';

const shown = (t: TokenInfo) => ({ id: t.id, partnerId: t.partnerId, created: t.created, revoked: t.revoked });

export async function tokenIssue(deps: ActionDeps, input: ActionOf<'token.issue'>): Promise<ActionResult> {
  const who = actorOf(deps, input);
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await issueToken(deps, { partnerId: input.partnerId, ...who });
  return r.ok ? succeeded({ token: r.token, ...shown(r.info) }) : failed(r);
}

export async function tokenRevoke(deps: ActionDeps, input: ActionOf<'token.revoke'>): Promise<ActionResult> {
  const who = actorOf(deps, input);
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await revokeToken(deps, { partnerId: input.partnerId, tokenId: input.tokenId, ...who });
  return r.ok ? succeeded(shown(r.info)) : failed(r);
}

export async function tokenList(deps: ActionDeps, input: ActionOf<'token.list'>): Promise<ActionResult> {
  const { tokens } = await listTokens(deps, { partnerId: input.partnerId });
  return succeeded({ partnerId: input.partnerId, tokens: tokens.map(shown) });
}
