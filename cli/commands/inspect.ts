/** Read-only views an operator needs to check the setup: a partner's links and grants, the ingest log. */
import type { Deps } from '../../shared/usecases/deps';
import { partnerIdProblem } from '../../shared/domain/identifiers';
import { checked, parseCommand, optional, required, UsageError } from '../args';
import { ok, type CommandOutput } from '../output';
import { renderTable } from '../table';

const USAGE = {
  show: 'partner show --partner ID [--json]',
  log: 'ingest-log [--object KEY] [--limit N] [--json]',
};

const ended = (e: { actor: string; at: string; note: string } | null) => (e ? `${e.actor} ${e.at.slice(0, 10)}${e.note ? ` (${e.note})` : ''}` : '');

/** A cancelled period ends the day before it starts (never in force). */
const toText = (p: { from: string; to: string | null }) => (p.to === null ? '(open)' : p.to < p.from ? '(cancelled)' : p.to);

export async function partnerShowCommand(deps: Deps, argv: string[]): Promise<CommandOutput> {
  const p = parseCommand(argv, { partner: { type: 'string' } }, USAGE.show);
  const partnerId = checked(required(p, 'partner', USAGE.show), partnerIdProblem, USAGE.show);
  const [links, specializations] = await Promise.all([
    deps.store.program.listLinks({ partnerId }),
    deps.store.program.listSpecializations({ partnerId }),
  ]);
  const text = [
    `Partner ${partnerId}`,
    '',
    'Subaccounts',
    links.length === 0 ? '(none)' : renderTable(links, [
      { header: 'subaccount', value: (l) => l.subaccountId },
      { header: 'from', value: (l) => l.from },
      { header: 'to', value: (l) => toText(l) },
      { header: 'linked by', value: (l) => ended(l.created) },
      { header: 'ended by', value: (l) => ended(l.ended) },
    ]),
    '',
    'Specializations',
    specializations.length === 0 ? '(none)' : renderTable(specializations, [
      { header: 'specialization', value: (s) => s.specialization },
      { header: 'from', value: (s) => s.from },
      { header: 'to', value: (s) => toText(s) },
      { header: 'granted by', value: (s) => ended(s.created) },
      { header: 'ended by', value: (s) => ended(s.ended) },
    ]),
  ].join('\n');
  return ok({ partnerId, links, specializations }, text);
}

export async function ingestLogCommand(deps: Deps, argv: string[]): Promise<CommandOutput> {
  const p = parseCommand(argv, { object: { type: 'string' }, limit: { type: 'string' } }, USAGE.log);
  const limitText = optional(p, 'limit') ?? '50';
  if (!/^[1-9]\d{0,5}$/.test(limitText)) throw new UsageError(`--limit ${limitText} is not a positive whole number\nusage: ${USAGE.log}`);
  const objectKey = optional(p, 'object');
  const entries = await deps.store.usage.listIngestLog({ limit: Number(limitText), ...(objectKey ? { objectKey } : {}) });
  const text = entries.length === 0 ? '(the ingest log is empty)' : renderTable(entries, [
    { header: 'finished', value: (e) => e.finishedAt },
    { header: 'object', value: (e) => e.objectKey },
    { header: 'status', value: (e) => e.status },
    { header: 'version', value: (e) => (e.version === null ? '' : String(e.version)), align: 'right' },
    { header: 'rows', value: (e) => String(e.rows), align: 'right' },
    { header: 'applied', value: (e) => String(e.accountDaysApplied), align: 'right' },
    { header: 'stale', value: (e) => String(e.accountDaysStale), align: 'right' },
    { header: 'reason', value: (e) => e.reason ?? '' },
  ]);
  return ok({ entries }, text);
}
