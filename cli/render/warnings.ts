/** The guards' warnings (issue 12) and the rules-change impact as text sections. */
import { renderTable } from '../table';

export interface WarningJson {
  code: string;
  message: string;
}

export function warningsText(warnings: readonly WarningJson[] | undefined): string {
  if (!warnings || warnings.length === 0) return 'Warnings: none';
  const table = renderTable(warnings, [
    { header: 'warning', value: (w) => w.code },
    { header: 'what', value: (w) => w.message },
  ]);
  return `Warnings (${warnings.length})\n${table}`;
}

export interface ImpactJson {
  current: { source: string };
  proposed: { source: string };
  lines: {
    partnerId: string;
    specialization: string;
    currency: string;
    posted: string;
    current: string;
    proposed: string;
    change: string;
  }[];
}

export function impactText(impact: ImpactJson): string {
  const title = `Rules-change impact: ${impact.current.source} (current) → ${impact.proposed.source} (proposed)`;
  if (impact.lines.length === 0) return `${title}\n(no amounts under either rules and nothing posted)`;
  return `${title}\n${renderTable(impact.lines, [
    { header: 'partner', value: (l) => l.partnerId },
    { header: 'specialization', value: (l) => l.specialization },
    { header: 'cur', value: (l) => l.currency },
    { header: 'posted', value: (l) => l.posted, align: 'right' },
    { header: 'current', value: (l) => l.current, align: 'right' },
    { header: 'proposed', value: (l) => l.proposed, align: 'right' },
    { header: 'change', value: (l) => l.change, align: 'right' },
  ])}`;
}
