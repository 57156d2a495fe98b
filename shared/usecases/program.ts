/**
 * Use cases: link / unlink subaccounts (R3) and grant / revoke specializations (R5), each with
 * its audit fields (R12).
 */
import { isDay, quarterRange, type Day } from '../domain/calendar';
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
 * A program change may not take back what is already posted: the last posted quarter of the
 * partner (and specialization, when given) must end before the new last day. Otherwise re-posting
 * would claw back a paid rebate as a negative adjustment; corrections of posted quarters come
 * only from corrected usage data (R9).
 */
async function checkNotRetroactive(deps: Deps, partnerId: string, lastDay: Day, specialization?: string): Promise<Failure | null> {
  const entries = await deps.store.ledger.listEntries({ partnerId });
  const postedQuarters = entries
    .filter((e) => e.kind !== 'withdrawal' && (specialization === undefined || e.specialization === specialization))
    .map((e) => e.quarter)
    .filter((q) => quarterRange(q).to > lastDay);
  if (postedQuarters.length === 0) return null;
  const latest = postedQuarters.sort().at(-1)!;
  const firstAllowed = quarterRange(latest).to;
  return fail(
    'POSTED_QUARTER',
    `${latest} is already posted for partner ${partnerId}${specialization ? ` (${specialization})` : ''}; a change effective on or before ${firstAllowed} would take back a posted rebate — use an effective day after ${firstAllowed}`,
  );
}

export async function linkSubaccount(
  deps: Deps,
  input: { partnerId: string; subaccountId: string; from: Day; to: Day | null } & Actor,
): Promise<Result<{ link: SubaccountLink }>> {
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
  return { ok: true, link };
}

export async function unlinkSubaccount(
  deps: Deps,
  input: { partnerId: string; subaccountId: string; effective: Day } & Actor,
): Promise<Result<{ link: SubaccountLink }>> {
  const invalid = badDay('effective', input.effective);
  if (invalid) return invalid;
  const lastDay = lastDayBefore(input.effective);
  const links = await deps.store.program.listLinks({ subaccountId: input.subaccountId, partnerId: input.partnerId });
  const open = links.find((l) => l.ended === null && (l.to === null || l.to >= input.effective));
  if (!open) return fail('NOT_FOUND', `subaccount ${input.subaccountId} has no link to partner ${input.partnerId} that is still in force on ${input.effective}`);
  if (lastDay < open.from) return fail('INVALID_INPUT', `the link starts ${open.from}; unlinking effective ${input.effective} would leave it no day`);
  const retro = await checkNotRetroactive(deps, input.partnerId, lastDay);
  if (retro) return retro;
  const ended = audit(deps, input);
  await deps.store.program.endLink(open.id, lastDay, ended);
  return { ok: true, link: { ...open, to: lastDay, ended } };
}

export async function grantSpecialization(
  deps: Deps,
  input: { partnerId: string; specialization: string; from: Day; to: Day | null } & Actor,
): Promise<Result<{ period: SpecializationPeriod }>> {
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
  return { ok: true, period };
}

export async function revokeSpecialization(
  deps: Deps,
  input: { partnerId: string; specialization: string; effective: Day } & Actor,
): Promise<Result<{ period: SpecializationPeriod }>> {
  const invalid = badDay('effective', input.effective);
  if (invalid) return invalid;
  const lastDay = lastDayBefore(input.effective); // R5: revoking effective D → last active day D−1
  const periods = await deps.store.program.listSpecializations({ partnerId: input.partnerId, specialization: input.specialization });
  const open = periods.find((p) => p.ended === null && (p.to === null || p.to >= input.effective));
  if (!open) return fail('NOT_FOUND', `partner ${input.partnerId} holds no ${input.specialization} still in force on ${input.effective}`);
  if (lastDay < open.from) return fail('INVALID_INPUT', `the grant starts ${open.from}; revoking effective ${input.effective} would leave it no day`);
  const retro = await checkNotRetroactive(deps, input.partnerId, lastDay, input.specialization);
  if (retro) return retro;
  const ended = audit(deps, input);
  await deps.store.program.endSpecialization(open.id, lastDay, ended);
  return { ok: true, period: { ...open, to: lastDay, ended } };
}
