/**
 * The operator's actions: one zod schema per action, parsed from argv by the CLI and from the
 * invoke body by the `operator` function, so the two cannot drift (§8: "every command is also an
 * action of the operator function, from one schema"). Field names are the JSON names; the CLI maps
 * its flags onto them (cli/action-argv.ts).
 */
import { RebatesError } from '../errors';
import { z } from 'zod';
import {
  FIRST_YEAR,
  LAST_YEAR,
  actorField,
  dayField,
  ingestSourceField,
  noteField,
  partnerIdField,
  quarterField,
  specializationField,
  subaccountIdField,
} from './fields';

/** Who and why (R12). The actor is optional here: the CLI defaults it to the local user; the function requires it for changes. */
const audit = { actor: actorField.optional(), note: noteField.optional() };

/** Inline CSV of the operator function: well under the 3.5 MB invoke payload of Cloud Functions. */
const MAX_INLINE_CSV = 3_000_000;

const action = <N extends string, S extends z.ZodRawShape>(name: N, shape: S) => z.strictObject({ action: z.literal(name), ...shape });

export const actionSchemas = {
  'partner.link': action('partner.link', {
    partnerId: partnerIdField,
    subaccountId: subaccountIdField,
    from: dayField,
    to: dayField.nullable().optional(),
    ...audit,
  }),
  'partner.unlink': action('partner.unlink', { partnerId: partnerIdField, subaccountId: subaccountIdField, effective: dayField, ...audit }),
  'partner.show': action('partner.show', { partnerId: partnerIdField }),
  /** Bulk links (issue 12): the CSV as a local file (CLI `--file`) or inline text (operator function `csv`) — exactly one. */
  'partner.import': action('partner.import', {
    file: z.string().min(1, 'a CSV file path').optional(),
    csv: z.string().max(MAX_INLINE_CSV, `csv: at most ${MAX_INLINE_CSV} characters inline; split the file`).optional(),
    dryRun: z.boolean().optional(),
    ...audit,
  }).refine((a) => (a.file === undefined) !== (a.csv === undefined), {
    message: 'give the links CSV exactly once: "file" (a path, CLI --file) or "csv" (the text itself, operator function)',
  }),
  'specialization.grant': action('specialization.grant', {
    partnerId: partnerIdField,
    specialization: specializationField,
    from: dayField,
    to: dayField.nullable().optional(),
    ...audit,
  }),
  'specialization.revoke': action('specialization.revoke', {
    partnerId: partnerIdField,
    specialization: specializationField,
    effective: dayField,
    ...audit,
  }),
  ingest: action('ingest', {
    sources: z.array(ingestSourceField).min(1, 'name at least one source: s3://bucket/prefix (or, in the CLI, a file or directory)'),
    startAfter: z.string().min(1).optional(),
  }),
  'ingest-log': action('ingest-log', {
    objectKey: z.string().min(1).optional(),
    limit: z.number().int('a whole number').min(1).max(10_000).optional(),
  }),
  accrue: action('accrue', {
    quarter: quarterField,
    dryRun: z.boolean().optional(),
    /** Post even when a guard finds a LARGE_ADJUSTMENT (issue 12). */
    confirm: z.boolean().optional(),
    /** Impact preview under proposed rules (dry run only): a file path (CLI) or the rules JSON itself (operator function). */
    rulesFile: z.string().min(1, 'a rules file path').optional(),
    rules: z
      .record(z.string(), z.unknown(), { error: 'proposed rules: a JSON object like the rules file ({"versions": [...]})' })
      .optional(),
    /** Reconcile the quarter with Billing first: differences become a BILLING_MISMATCH warning (issue 12). */
    reconcile: z.boolean().optional(),
    ...audit,
  }),
  'usage.release': action('usage.release', {
    subaccountId: subaccountIdField,
    day: dayField,
    to: dayField.optional(),
    actor: actorField.optional(),
    note: noteField.refine((n) => n.trim().length > 0, 'say why (the ingest log keeps it)'),
  }),
  balance: action('balance', { partnerId: partnerIdField }),
  statement: action('statement', { partnerId: partnerIdField, quarter: quarterField }),
  migrate: action('migrate', {}),
  reconcile: action('reconcile', { quarter: quarterField, partnerId: partnerIdField.optional() }),
  'report.eligibility': action('report.eligibility', {
    year: z
      .number({ error: 'a year YYYY' })
      .int('a year YYYY')
      .min(FIRST_YEAR, `a year from ${FIRST_YEAR}`)
      .max(LAST_YEAR, `a year up to ${LAST_YEAR}`),
  }),
  'sync-catalog': action('sync-catalog', { writeRules: z.string().min(1).optional() }),
  'sync-subaccounts': action('sync-subaccounts', {
    partnerId: partnerIdField,
    resellerId: subaccountIdField,
    effective: dayField.optional(),
    confirm: z.boolean().optional(),
    ...audit,
  }),
  'token.issue': action('token.issue', { partnerId: partnerIdField, ...audit }),
  'token.revoke': action('token.revoke', {
    partnerId: partnerIdField,
    tokenId: z.string().regex(/^[0-9a-f]{24}$/, 'a token id: 24 hex digits (token list shows them)'),
    ...audit,
  }),
  'token.list': action('token.list', { partnerId: partnerIdField }),
} as const;

