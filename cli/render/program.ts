/** Text for `partner link|unlink|show` and `specialization grant|revoke`. */
import type { SpecializationPeriod, SubaccountLink } from '../../shared/domain/model';
import { renderTable } from '../table';

function period(from: string, to: string | null): string {
  return `${from} .. ${to ?? '(open)'}`;
}

/** Tells the operator which posted quarters this change reaches into (R7, R9). */
function repostNote(quarters: string[]): string {
  if (quarters.length === 0) return '';
  return `\nnote: ${quarters.join(', ')} ${quarters.length === 1 ? 'is' : 'are'} already posted for this partner; the ledger is not changed now — re-posting (accrue --quarter …) appends the difference as an adjustment`;
}

type LinkResult = { link: SubaccountLink; cancelled?: boolean; postedQuartersAffected: string[] };
type PeriodResult = { specialization: SpecializationPeriod; cancelled?: boolean; postedQuartersAffected: string[] };

export function linkText(r: LinkResult): string {
  const l = r.link;
  return `linked subaccount ${l.subaccountId} to partner ${l.partnerId} for ${period(l.from, l.to)} (link ${l.id}, by ${l.created.actor})${repostNote(r.postedQuartersAffected)}`;
}

export function unlinkText(r: LinkResult): string {
  const l = r.link;
  const what = r.cancelled
    ? `cancelled the link of subaccount ${l.subaccountId} to partner ${l.partnerId}: it never applied`
    : `unlinked subaccount ${l.subaccountId} from partner ${l.partnerId}: last linked day ${l.to}`;
  return `${what} (link ${l.id})${repostNote(r.postedQuartersAffected)}`;
}

export function grantText(r: PeriodResult): string {
  const s = r.specialization;
  return `granted ${s.specialization} to partner ${s.partnerId} for ${period(s.from, s.to)} (grant ${s.id}, by ${s.created.actor})${repostNote(r.postedQuartersAffected)}`;
}

export function revokeText(r: PeriodResult): string {
  const s = r.specialization;
  const what = r.cancelled
    ? `cancelled the grant of ${s.specialization} to partner ${s.partnerId}: it never applied`
    : `revoked ${s.specialization} of partner ${s.partnerId}: last active day ${s.to}`;
  return `${what} (grant ${s.id})${repostNote(r.postedQuartersAffected)}`;
}

/** A cancelled period ends the day before it starts (never in force). */
const until = (p: { from: string; to: string | null }) => (p.to === null ? '(open)' : p.to < p.from ? '(cancelled)' : p.to);

export function releaseText(r: { subaccountId: string; released: { day: string; previousVersion: number }[] }): string {
  const lines = r.released.map((d) => `  ${d.day}  version ${d.previousVersion} → 0`);
  return `released ${r.released.length} account-day(s) of ${r.subaccountId}; the next file of each replaces it, whatever its version — now ingest the correct file\n${lines.join('\n')}`;
}

const audit = (e: { actor: string; at: string; note: string } | null) =>
  e ? `${e.actor} ${e.at.slice(0, 10)}${e.note ? ` (${e.note})` : ''}` : '';

export function showText(r: { partnerId: string; links: SubaccountLink[]; specializations: SpecializationPeriod[] }): string {
  return [
    `Partner ${r.partnerId}`,
    '',
    'Subaccounts',
    r.links.length === 0
      ? '(none)'
      : renderTable(r.links, [
          { header: 'subaccount', value: (l) => l.subaccountId },
          { header: 'from', value: (l) => l.from },
          { header: 'to', value: until },
          { header: 'linked by', value: (l) => audit(l.created) },
          { header: 'ended by', value: (l) => audit(l.ended) },
        ]),
    '',
    'Specializations',
    r.specializations.length === 0
      ? '(none)'
      : renderTable(r.specializations, [
          { header: 'specialization', value: (s) => s.specialization },
          { header: 'from', value: (s) => s.from },
          { header: 'to', value: until },
          { header: 'granted by', value: (s) => audit(s.created) },
          { header: 'ended by', value: (s) => audit(s.ended) },
        ]),
  ].join('\n');
}
