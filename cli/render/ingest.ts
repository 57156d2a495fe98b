/** Text for `ingest` and `ingest-log`. */
import type { IngestLogEntry } from '../../shared/domain/model';
import type { IngestedFile } from '../../shared/actions/handlers/ingest';
import { printable } from '../../shared/domain/identifiers';
import { renderTable } from '../table';

export function ingestText(r: { files: IngestedFile[]; totals: Record<string, number>; resumeAfter?: string }): string {
  const t = r.totals;
  const table = renderTable(r.files, [
    { header: 'file', value: (f) => printable(f.objectKey) },
    { header: 'status', value: (f) => f.status },
    { header: 'rows', value: (f) => String(f.rows), align: 'right' },
    { header: 'applied', value: (f) => String(f.accountDaysApplied), align: 'right' },
    { header: 'stale', value: (f) => String(f.accountDaysStale), align: 'right' },
  ]);
  const failed = (t['failed'] ?? 0) > 0 ? `, ${t['failed']} failed` : '';
  const conflicts = (t['conflicts'] ?? 0) > 0 ? `, ${t['conflicts']} version conflict(s)` : '';
  const summary = `${t['files']} file(s): ${t['applied']} applied, ${t['stale']} stale, ${t['rejected']} rejected${failed}; ${t['accountDaysApplied']} account-day(s) replaced, ${t['accountDaysStale']} skipped as stale${conflicts}`;
  const resume = r.resumeAfter ? `\nstopped early: continue with --start-after ${r.resumeAfter}` : '';
  return `${table}\n${summary}${resume}`;
}

export function ingestLogText(r: { entries: IngestLogEntry[] }): string {
  if (r.entries.length === 0) return '(the ingest log is empty)';
  return renderTable(r.entries, [
    { header: 'finished', value: (e) => e.finishedAt },
    { header: 'object', value: (e) => e.objectKey },
    { header: 'status', value: (e) => e.status },
    { header: 'version', value: (e) => (e.version === null ? '' : String(e.version)), align: 'right' },
    { header: 'rows', value: (e) => String(e.rows), align: 'right' },
    { header: 'applied', value: (e) => String(e.accountDaysApplied), align: 'right' },
    { header: 'stale', value: (e) => String(e.accountDaysStale), align: 'right' },
    { header: 'reason', value: (e) => e.reason ?? '' },
  ]);
}
