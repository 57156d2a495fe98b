/** `partner link|unlink`, `specialization grant|revoke` (§8, R3, R5, R12). */
import { linkSubaccount, grantSpecialization, revokeSpecialization, unlinkSubaccount } from '../../shared/usecases/program';
import type { Deps } from '../../shared/usecases/deps';
import { actorOf, optional, parseCommand, required, UsageError } from '../args';
import { failureOutput, ok, type CommandOutput } from '../output';

const USAGE = {
  link: 'partner link --partner ID --subaccount BILLING_ACCOUNT_ID --from DAY [--to DAY] [--actor ID] [--note TEXT] [--json]',
  unlink: 'partner unlink --partner ID --subaccount BILLING_ACCOUNT_ID --effective DAY [--actor ID] [--note TEXT] [--json]',
  grant: 'specialization grant --partner ID --specialization SPEC --from DAY [--to DAY] [--actor ID] [--note TEXT] [--json]',
  revoke: 'specialization revoke --partner ID --specialization SPEC --effective DAY [--actor ID] [--note TEXT] [--json]',
};

const opts = { partner: { type: 'string' }, subaccount: { type: 'string' }, specialization: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, effective: { type: 'string' } } as const;

function period(from: string, to: string | null): string {
  return `${from} .. ${to ?? '(open)'}`;
}

/** Tells the operator which posted quarters this change reaches into (R7, R9). */
function repostNote(quarters: string[]): string {
  if (quarters.length === 0) return '';
  return `\nnote: ${quarters.join(', ')} ${quarters.length === 1 ? 'is' : 'are'} already posted for this partner; the ledger is not changed now — re-posting (accrue --quarter …) appends the difference as an adjustment`;
}

export async function partnerCommand(deps: Deps, sub: string | undefined, argv: string[]): Promise<CommandOutput> {
  if (sub === 'link') {
    const p = parseCommand(argv, opts, USAGE.link);
    const result = await linkSubaccount(deps, {
      partnerId: required(p, 'partner', USAGE.link),
      subaccountId: required(p, 'subaccount', USAGE.link),
      from: required(p, 'from', USAGE.link),
      to: optional(p, 'to') ?? null,
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const l = result.link;
    return ok({ link: l, postedQuartersAffected: result.postedQuartersAffected }, `linked subaccount ${l.subaccountId} to partner ${l.partnerId} for ${period(l.from, l.to)} (link ${l.id}, by ${l.created.actor})${repostNote(result.postedQuartersAffected)}`);
  }
  if (sub === 'unlink') {
    const p = parseCommand(argv, opts, USAGE.unlink);
    const result = await unlinkSubaccount(deps, {
      partnerId: required(p, 'partner', USAGE.unlink),
      subaccountId: required(p, 'subaccount', USAGE.unlink),
      effective: required(p, 'effective', USAGE.unlink),
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const l = result.link;
    return ok({ link: l, postedQuartersAffected: result.postedQuartersAffected }, `unlinked subaccount ${l.subaccountId} from partner ${l.partnerId}: last linked day ${l.to} (link ${l.id})${repostNote(result.postedQuartersAffected)}`);
  }
  throw new UsageError(`unknown partner command "${sub ?? ''}"\nusage: ${USAGE.link}\n       ${USAGE.unlink}`);
}

export async function specializationCommand(deps: Deps, sub: string | undefined, argv: string[]): Promise<CommandOutput> {
  if (sub === 'grant') {
    const p = parseCommand(argv, opts, USAGE.grant);
    const result = await grantSpecialization(deps, {
      partnerId: required(p, 'partner', USAGE.grant),
      specialization: required(p, 'specialization', USAGE.grant),
      from: required(p, 'from', USAGE.grant),
      to: optional(p, 'to') ?? null,
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const s = result.period;
    return ok({ specialization: s, postedQuartersAffected: result.postedQuartersAffected }, `granted ${s.specialization} to partner ${s.partnerId} for ${period(s.from, s.to)} (grant ${s.id}, by ${s.created.actor})${repostNote(result.postedQuartersAffected)}`);
  }
  if (sub === 'revoke') {
    const p = parseCommand(argv, opts, USAGE.revoke);
    const result = await revokeSpecialization(deps, {
      partnerId: required(p, 'partner', USAGE.revoke),
      specialization: required(p, 'specialization', USAGE.revoke),
      effective: required(p, 'effective', USAGE.revoke),
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const s = result.period;
    return ok({ specialization: s, postedQuartersAffected: result.postedQuartersAffected }, `revoked ${s.specialization} of partner ${s.partnerId}: last active day ${s.to} (grant ${s.id})${repostNote(result.postedQuartersAffected)}`);
  }
  throw new UsageError(`unknown specialization command "${sub ?? ''}"\nusage: ${USAGE.grant}\n       ${USAGE.revoke}`);
}
