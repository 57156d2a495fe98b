/** Text for `partner import` (issue 12): the links imported (or that would be), or every problem by line. */
import { renderTable } from '../table';

interface ImportJson {
  source: string;
  dryRun: boolean;
  imported: number;
  links?: { partnerId: string; subaccountId: string; from: string; to: string | null }[];
  problems?: { line: number; column: string | null; reason: string }[];
  postedQuartersAffected?: { partnerId: string; quarters: string[] }[];
}

export function importText(r: ImportJson): string {
  if (r.problems) {
    return `${r.source}: rejected, nothing imported\n${renderTable(r.problems, [
      { header: 'line', value: (p) => String(p.line), align: 'right' },
      { header: 'column', value: (p) => p.column ?? '' },
      { header: 'problem', value: (p) => p.reason },
    ])}`;
  }
  const links = r.links ?? [];
  const title = r.dryRun
    ? `Dry run — nothing written. ${links.length} link(s) from ${r.source} would be imported`
    : `${r.imported} link(s) imported from ${r.source}`;
  const table = renderTable(links, [
    { header: 'partner', value: (l) => l.partnerId },
    { header: 'subaccount', value: (l) => l.subaccountId },
    { header: 'from', value: (l) => l.from },
    { header: 'to', value: (l) => l.to ?? '(open)' },
  ]);
  const reach = (r.postedQuartersAffected ?? []).map(
    (p) => `${p.partnerId}: posted ${p.quarters.join(', ')} — re-post to append the difference (R7)`,
  );
  return [title, table, ...reach].join('\n');
}
