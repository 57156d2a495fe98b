/**
 * Use cases: link / unlink subaccounts (R3) and grant / revoke specializations (R5), each with
 * its audit fields (R12).
 */
import { isDay, periodsOverlap, quarterRange, type Day, type Quarter } from '../domain/calendar';
import type { Audit, SpecializationPeriod, SubaccountLink } from '../domain/model';
import { checkNewLink, checkNewSpecialization, lastDayBefore } from '../domain/periods';
import { fail, type Actor, type Deps, type Failure } from './deps';

type Result<T> = ({ ok: true } & T) | Failure;

function audit(deps: Deps, who: Actor): Audit {
  return { actor: who.actor, at: deps.clock().toISOString(), note: who.note };
}

function badDay(name: string, value: string | null | undefined): Failure | null {
  if (value === null || value === undefined) return null;
  return isDay(value) ? null : fail('INVALID_INPUT', `--${name} ${value} is not a calendar day (YYYY-MM-DD)`);
}

/**
 * The posted quarters a change reaches back into (those overlapping the changed days). They are
 * not changed now — the ledger is append-only — but re-posting them (the timer re-posts the
 * previous quarter, R9; operators may re-post any) appends adjustments: positive for a
 * retroactive link or grant, negative for a retroactive unlink or revocation (R7).
 */
async function postedQuartersTouched(deps: Deps, partnerId: string, changed: { from: Day; to: Day | null }, specialization?: string): Promise<Quarter[]> {
  const entries = await deps.store.ledger.listEntries({ partnerId });
  const quarters = entries
    .filter((e) => e.kind !== 'withdrawal' && (specialization === undefined || e.specialization === specialization))
    .map((e) => e.quarter)
    .filter((q) => periodsOverlap(quarterRange(q), changed));
  return [...new Set(quarters)].sort();
}

export async function linkSubaccount(
  deps: Deps,
  input: { partnerId: string; subaccountId: string; from: Day; to: Day | null } & Actor,
): Promise<Result<{ link: SubaccountLink; postedQuartersAffected: Quarter[] }>> {
  const invalid = badDay('from', input.from) ?? badDay('to', input.to);
  if (invalid) return invalid;
  const existing = await deps.store.program.listLinks({ subaccountId: input.subaccountId });
  const problem = checkNewLink(existing, input);
  if (problem) return fail(problem.code === 'OVERLAP' ? 'OVERLAP' : 'INVALID_INPUT', problem.message);
  const link: SubaccountLink = {
    id: deps.newId(),
    partnerId: input.partnerId,
    subaccountId: input.subaccountId,
    from: input.from,
    to: input.to,
    created: audit(deps, input),
    ended: null,
  };
  await deps.store.program.insertLink(link);
  return { ok: true, link, postedQuartersAffected: await postedQuartersTouched(deps, input.partnerId, link) };
}

export async function unlinkSubaccount(
  deps: Deps,
  input: { partnerId: string; subaccountId: string; effective: Day } & Actor,
): Promise<Result<{ link: SubaccountLink; postedQuartersAffected: Quarter[] }>> {
  const invalid = badDay('effective', input.effective);
  if (invalid) return invalid;
  const lastDay = lastDayBefore(input.effective);
  const links = await deps.store.program.listLinks({ subaccountId: input.subaccountId, partnerId: input.partnerId });
  const open = links.find((l) => l.ended === null && (l.to === null || l.to >= input.effective));
  if (!open) return fail('NOT_FOUND', `subaccount ${input.subaccountId} has no link to partner ${input.partnerId} that is still in force on ${input.effective}`);
  if (lastDay < open.from) return fail('INVALID_INPUT', `the link starts ${open.from}; unlinking effective ${input.effective} would leave it no day`);
  const ended = audit(deps, input);
  await deps.store.program.endLink(open.id, lastDay, ended);
  const repost = await postedQuartersTouched(deps, input.partnerId, { from: input.effective, to: open.to });
  return { ok: true, link: { ...open, to: lastDay, ended }, postedQuartersAffected: repost };
}

export async function grantSpecialization(
  deps: Deps,
  input: { partnerId: string; specialization: string; from: Day; to: Day | null } & Actor,
): Promise<Result<{ period: SpecializationPeriod; postedQuartersAffected: Quarter[] }>> {
  const invalid = badDay('from', input.from) ?? badDay('to', input.to);
  if (invalid) return invalid;
  const known = deps.rules.rules.specializationIds();
  if (!known.includes(input.specialization)) {
    return fail('UNKNOWN_SPECIALIZATION', `unknown specialization "${input.specialization}"; the program rules define: ${known.join(', ')}`);
  }
  const existing = await deps.store.program.listSpecializations({ partnerId: input.partnerId, specialization: input.specialization });
  const problem = checkNewSpecialization(existing, input);
  if (problem) return fail(problem.code === 'OVERLAP' ? 'OVERLAP' : 'INVALID_INPUT', problem.message);
  const period: SpecializationPeriod = {
    id: deps.newId(),
    partnerId: input.partnerId,
    specialization: input.specialization,
    from: input.from,
    to: input.to,
    created: audit(deps, input),
    ended: null,
  };
  await deps.store.program.insertSpecialization(period);
  return { ok: true, period, postedQuartersAffected: await postedQuartersTouched(deps, input.partnerId, period, input.specialization) };
}

export async function revokeSpecialization(
  deps: Deps,
  input: { partnerId: string; specialization: string; effective: Day } & Actor,
): Promise<Result<{ period: SpecializationPeriod; postedQuartersAffected: Quarter[] }>> {
  const invalid = badDay('effective', input.effective);
  if (invalid) return invalid;
  const lastDay = lastDayBefore(input.effective); // R5: revoking effective D → last active day D−1
  const periods = await deps.store.program.listSpecializations({ partnerId: input.partnerId, specialization: input.specialization });
  const open = periods.find((p) => p.ended === null && (p.to === null || p.to >= input.effective));
  if (!open) return fail('NOT_FOUND', `partner ${input.partnerId} holds no ${input.specialization} still in force on ${input.effective}`);
  if (lastDay < open.from) return fail('INVALID_INPUT', `the grant starts ${open.from}; revoking effective ${input.effective} would leave it no day`);
  const ended = audit(deps, input);
  await deps.store.program.endSpecialization(open.id, lastDay, ended);
  const repost = await postedQuartersTouched(deps, input.partnerId, { from: input.effective, to: open.to }, input.specialization);
  return { ok: true, period: { ...open, to: lastDay, ended }, postedQuartersAffected: repost };
}
