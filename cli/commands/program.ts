/** `partner link|unlink`, `specialization grant|revoke` (§8, R3, R5, R12). */
import { linkSubaccount, grantSpecialization, revokeSpecialization, unlinkSubaccount } from '../../shared/usecases/program';
import type { Deps } from '../../shared/usecases/deps';
import { dayProblem, partnerIdProblem, specializationIdProblem, subaccountIdProblem } from '../../shared/domain/identifiers';
import { actorOf, checked, optional, parseCommand, required, UsageError, type Parsed } from '../args';
import { failureOutput, ok, type CommandOutput } from '../output';

const USAGE = {
  link: 'partner link --partner ID --subaccount BILLING_ACCOUNT_ID --from DAY [--to DAY] [--actor ID] [--note TEXT] [--json]',
  unlink: 'partner unlink --partner ID --subaccount BILLING_ACCOUNT_ID --effective DAY [--actor ID] [--note TEXT] [--json]',
  grant: 'specialization grant --partner ID --specialization SPEC --from DAY [--to DAY] [--actor ID] [--note TEXT] [--json]',
  revoke: 'specialization revoke --partner ID --specialization SPEC --effective DAY [--actor ID] [--note TEXT] [--json]',
};

const opts = { partner: { type: 'string' }, subaccount: { type: 'string' }, specialization: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, effective: { type: 'string' } } as const;

/** The shared identifier rules (shared/domain/identifiers.ts), as usage errors (exit 2). */
const partnerOf = (p: Parsed, usage: string) => checked(required(p, 'partner', usage), partnerIdProblem, usage);
const subaccountOf = (p: Parsed, usage: string) => checked(required(p, 'subaccount', usage), subaccountIdProblem, usage);
const specializationOf = (p: Parsed, usage: string) => checked(required(p, 'specialization', usage), specializationIdProblem, usage);
const dayOf = (p: Parsed, name: string, usage: string) => checked(required(p, name, usage), (v) => dayProblem(v, `--${name}`), usage);
const optionalDayOf = (p: Parsed, name: string, usage: string) => {
  const value = optional(p, name);
  return value === undefined ? null : checked(value, (v) => dayProblem(v, `--${name}`), usage);
};

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
      partnerId: partnerOf(p, USAGE.link),
      subaccountId: subaccountOf(p, USAGE.link),
      from: dayOf(p, 'from', USAGE.link),
      to: optionalDayOf(p, 'to', USAGE.link),
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const l = result.link;
    return ok({ link: l, postedQuartersAffected: result.postedQuartersAffected }, `linked subaccount ${l.subaccountId} to partner ${l.partnerId} for ${period(l.from, l.to)} (link ${l.id}, by ${l.created.actor})${repostNote(result.postedQuartersAffected)}`);
  }
  if (sub === 'unlink') {
    const p = parseCommand(argv, opts, USAGE.unlink);
    const result = await unlinkSubaccount(deps, {
      partnerId: partnerOf(p, USAGE.unlink),
      subaccountId: subaccountOf(p, USAGE.unlink),
      effective: dayOf(p, 'effective', USAGE.unlink),
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const l = result.link;
    const what = result.cancelled ? `cancelled the link of subaccount ${l.subaccountId} to partner ${l.partnerId}: it never applied` : `unlinked subaccount ${l.subaccountId} from partner ${l.partnerId}: last linked day ${l.to}`;
    return ok({ link: l, cancelled: result.cancelled, postedQuartersAffected: result.postedQuartersAffected }, `${what} (link ${l.id})${repostNote(result.postedQuartersAffected)}`);
  }
  throw new UsageError(`unknown partner command "${sub ?? ''}"\nusage: ${USAGE.link}\n       ${USAGE.unlink}`);
}

export async function specializationCommand(deps: Deps, sub: string | undefined, argv: string[]): Promise<CommandOutput> {
  if (sub === 'grant') {
    const p = parseCommand(argv, opts, USAGE.grant);
    const result = await grantSpecialization(deps, {
      partnerId: partnerOf(p, USAGE.grant),
      specialization: specializationOf(p, USAGE.grant),
      from: dayOf(p, 'from', USAGE.grant),
      to: optionalDayOf(p, 'to', USAGE.grant),
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const s = result.period;
    return ok({ specialization: s, postedQuartersAffected: result.postedQuartersAffected }, `granted ${s.specialization} to partner ${s.partnerId} for ${period(s.from, s.to)} (grant ${s.id}, by ${s.created.actor})${repostNote(result.postedQuartersAffected)}`);
  }
  if (sub === 'revoke') {
    const p = parseCommand(argv, opts, USAGE.revoke);
    const result = await revokeSpecialization(deps, {
      partnerId: partnerOf(p, USAGE.revoke),
      specialization: specializationOf(p, USAGE.revoke),
      effective: dayOf(p, 'effective', USAGE.revoke),
      ...actorOf(p),
    });
    if (!result.ok) return failureOutput(result);
    const s = result.period;
    const what = result.cancelled ? `cancelled the grant of ${s.specialization} to partner ${s.partnerId}: it never applied` : `revoked ${s.specialization} of partner ${s.partnerId}: last active day ${s.to}`;
    return ok({ specialization: s, cancelled: result.cancelled, postedQuartersAffected: result.postedQuartersAffected }, `${what} (grant ${s.id})${repostNote(result.postedQuartersAffected)}`);
  }
  throw new UsageError(`unknown specialization command "${sub ?? ''}"\nusage: ${USAGE.grant}\n       ${USAGE.revoke}`);
}
