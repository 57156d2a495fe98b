/**
 * What an id, a day, a quarter, an actor and a note may be — one place for every edge: the CLI,
 * the operator function, the export parser. Each rule exists as a plain check (for hot paths and
 * for use cases) and as a zod schema (for action schemas), and the two cannot disagree because the
 * schema calls the check.
 *
 * Why these limits: ids and actors are printed in tables, logs and error lines, and they are keys
 * in both stores. A blank or space-padded id looks like another id; a control character (a line
 * break, a terminal escape) can forge an `error:` line or repaint a terminal; a megabyte id is a
 * mistake, not a customer. Such values are refused at the edge with the reason, never stored.
 */
import { z } from 'zod';
import { isDay, isQuarter, type Day, type Quarter } from './calendar';

/** Days and quarters the program accepts as input: a wide, plausible window (R1). */
export const FIRST_SUPPORTED_DAY: Day = '2000-01-01';
export const LAST_SUPPORTED_DAY: Day = '2999-12-31';

export const MAX_PARTNER_ID = 128;
export const MAX_ACCOUNT_ID = 128;
export const MAX_BILLING_ID = 256;
export const MAX_ACTOR = 128;
export const MAX_NOTE = 2000;
export const MAX_DISPLAY_NAME = 1024;

/** Control (Cc: C0, DEL, C1) and format (Cf: bidi overrides, zero-width) characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
const CONTROL = /\p{Cc}/u;
const WHITESPACE = /\s/u;

function describeChar(text: string, re: RegExp): string {
  const found = re.exec(text)!;
  const code = found[0].codePointAt(0)!;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${found.index + 1}`;
}

/**
 * Why `value` is not an identifier (no whitespace, control or format characters, 1..max chars,
 * no U+FFFD, optionally no '/'), or null. `what` names it in the reason.
 */
export function identifierProblem(value: string, what: string, max: number, options: { slash?: boolean } = {}): string | null {
  if (value.length === 0) return `${what} is empty`;
  if (value.trim().length === 0) return `${what} is blank`;
  if (value.length > max) return `${what} is ${value.length} characters long (at most ${max})`;
  if (value !== value.trim()) return `${what} has leading or trailing spaces`;
  if (INVISIBLE.test(value)) return `${what} contains a control or invisible character (${describeChar(value, INVISIBLE)})`;
  if (WHITESPACE.test(value)) return `${what} contains whitespace (${describeChar(value, WHITESPACE)})`;
  if (value.includes('\uFFFD')) return `${what} contains U+FFFD (a character that was not valid UTF-8)`;
  // Ledger entry ids join partner, quarter, specialization and currency with '/'.
  if (options.slash === false && value.includes('/')) return `${what} contains "/"`;
  return null;
}

/** Control characters other than tab and line breaks (escapes, NUL, bell, C1). */
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

/** Why a display name or free text is not acceptable (control characters, length), or null. */
export function textProblem(value: string, what: string, max: number): string | null {
  if (value.length > max) return `${what} is ${value.length} characters long (at most ${max})`;
  if (CONTROL.test(value)) return `${what} contains a control character (${describeChar(value, CONTROL)})`;
  return null;
}

/**
 * Why a display name from an export is not acceptable, or null. Names may hold line breaks (real
 * exports quote multi-line SKU names) but no terminal escapes or other control characters.
 */
export function displayNameProblem(value: string, what: string): string | null {
  if (value.length > MAX_DISPLAY_NAME) return `${what} is ${value.length} characters long (at most ${MAX_DISPLAY_NAME})`;
  if (CONTROL_BUT_LINE_BREAKS.test(value)) return `${what} contains a control character (${describeChar(value, CONTROL_BUT_LINE_BREAKS)})`;
  return null;
}

export const partnerIdProblem = (v: string) => identifierProblem(v, 'partner id', MAX_PARTNER_ID, { slash: false });
export const subaccountIdProblem = (v: string) => identifierProblem(v, 'subaccount (billing account) id', MAX_ACCOUNT_ID);
export const billingIdProblem = (v: string, what: string) => identifierProblem(v, what, MAX_BILLING_ID);

export function actorProblem(v: string): string | null {
  if (v.length === 0) return 'actor is empty';
  if (v.trim().length === 0) return 'actor is blank';
  if (v !== v.trim()) return 'actor has leading or trailing spaces';
  return (
    textProblem(v, 'actor', MAX_ACTOR) ??
    (INVISIBLE.test(v) ? `actor contains an invisible character (${describeChar(v, INVISIBLE)})` : null)
  );
}

export const noteProblem = (v: string) => textProblem(v, 'note', MAX_NOTE);

export function dayProblem(v: string, what = 'day'): string | null {
  if (!isDay(v)) return `${what} ${JSON.stringify(v.slice(0, 40))} is not a calendar day (YYYY-MM-DD)`;
  if (v < FIRST_SUPPORTED_DAY || v > LAST_SUPPORTED_DAY)
    return `${what} ${v} is outside the supported range ${FIRST_SUPPORTED_DAY}..${LAST_SUPPORTED_DAY}`;
  return null;
}

export function quarterProblem(v: string, what = 'quarter'): string | null {
  if (!/^\d{4}-Q[1-4]$/.test(v)) return `${what} ${JSON.stringify(v.slice(0, 40))} is not a quarter (expected YYYY-Qn, e.g. 2026-Q1)`;
  const year = v.slice(0, 4);
  if (!isQuarter(v) || year < FIRST_SUPPORTED_DAY.slice(0, 4) || year > LAST_SUPPORTED_DAY.slice(0, 4)) {
    return `${what} ${v} is outside the supported years ${FIRST_SUPPORTED_DAY.slice(0, 4)}..${LAST_SUPPORTED_DAY.slice(0, 4)}`;
  }
  return null;
}

/** Specialization ids are kebab-case, as in the rules file (§5). */
export function specializationIdProblem(v: string): string | null {
  if (!/^[a-z0-9-]{1,64}$/.test(v))
    return `specialization ${JSON.stringify(v.slice(0, 40))} is not a specialization id (kebab-case, e.g. ml-ai)`;
  return null;
}

function fromCheck(check: (v: string) => string | null) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export const partnerIdSchema = fromCheck(partnerIdProblem);
export const subaccountIdSchema = fromCheck(subaccountIdProblem);
export const specializationIdSchema = fromCheck(specializationIdProblem);
export const daySchema = fromCheck((v) => dayProblem(v)) as z.ZodType<Day, string>;
export const quarterSchema = fromCheck((v) => quarterProblem(v)) as z.ZodType<Quarter, string>;
export const actorSchema = fromCheck(actorProblem);
export const noteSchema = fromCheck(noteProblem);

/** The first problem among named values, or null: `firstProblem([partnerIdProblem(p), dayProblem(d)])`. */
export function firstProblem(problems: readonly (string | null)[]): string | null {
  return problems.find((p) => p !== null) ?? null;
}

/**
 * Text safe to print on one line: control characters (a line break that could forge an `error:`
 * line, a terminal escape) become `\uXXXX`. For messages that quote names from outside, such as
 * file names.
 */
export function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}
