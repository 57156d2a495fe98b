/**
 * Bulk links (issue 12): a CSV of `partner_id,subaccount_id,from,to` checked as a whole — every
 * bad row and every overlap (within the file and with stored links, R3) reported with its line
 * number — before anything is written. Pure: the use case passes the text and the stored links.
 */
import { z } from 'zod';
import { isDay, periodsOverlap, type Day } from './calendar';
import type { SubaccountLink } from './model';
import { checkNewLink } from './periods';

export const LINK_COLUMNS = ['partner_id', 'subaccount_id', 'from', 'to'] as const;

export interface LinkRow {
  /** 1-based physical line of the row in the file. */
  line: number;
  partnerId: string;
  subaccountId: string;
  from: Day;
  to: Day | null;
}

export interface ImportProblem {
  line: number;
  column: string | null;
  reason: string;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const idCell = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .max(128, `${what}: at most 128 characters`)
    .refine((v) => v.trim() === v, `${what} must not start or end with spaces`)
    .refine((v) => !CONTROL.test(v), `${what} must not contain control characters`);
const dayCell = z.string().refine(isDay, 'not a calendar day (expected YYYY-MM-DD)');

const rowSchema = z.strictObject({
  partner_id: idCell('a partner id'),
  subaccount_id: idCell('a billing account id'),
  from: dayCell,
  to: z.union([z.literal('').transform(() => null), dayCell]),
});

/** RFC 4180 records of a small text: fields, and the line each record starts on. */
export function csvRecords(text: string): { line: number; fields: string[]; fault: string | null }[] {
  const records: { line: number; fields: string[]; fault: string | null }[] = [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < body.length) {
    const start = line;
    const fields: string[] = [];
    let fault: string | null = null;
    for (;;) {
      let value = '';
      if (body[i] === '"') {
        i++;
        for (;;) {
          if (i >= body.length) {
            fault = 'a quoted field is not closed';
            break;
          }
          if (body[i] === '"') {
            if (body[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (body[i] === '\n') line++;
          value += body[i++];
        }
        if (fault === null && i < body.length && body[i] !== ',' && body[i] !== '\n' && body[i] !== '\r')
          fault = 'text after a closing quote';
      }
      while (i < body.length && body[i] !== ',' && body[i] !== '\n' && body[i] !== '\r') value += body[i++];
      fields.push(value);
      if (body[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (body[i] === '\r') i++;
    if (body[i] === '\n') i++;
    line++;
    // Blank lines (a trailing newline, an empty line) carry no record.
    if (!(fields.length === 1 && fields[0] === '' && fault === null)) records.push({ line: start, fields, fault });
  }
  return records;
}

/** Parses and validates the whole file: every row, or every problem found. */
export function parseLinkRows(text: string): { rows: LinkRow[]; problems: ImportProblem[] } {
  const records = csvRecords(text);
  const problems: ImportProblem[] = [];
  const [header, ...data] = records;
  if (!header)
    return { rows: [], problems: [{ line: 1, column: null, reason: `the file is empty; expected the header ${LINK_COLUMNS.join(',')}` }] };
  const names = header.fields.map((f) => f.trim());
  const missing = LINK_COLUMNS.filter((c) => !names.includes(c));
  const unknown = names.filter((n) => !(LINK_COLUMNS as readonly string[]).includes(n));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (missing.length || unknown.length || repeated.length) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.join(', ')}` : '',
      repeated.length ? `repeated ${repeated.join(', ')}` : '',
    ].filter(Boolean);
    return {
      rows: [],
      problems: [
        {
          line: header.line,
          column: null,
          reason: `header: ${parts.join('; ')} (expected ${LINK_COLUMNS.join(',')}, a header line is required)`,
        },
      ],
    };
  }
  if (data.length === 0) problems.push({ line: header.line, column: null, reason: 'no links after the header' });

  const rows: LinkRow[] = [];
  for (const record of data) {
    if (record.fault) {
      problems.push({ line: record.line, column: null, reason: record.fault });
      continue;
    }
    if (record.fields.length !== names.length) {
      problems.push({ line: record.line, column: null, reason: `expected ${names.length} fields, found ${record.fields.length}` });
      continue;
    }
    const parsed = rowSchema.safeParse(Object.fromEntries(names.map((n, i) => [n, record.fields[i]])));
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ line: record.line, column: String(issue.path[0] ?? ''), reason: issue.message });
      continue;
    }
    const r = parsed.data;
    if (r.to !== null && r.to < r.from) {
      problems.push({ line: record.line, column: 'to', reason: `the link ends (${r.to}) before it starts (${r.from})` });
      continue;
    }
    rows.push({ line: record.line, partnerId: r.partner_id, subaccountId: r.subaccount_id, from: r.from, to: r.to });
  }
  return { rows, problems };
}

/** R3 for a batch: overlaps between rows of the file, and with the stored links. */
export function checkLinkOverlaps(rows: readonly LinkRow[], stored: readonly SubaccountLink[]): ImportProblem[] {
  const problems: ImportProblem[] = [];
  for (const [i, row] of rows.entries()) {
    const earlier = rows.slice(0, i).find((o) => o.subaccountId === row.subaccountId && periodsOverlap(o, row));
    if (earlier) {
      problems.push({
        line: row.line,
        column: null,
        reason: `subaccount ${row.subaccountId} ${row.from}..${row.to ?? 'open end'} overlaps line ${earlier.line} (${earlier.partnerId} ${earlier.from}..${earlier.to ?? 'open end'})`,
      });
    }
    const clash = checkNewLink(stored, row);
    if (clash?.code === 'OVERLAP')
      problems.push({ line: row.line, column: null, reason: `${clash.message} (stored link ${clash.conflictingId})` });
  }
  return problems;
}

export function describeProblems(source: string, problems: readonly ImportProblem[]): string {
  return [
    `${source}: ${problems.length} problem(s), nothing imported`,
    ...problems.map((p) => `line ${p.line}${p.column ? `, column ${p.column}` : ''}: ${p.reason}`),
  ].join('\n');
}
