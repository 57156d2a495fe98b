/**
 * The CLI's words and flags for each action of the shared schema (shared/actions/schema.ts):
 * argv becomes the same JSON object the operator function receives, then the same zod schema
 * validates it. The flag → field table is typed against the schema, so a renamed field fails
 * to compile here instead of drifting.
 */
import { RebatesError } from '../shared/errors';
import { parseArgs } from 'node:util';
import { ACTION_NAMES, checkAction, type Action, type ActionName, type ActionOf } from '../shared/actions/schema';

type FieldOf<N extends ActionName> = Exclude<keyof ActionOf<N>, 'action'> & string;
type FlagType = 'string' | 'boolean' | 'int';

interface CliSpec<N extends ActionName> {
  words: readonly string[];
  /** Options after the words; `--json` and `--help` are the CLI's own. */
  flags: Readonly<Record<string, { field: FieldOf<N>; type: FlagType }>>;
  /** The field that takes the positional arguments (an array), if any. */
  positionals?: FieldOf<N>;
  usage: string;
  /** One line for the help screen. */
  summary: string;
}

const str = <F extends string>(field: F) => ({ field, type: 'string' as const });
const bool = <F extends string>(field: F) => ({ field, type: 'boolean' as const });
const AUDIT = '[--actor ID] [--note TEXT]';

