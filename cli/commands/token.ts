/** `token issue|revoke|list --partner ID` (§9): portal tokens; a new token is printed once. */
import type { Deps } from '../../shared/usecases/deps';
import { issueToken, listTokens, revokeToken, type TokenInfo } from '../../shared/usecases/tokens';
import { actorOf, parseCommand, required, UsageError } from '../args';
import { failureOutput, ok, type CommandOutput } from '../output';
import { renderTable } from '../table';

const USAGE = {
  issue: 'token issue --partner ID [--actor ID] [--note TEXT] [--json]',
  revoke: 'token revoke --partner ID --token TOKEN_ID [--actor ID] [--note TEXT] [--json]',
  list: 'token list --partner ID [--json]',
};

const opts = { partner: { type: 'string' }, token: { type: 'string' } } as const;

const shown = (t: TokenInfo) => ({ id: t.id, partnerId: t.partnerId, created: t.created, revoked: t.revoked });

export async function tokenCommand(deps: Deps, sub: string | undefined, argv: string[]): Promise<CommandOutput> {
  if (sub === 'issue') {
    const p = parseCommand(argv, opts, USAGE.issue);
    const result = await issueToken(deps, { partnerId: required(p, 'partner', USAGE.issue), ...actorOf(p) });
    if (!result.ok) return failureOutput(result);
    return ok(
      { token: result.token, ...shown(result.info) },
      `portal token for ${result.info.partnerId} (id ${result.info.id}) — shown once, only its hash is stored:\n${result.token}\nsign-in link: <portal URL>/#token=${result.token}`,
    );
  }
  if (sub === 'revoke') {
    const p = parseCommand(argv, opts, USAGE.revoke);
    const result = await revokeToken(deps, { partnerId: required(p, 'partner', USAGE.revoke), tokenId: required(p, 'token', USAGE.revoke), ...actorOf(p) });
    if (!result.ok) return failureOutput(result);
    return ok(shown(result.info), `revoked portal token ${result.info.id} of ${result.info.partnerId} (by ${result.info.revoked?.actor})`);
  }
  if (sub === 'list') {
    const p = parseCommand(argv, opts, USAGE.list);
    const partnerId = required(p, 'partner', USAGE.list);
    const { tokens } = await listTokens(deps, { partnerId });
    const table = renderTable(tokens, [
      { header: 'id', value: (t) => t.id },
      { header: 'issued', value: (t) => t.created.at },
      { header: 'by', value: (t) => t.created.actor },
      { header: 'revoked', value: (t) => (t.revoked ? `${t.revoked.at} by ${t.revoked.actor}` : '-') },
    ]);
    return ok({ partnerId, tokens: tokens.map(shown) }, `Portal tokens of ${partnerId}\n${tokens.length === 0 ? '(none)' : table}`);
  }
  throw new UsageError(`token needs issue, revoke or list\nusage: ${USAGE.issue}\n       ${USAGE.revoke}\n       ${USAGE.list}`);
}