export type ActionName = keyof typeof actionSchemas;
export type ActionOf<N extends ActionName> = z.infer<(typeof actionSchemas)[N]>;
export type Action = { [N in ActionName]: ActionOf<N> }[ActionName];

export const ACTION_NAMES = Object.keys(actionSchemas) as ActionName[];

/** Actions that change state: they need an actor (R12). */
export const CHANGING_ACTIONS: ReadonlySet<ActionName> = new Set([
  'partner.link',
  'partner.unlink',
  'partner.import',
  'specialization.grant',
  'specialization.revoke',
  'ingest',
  'accrue',
  'migrate',
  'sync-subaccounts',
  'token.issue',
  'token.revoke',
  'usage.release',
]);

export class ActionValidationError extends RebatesError {
  declare readonly code: 'ACTION_INVALID';
  constructor(readonly problems: string[]) {
    super('ACTION_INVALID', problems.join('\n'));
  }
}

function isActionName(value: unknown): value is ActionName {
  return typeof value === 'string' && Object.hasOwn(actionSchemas, value);
}

export interface ActionIssue {
  /** The field (first path element), or '' for the whole action. */
  field: string;
  /** The rest of the path, for nested fields (e.g. an index into `sources`). */
  path: string;
  message: string;
  /** True when the field is absent altogether. */
  missing: boolean;
}

/** Validates an action of a known name, returning every problem with its field. */
export function checkAction(
  name: ActionName,
  input: Record<string, unknown>,
): { ok: true; action: Action } | { ok: false; issues: ActionIssue[] } {
  const result = actionSchemas[name].safeParse(input);
  if (result.success) return { ok: true, action: result.data as Action };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      const [head, ...rest] = issue.path;
      const field = head === undefined ? '' : String(head);
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      return {
        field,
        path: rest.map(String).join('.'),
        message: unknownKeys.length
          ? `unknown field(s) ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')}; valid: ${Object.keys(actionSchemas[name].shape).join(', ')}`
          : issue.message,
        missing: field !== '' && issue.code === 'invalid_type' && input[field] === undefined,
      };
    }),
  };
}

/**
 * Validates an action. An unknown action lists the valid ones; a bad field names the field and
 * why; unknown fields are errors (a typo must not be silently ignored).
 */
export function parseAction(input: unknown): Action {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ActionValidationError([`expected a JSON object {"action": "<name>", ...}; valid actions: ${ACTION_NAMES.join(', ')}`]);
  }
  const name = (input as { action?: unknown }).action;
  if (!isActionName(name)) {
    const got = name === undefined ? 'no "action" field' : `unknown action ${JSON.stringify(name)}`;
    throw new ActionValidationError([`${got}; valid actions: ${ACTION_NAMES.join(', ')}`]);
  }
  const checked = checkAction(name, input as Record<string, unknown>);
  if (checked.ok) return checked.action;
  throw new ActionValidationError(
    checked.issues.map(
      (i) => `${name}: ${i.field ? `${[i.field, i.path].filter(Boolean).join('.')}: ` : ''}${i.missing ? 'required' : i.message}`,
    ),
  );
}