export const CLI_ACTIONS: { [N in ActionName]: CliSpec<N> } = {
  'partner.link': {
    words: ['partner', 'link'],
    flags: {
      partner: str('partnerId'),
      subaccount: str('subaccountId'),
      from: str('from'),
      to: str('to'),
      actor: str('actor'),
      note: str('note'),
    },
    usage: `partner link --partner ID --subaccount BILLING_ACCOUNT_ID --from DAY [--to DAY] ${AUDIT}`,
    summary: 'links a subaccount to a partner for an inclusive period (R3)',
  },
  'partner.unlink': {
    words: ['partner', 'unlink'],
    flags: {
      partner: str('partnerId'),
      subaccount: str('subaccountId'),
      effective: str('effective'),
      actor: str('actor'),
      note: str('note'),
    },
    usage: `partner unlink --partner ID --subaccount BILLING_ACCOUNT_ID --effective DAY ${AUDIT}`,
    summary: 'ends the link: the last linked day is DAY-1',
  },
  'partner.show': {
    words: ['partner', 'show'],
    flags: { partner: str('partnerId') },
    usage: 'partner show --partner ID',
    summary: "the partner's subaccount links and specializations, with audit",
  },
  'partner.import': {
    words: ['partner', 'import'],
    flags: { file: str('file'), 'dry-run': bool('dryRun'), actor: str('actor'), note: str('note') },
    usage: `partner import --file LINKS.csv [--dry-run] ${AUDIT}`,
    summary: 'links many subaccounts from a CSV (partner_id,subaccount_id,from,to): checked whole, applied all or nothing',
  },
  'specialization.grant': {
    words: ['specialization', 'grant'],
    flags: {
      partner: str('partnerId'),
      specialization: str('specialization'),
      from: str('from'),
      to: str('to'),
      actor: str('actor'),
      note: str('note'),
    },
    usage: `specialization grant --partner ID --specialization SPEC --from DAY [--to DAY] ${AUDIT}`,
    summary: 'grants a specialization for an inclusive period (R5)',
  },
  'specialization.revoke': {
    words: ['specialization', 'revoke'],
    flags: {
      partner: str('partnerId'),
      specialization: str('specialization'),
      effective: str('effective'),
      actor: str('actor'),
      note: str('note'),
    },
    usage: `specialization revoke --partner ID --specialization SPEC --effective DAY ${AUDIT}`,
    summary: 'revokes it: the last active day is DAY-1',
  },
  ingest: {
    words: ['ingest'],
    flags: { 'start-after': str('startAfter') },
    positionals: 'sources',
    usage: 'ingest PATH_OR_URL... [--start-after KEY]',
    summary: 'ingests export files: a file, a directory (its *.csv), or s3://bucket/prefix',
  },
  'ingest-log': {
    words: ['ingest-log'],
    flags: { object: str('objectKey'), limit: { field: 'limit', type: 'int' } },
    usage: 'ingest-log [--object KEY] [--limit N]',
    summary: 'processed export files, newest first',
  },
  'usage.release': {
    words: ['usage', 'release'],
    flags: { subaccount: str('subaccountId'), day: str('day'), to: str('to'), actor: str('actor'), note: str('note') },
    usage: 'usage release --subaccount BILLING_ACCOUNT_ID --day DAY [--to DAY] --note TEXT [--actor ID]',
    summary: 'recovery: the next file of these account-days replaces them, whatever its version (audited)',
  },
  accrue: {
    words: ['accrue'],
    flags: {
      quarter: str('quarter'),
      'dry-run': bool('dryRun'),
      confirm: bool('confirm'),
      rules: str('rulesFile'),
      reconcile: bool('reconcile'),
      actor: str('actor'),
      note: str('note'),
    },
    usage: `accrue --quarter YYYY-Qn [--dry-run [--rules NEXT.json]] [--reconcile] [--confirm] ${AUDIT}`,
    summary: 'computes the quarter and appends the differences (or previews them), with guards; --rules previews a rules change',
  },
  balance: {
    words: ['balance'],
    flags: { partner: str('partnerId') },
    usage: 'balance --partner ID',
    summary: 'the Rebate accrual balance per currency (R8)',
  },
  statement: {
    words: ['statement'],
    flags: { partner: str('partnerId'), quarter: str('quarter') },
    usage: 'statement --partner ID --quarter YYYY-Qn',
    summary: 'how each amount was reached, and the ledger entries (R11)',
  },
  migrate: {
    words: ['migrate'],
    flags: {},
    usage: 'migrate',
    summary: 'creates / updates the store schema (YDB); SQLite migrates itself',
  },
  reconcile: {
    words: ['reconcile'],
    flags: { quarter: str('quarter'), partner: str('partnerId') },
    usage: 'reconcile --quarter YYYY-Qn [--partner ID]',
    summary: "Billing's usage report per linked subaccount next to the ingested data, per service and day (about 1 minute per subaccount)",
  },
  'report.eligibility': {
    words: ['report', 'eligibility'],
    flags: { year: { field: 'year', type: 'int' } },
    usage: 'report eligibility --year YYYY',
    summary: 'per partner and specialization: paid consumption of its services per quarter and year, thresholds, specializations held',
  },
  'sync-catalog': {
    words: ['sync-catalog'],
    flags: { 'write-rules': str('writeRules') },
    usage: 'sync-catalog [--write-rules NEW_RULES.json]',
    summary: "compares the rules' service ids with Billing's catalog; prints a rules patch for pending services",
  },
  'sync-subaccounts': {
    words: ['sync-subaccounts'],
    flags: {
      partner: str('partnerId'),
      reseller: str('resellerId'),
      effective: str('effective'),
      confirm: bool('confirm'),
      actor: str('actor'),
      note: str('note'),
    },
    usage: `sync-subaccounts --partner ID --reseller BILLING_ACCOUNT_ID [--effective DAY] [--confirm] ${AUDIT}`,
    summary: "links / unlinks the partner's subaccounts as Billing lists its customers (preview unless --confirm)",
  },
  'token.issue': {
    words: ['token', 'issue'],
    flags: { partner: str('partnerId'), actor: str('actor'), note: str('note') },
    usage: `token issue --partner ID ${AUDIT}`,
    summary: 'issues a portal token for the partner (shown once; only its hash is stored)',
  },
  'token.revoke': {
    words: ['token', 'revoke'],
    flags: { partner: str('partnerId'), token: str('tokenId'), actor: str('actor'), note: str('note') },
    usage: `token revoke --partner ID --token TOKEN_ID ${AUDIT}`,
    summary: 'revokes a portal token: it stops working at once',
  },
  'token.list': {
    words: ['token', 'list'],
    flags: { partner: str('partnerId') },
    usage: 'token list --partner ID',
    summary: "the partner's portal tokens (ids, who issued and revoked them; never the secret)",
  },
};

