/** `partner.link|unlink`, `specialization.grant|revoke` (R3, R5, R12) and `partner.show`. */
import { releaseAccountDays } from '../../usecases/release-account-days';
import { grantSpecialization, linkSubaccount, revokeSpecialization, unlinkSubaccount } from '../../usecases/program';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';
import type { Actor } from '../../usecases/deps';

/** R12: every change names who made it; a function has no local user to fall back on. */
export function actorOf(deps: ActionDeps, input: { actor?: string | undefined; note?: string | undefined }): Actor | null {
  const actor = input.actor ?? deps.defaultActor;
  return actor === undefined ? null : { actor, note: input.note ?? '' };
}

export const ACTOR_REQUIRED = {
  code: 'INVALID_INPUT',
  message: 'actor: required for a change (who makes it, R12), e.g. "actor": "anna"',
} as const;

export async function partnerLink(deps: ActionDeps, input: ActionOf<'partner.link'>): Promise<ActionResult> {
  const who = actorOf(deps, input);
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await linkSubaccount(deps, {
    partnerId: input.partnerId,
    subaccountId: input.subaccountId,
    from: input.from,
    to: input.to ?? null,
    ...who,
  });
  return r.ok ? succeeded({ link: r.link, postedQuartersAffected: r.postedQuartersAffected }) : failed(r);
}

export async function partnerUnlink(deps: ActionDeps, input: ActionOf<'partner.unlink'>): Promise<ActionResult> {
  const who = actorOf(deps, input);
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await unlinkSubaccount(deps, {
    partnerId: input.partnerId,
    subaccountId: input.subaccountId,
    effective: input.effective,
    ...who,
  });
  return r.ok ? succeeded({ link: r.link, cancelled: r.cancelled, postedQuartersAffected: r.postedQuartersAffected }) : failed(r);
}

export async function usageRelease(deps: ActionDeps, input: ActionOf<'usage.release'>): Promise<ActionResult> {
  const who = actorOf(deps, input);
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await releaseAccountDays(deps, { subaccountId: input.subaccountId, from: input.day, to: input.to ?? input.day, ...who });
  if (!r.ok) return failed(r);
  return succeeded({
    subaccountId: r.subaccountId,
    released: r.released.map((d) => ({ day: d.day, previousVersion: d.version })),
    ingestLogId: r.logId,
  });
}

export async function specializationGrant(deps: ActionDeps, input: ActionOf<'specialization.grant'>): Promise<ActionResult> {
  const who = actorOf(deps, input);
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await grantSpecialization(deps, {
    partnerId: input.partnerId,
    specialization: input.specialization,
    from: input.from,
    to: input.to ?? null,
    ...who,
  });
  return r.ok ? succeeded({ specialization: r.period, postedQuartersAffected: r.postedQuartersAffected }) : failed(r);
}

export async function specializationRevoke(deps: ActionDeps, input: ActionOf<'specialization.revoke'>): Promise<ActionResult> {
  const who = actorOf(deps, input);
  if (!who) return failed(ACTOR_REQUIRED);
  const r = await revokeSpecialization(deps, {
    partnerId: input.partnerId,
    specialization: input.specialization,
    effective: input.effective,
    ...who,
  });
  return r.ok
    ? succeeded({ specialization: r.period, cancelled: r.cancelled, postedQuartersAffected: r.postedQuartersAffected })
    : failed(r);
}

export async function partnerShow(deps: ActionDeps, input: ActionOf<'partner.show'>): Promise<ActionResult> {
  const [links, specializations] = await Promise.all([
    deps.store.program.listLinks({ partnerId: input.partnerId }),
    deps.store.program.listSpecializations({ partnerId: input.partnerId }),
  ]);
  return succeeded({ partnerId: input.partnerId, links, specializations });
}
