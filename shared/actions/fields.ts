/**
 * Field schemas every action shares, validated once at the edge for the CLI and the operator
 * function alike: identifiers, days, quarters and the audit fields (R12). A value is rejected,
 * never silently trimmed or repaired, so what is stored is exactly what the operator typed.
 */
import { z } from 'zod';
import { isDay, isQuarter } from '../domain/calendar';

/** Control characters (a newline could forge an `error:` line; escapes rewrite a terminal). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
const MAX_ID = 128;

/** Years the program can meaningfully name: a typo such as 0206 or 9999 is an input error. */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2099;

function printable(what: string, max: number) {
  return z
    .string({ error: `${what}: expected a string` })
    .min(1, `${what}: must not be empty`)
    .max(max, `${what}: at most ${max} characters`)
    .refine((v) => v.trim() === v, `${what}: must not start or end with spaces`)
    .refine((v) => v.trim().length > 0, `${what}: must not be blank`)
    .refine((v) => !CONTROL.test(v), `${what}: must not contain control characters`);
}

export const partnerIdField = printable('a partner id', MAX_ID);
export const subaccountIdField = printable('a billing account id', MAX_ID);
export const specializationField = printable('a specialization id', MAX_ID);
export const actorField = printable('an actor (who makes the change)', MAX_ID);
export const noteField = z
  .string()
  .max(2000, 'a note: at most 2000 characters')
  .refine((v) => !/[\u0000-\u0008\u000b-\u001f\u007f]/u.test(v), 'a note: must not contain control characters other than newline and tab');

const yearInRange = (v: string) => {
  const year = Number(v.slice(0, 4));
  return year >= FIRST_YEAR && year <= LAST_YEAR;
};

export const dayField = z
  .string({ error: 'expected a day YYYY-MM-DD' })
  .refine(isDay, 'not a calendar day (expected YYYY-MM-DD, e.g. 2026-01-31)')
  .refine(yearInRange, `a day between ${FIRST_YEAR}-01-01 and ${LAST_YEAR}-12-31`);

export const quarterField = z
  .string({ error: 'expected a quarter YYYY-Qn' })
  .refine(isQuarter, 'not a quarter (expected YYYY-Qn, e.g. 2026-Q1)')
  .refine(yearInRange, `a quarter between ${FIRST_YEAR}-Q1 and ${LAST_YEAR}-Q4`);

/** An `s3://bucket/prefix` URL or (CLI only) a local file or directory. */
export const ingestSourceField = printable('an ingest source', 4096);