export class UsageError extends RebatesError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export type ParsedArgv = { kind: 'help'; text: string } | { kind: 'action'; action: Action; json: boolean };

function findSpec(argv: readonly string[]): ActionName | undefined {
  const matches = ACTION_NAMES.filter((n) => CLI_ACTIONS[n].words.every((w, i) => argv[i] === w));
  return matches.sort((a, b) => CLI_ACTIONS[b].words.length - CLI_ACTIONS[a].words.length)[0];
}

export function helpText(): string {
  const width = Math.max(...ACTION_NAMES.map((n) => CLI_ACTIONS[n].usage.length)) + 2;
  const lines = ACTION_NAMES.map((n) => {
    const spec = CLI_ACTIONS[n] as CliSpec<ActionName>;
    return spec.usage.length + 2 + spec.summary.length > 150
      ? `  ${spec.usage}\n  ${' '.repeat(4)}${spec.summary}`
      : `  ${spec.usage.padEnd(width)}${spec.summary}`;
  });
  return [
    'Specialization rebates — operator CLI',
    '',
    'usage: npm run --silent rebates -- <command> [options]',
    '',
    ...lines,
    '',
    'every command: --json (exactly one JSON document on stdout), --help; changes: --actor ID, --note TEXT (audit, R12)',
    'environment: REBATES_STORE=sqlite:<path> (default sqlite:.rebates/rebates.db) | ydb (YDB_ENDPOINT, YDB_DATABASE)',
    '             REBATES_RULES=<path> overrides the shipped rules file; YC_IAM_TOKEN for the Billing API commands',
  ].join('\n');
}

function commandUsage(name: ActionName): string {
  return `usage: ${CLI_ACTIONS[name].usage} [--json]`;
}

/** argv (after the script name) → a validated action, or help. Wrong usage throws UsageError (exit 2). */
export function parseArgv(argv: readonly string[]): ParsedArgv {
  const [first] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return { kind: 'help', text: helpText() };
  const name = findSpec(argv);
  if (!name) {
    const known = [...new Set(ACTION_NAMES.map((n) => CLI_ACTIONS[n].words.join(' ')))];
    throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"; commands: ${known.join(', ')}\n\n${helpText()}`);
  }
  const spec = CLI_ACTIONS[name] as CliSpec<ActionName>;
  const rest = argv.slice(spec.words.length);
  const options: Record<string, { type: 'string' | 'boolean' }> = { json: { type: 'boolean' }, help: { type: 'boolean' } };
  for (const [flag, f] of Object.entries(spec.flags)) options[flag] = { type: f.type === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${commandUsage(name)}`);
  }
  if (values['help'] === true) return { kind: 'help', text: `${commandUsage(name)}\n  ${spec.summary}` };
  if (positionals.length > 0 && !spec.positionals)
    throw new UsageError(`unexpected argument ${positionals.map((p) => JSON.stringify(p)).join(', ')}\n${commandUsage(name)}`);

  const input: Record<string, unknown> = { action: name };
  for (const [flag, f] of Object.entries(spec.flags)) {
    const v = values[flag];
    if (v === undefined) continue;
    input[f.field] = f.type === 'int' && typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v;
  }
  if (spec.positionals && positionals.length > 0) input[spec.positionals] = positionals;

  const checked = checkAction(name, input);
  if (!checked.ok) {
    const flagOf = (field: string) => Object.entries(spec.flags).find(([, f]) => f.field === field)?.[0];
    const problems = checked.issues.map((i) => {
      const flag = flagOf(i.field);
      const where = flag ? `--${flag}` : i.field === spec.positionals ? 'PATH_OR_URL' : i.field;
      if (i.missing) return flag ? `missing --${flag}` : `missing ${where}`;
      const given = flag ? values[flag] : undefined;
      return `${where ? `${where}${typeof given === 'string' ? ` ${JSON.stringify(given)}` : ''}: ` : ''}${i.message}`;
    });
    throw new UsageError(`${problems.join('\n')}\n${commandUsage(name)}`);
  }
  return { kind: 'action', action: checked.action, json: values['json'] === true };
}
