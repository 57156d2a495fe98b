/**
 * Use case: recover account-days stuck behind a bad version (I1). A file with an implausible
 * version (milliseconds, a far-future time) that was stored before such files were refused makes
 * every later genuine correction of its account-days `stale`. Releasing drops their stored
 * version to 0 — the data stays until the next file — so the next copy of each replaces it,
 * whatever its version. The operator then ingests the correct file. Audited (R12): who, when and
 * why go into the ingest log as an entry of their own, with every version that was released.
 */
import { addDays, type Day } from '../domain/calendar';
import { actorProblem, dayProblem, firstProblem, subaccountIdProblem, textProblem, MAX_NOTE } from '../domain/identifiers';
import type { AccountDayVersion, IngestLogEntry } from '../domain/model';
import { fail, type Actor, type Deps, type Failure } from './deps';

/** At most a year of days per release: a larger range is more likely a typo than a recovery. */
const MAX_DAYS = 366;

export interface ReleaseResult {
  ok: true;
  subaccountId: string;
  released: AccountDayVersion[];
  logId: string;
}

export async function releaseAccountDays(
  deps: Deps,
  input: { subaccountId: string; from: Day; to: Day } & Actor,
): Promise<ReleaseResult | Failure> {
  const problem = firstProblem([
    subaccountIdProblem(input.subaccountId),
    dayProblem(input.from, '--day'),
    dayProblem(input.to, '--to'),
    actorProblem(input.actor),
    input.note.trim() === '' ? 'a release needs --note: say why (it goes into the ingest log)' : textProblem(input.note, 'note', MAX_NOTE),
  ]);
  if (problem !== null) return fail('INVALID_INPUT', problem);
  if (input.to < input.from) return fail('INVALID_INPUT', `--to ${input.to} is before --day ${input.from}`);
  const days: Day[] = [];
  for (let d = input.from; d <= input.to; d = addDays(d, 1)) {
    if (days.length >= MAX_DAYS) return fail('INVALID_INPUT', `at most ${MAX_DAYS} days can be released at once`);
    days.push(d);
  }
  const at = deps.clock().toISOString();
  const source = `released by ${input.actor} at ${at}`;
  const released = await deps.store.usage.releaseAccountDays(
    days.map((day) => ({ accountId: input.subaccountId, day })),
    source,
  );
  if (released.length === 0)
    return fail(
      'NOT_FOUND',
      `subaccount ${input.subaccountId} has no stored usage on ${input.from}${input.to === input.from ? '' : `..${input.to}`}`,
    );
  const shown = released
    .slice(0, 10)
    .map((r) => `${r.day} version ${r.version} → 0`)
    .join(', ');
  const entry: IngestLogEntry = {
    id: deps.newId(),
    objectKey: `operator:release/${input.subaccountId}/${input.from}..${input.to}`,
    etag: null,
    version: null,
    rows: 0,
    accountDaysApplied: released.length,
    accountDaysStale: 0,
    status: 'applied',
    reason: `versions released by ${input.actor}: ${input.note} — ${input.subaccountId} ${shown}${released.length > 10 ? ` and ${released.length - 10} more` : ''}; the next file of each replaces it`,
    startedAt: at,
    finishedAt: deps.clock().toISOString(),
  };
  await deps.store.usage.recordIngest(entry);
  return { ok: true, subaccountId: input.subaccountId, released, logId: entry.id };
}
