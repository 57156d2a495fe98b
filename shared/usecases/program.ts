/**
 * Use cases: link / unlink subaccounts (R3) and grant / revoke specializations (R5), each with
 * its audit fields (R12).
 *
 * Corrections: unlinking or revoking effective on the first day cancels a mistaken link or grant
 * (it keeps no day; the record and its audit stay), and an ended one can be ended earlier again —
 * the earlier end's audit is kept in the new note. Every input is checked against the shared
 * identifier rules first, so the CLI and the operator function refuse the same things.
 */
import { isEmptyPeriod, periodsOverlap, quarterRange, type Day, type Quarter } from '../domain/calendar';
import {
  actorProblem,
  dayProblem,
  firstProblem,
  noteProblem,
  partnerIdProblem,
  specializationIdProblem,
  subaccountIdProblem,
} from '../domain/identifiers';
import type { Audit, PeriodRecord, SpecializationPeriod, SubaccountLink } from '../domain/model';
import { checkNewLink, checkNewSpecialization, lastDayBefore } from '../domain/periods';
import { fail, type Actor, type Deps, type Failure } from './deps';

type Result<T> = ({ ok: true } & T) | Failure;

function audit(deps: Deps, who: Actor): Audit {
  return { actor: who.actor, at: deps.clock().toISOString(), note: who.note };
}

function badDay(name: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return dayProblem(value, `--${name}`);
}

/** The first problem of the inputs every program change shares, as a Failure; null when all are fine. */
function invalid(problems: (string | null)[], who: Actor): Failure | null {
  const problem = firstProblem([...problems, actorProblem(who.actor), noteProblem(who.note)]);
  return problem === null ? null : fail('INVALID_INPUT', problem);
}

/**
 * The posted quarters a change reaches back into (those overlapping the changed days). They are
 * not changed now — the ledger is append-only — but re-posting them (the timer re-posts the
 * previous quarter, R9; operators may re-post any) appends adjustments: positive for a
 * retroactive link or grant, negative for a retroactive unlink or revocation (R7).
 */
async function postedQuartersTouched(
  deps: Deps,
  partnerId: string,
  changed: { from: Day; to: Day | null },
  specialization?: string,
): Promise<Quarter[]> {
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
  const bad = invalid(
    [partnerIdProblem(input.partnerId), subaccountIdProblem(input.subaccountId), badDay('from', input.from), badDay('to', input.to)],
    input,
  );
  if (bad) return bad;
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

/**
 * R5 end of a period with effective day D (last day D−1), for unlink and revoke alike: the period
 * that covers D ends earlier; D on its first day cancels it. An ended period can be ended earlier
 * again; its previous end's audit is kept in the note (R12).
 */
async function endPeriod<T extends PeriodRecord>(
  deps: Deps,
  records: readonly T[],
  input: { effective: Day } & Actor,
  what: string,
  end: (id: string, to: Day, ended: Audit) => Promise<void>,
): Promise<Result<{ record: T; cancelled: boolean; previousTo: Day | null }>> {
  const live = records.filter((r) => !isEmptyPeriod(r));
  const target = live.find((r) => r.from <= input.effective && (r.to === null || input.effective <= r.to));
  if (!target) {
    const endedBefore = live.filter((r) => r.to !== null && r.to < input.effective).sort((a, b) => (a.to! < b.to! ? 1 : -1))[0];
    if (endedBefore) {
      return fail(
        'ALREADY_ENDED',
        `${what} already ends on ${endedBefore.to} (last day), before ${input.effective}; to end it earlier, give an effective day up to ${endedBefore.to}`,
      );
    }
    const later = live.find((r) => r.from > input.effective);
    if (later)
      return fail('NOT_FOUND', `${what} starts on ${later.from}, after ${input.effective}; to cancel it, give --effective ${later.from}`);
    return fail('NOT_FOUND', `${what} does not exist`);
  }
  const lastDay = lastDayBefore(input.effective);
  const previous = target.ended;
  const kept = previous
    ? ` [replaces the end on ${target.to} by ${previous.actor} at ${previous.at}${previous.note ? `: ${previous.note}` : ''}]`
    : '';
  const ended: Audit = { ...audit(deps, input), note: `${input.note}${kept}`.trim() };
  await end(target.id, lastDay, ended);
  return { ok: true, record: { ...target, to: lastDay, ended }, cancelled: lastDay < target.from, previousTo: target.to };
}

export async function unlinkSubaccount(
  deps: Deps,
  input: { partnerId: string; subaccountId: string; effective: Day } & Actor,
): Promise<Result<{ link: SubaccountLink; cancelled: boolean; postedQuartersAffected: Quarter[] }>> {
  const bad = invalid(
    [partnerIdProblem(input.partnerId), subaccountIdProblem(input.subaccountId), badDay('effective', input.effective)],
    input,
  );
  if (bad) return bad;
  const links = await deps.store.program.listLinks({ subaccountId: input.subaccountId, partnerId: input.partnerId });
  const what = `the link of subaccount ${input.subaccountId} to partner ${input.partnerId}`;
  const result = await endPeriod(deps, links, input, what, (id, to, ended) => deps.store.program.endLink(id, to, ended));
  if (!result.ok) return result;
  const repost = await postedQuartersTouched(deps, input.partnerId, { from: input.effective, to: result.previousTo });
  return { ok: true, link: result.record, cancelled: result.cancelled, postedQuartersAffected: repost };
}

export async function grantSpecialization(
  deps: Deps,
  input: { partnerId: string; specialization: string; from: Day; to: Day | null } & Actor,
): Promise<Result<{ period: SpecializationPeriod; postedQuartersAffected: Quarter[] }>> {
  const bad = invalid(
    [partnerIdProblem(input.partnerId), specializationIdProblem(input.specialization), badDay('from', input.from), badDay('to', input.to)],
    input,
  );
  if (bad) return bad;
  const known = deps.rules.rules.specializationIds();
  if (!known.includes(input.specialization)) {
    return fail(
      'UNKNOWN_SPECIALIZATION',
      `unknown specialization "${input.specialization}"; the program rules define: ${known.join(', ')}`,
    );
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
): Promise<Result<{ period: SpecializationPeriod; cancelled: boolean; postedQuartersAffected: Quarter[] }>> {
  const bad = invalid(
    [partnerIdProblem(input.partnerId), specializationIdProblem(input.specialization), badDay('effective', input.effective)],
    input,
  );
  if (bad) return bad;
  const periods = await deps.store.program.listSpecializations({ partnerId: input.partnerId, specialization: input.specialization });
  const known = deps.rules.rules.specializationIds();
  if (periods.length === 0 && !known.includes(input.specialization)) {
    return fail(
      'UNKNOWN_SPECIALIZATION',
      `unknown specialization "${input.specialization}"; the program rules define: ${known.join(', ')}`,
    );
  }
  const what = `partner ${input.partnerId}'s ${input.specialization}`;
  // R5: revoking effective D → last active day D−1.
  const result = await endPeriod(deps, periods, input, what, (id, to, ended) => deps.store.program.endSpecialization(id, to, ended));
  if (!result.ok) return result;
  const repost = await postedQuartersTouched(deps, input.partnerId, { from: input.effective, to: result.previousTo }, input.specialization);
  return { ok: true, period: result.record, cancelled: result.cancelled, postedQuartersAffected: repost };
}
