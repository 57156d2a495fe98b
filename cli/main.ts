/**
 * Operator CLI (§8): `npm run --silent rebates -- <command>`. The same use cases as the functions.
 * Exit codes: 0 success, 1 something was rejected (reason on stderr), 2 usage error, 70 internal.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../shared/config';
import { loadRules } from '../shared/app/rules-file';
import { DEFAULT_SQLITE_PATH, openStore } from '../shared/runtime/open-store';
import type { Deps } from '../shared/usecases/deps';
import { UsageError } from './args';
import { accrueCommand, balanceCommand, statementCommand } from './commands/accrue';
import { ingestCommand } from './commands/ingest';
import { ingestLogCommand, partnerShowCommand } from './commands/inspect';
import { migrateCommand } from './commands/migrate';
import { partnerCommand, specializationCommand } from './commands/program';
import { usageCommand } from './commands/usage';
import { EXIT, type CommandOutput } from './output';

const HELP = `Specialization rebates — operator CLI

usage: npm run --silent rebates -- <command> [options]

  partner link --partner ID --subaccount BILLING_ACCOUNT_ID --from DAY [--to DAY]
  partner unlink --partner ID --subaccount BILLING_ACCOUNT_ID --effective DAY   (DAY = its first day cancels it)
  partner show --partner ID      the partner's subaccount links and specializations, with audit
  specialization grant --partner ID --specialization SPEC --from DAY [--to DAY]
  specialization revoke --partner ID --specialization SPEC --effective DAY   (DAY = its first day cancels it)
  ingest PATH_OR_URL...          file, directory (its *.csv files), or s3://bucket/prefix
  ingest-log [--object KEY] [--limit N]   processed export files, newest first
  usage release --subaccount BILLING_ACCOUNT_ID --day DAY [--to DAY] --note TEXT
                                 recovery: the next file of these account-days replaces them, whatever its version
  accrue --quarter YYYY-Qn [--dry-run] [--confirm]
  balance --partner ID
  statement --partner ID --quarter YYYY-Qn
  migrate                        create / update the store schema (YDB); SQLite migrates itself

common options: --json (one JSON document on stdout), --actor ID and --note TEXT (audit, R12)
environment: REBATES_STORE=sqlite:<path> (default sqlite:.rebates/rebates.db) | ydb (YDB_ENDPOINT, YDB_DATABASE)
             REBATES_RULES=<path> overrides the shipped rules file`;

/** Commands that only read: they need an existing store (a typo must not read as an empty one). */
const READ_ONLY = new Set(['balance', 'statement', 'ingest-log', 'partner show']);

/** `COMMAND --help`: the usage lines of that command, exit 0, without opening the store. */
function commandHelp(command: string): string | null {
  const lines = HELP.split('\n').filter((l) => l.trimStart().startsWith(`${command} `) || l.trim() === command);
  return lines.length === 0 ? null : `usage: npm run --silent rebates -- ${lines.map((l) => l.trim()).join('\n       npm run --silent rebates -- ')}\n\n${HELP.split('\n').slice(-3).join('\n')}`;
}

async function run(argv: string[], config: Config, json: boolean): Promise<CommandOutput> {
  const [command, sub, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { json: { help: HELP }, text: HELP, errors: [], exitCode: EXIT.ok };
  if (argv.includes('--help') || argv.includes('-h')) {
    const help = commandHelp(command);
    if (help !== null) return { json: { help }, text: help, errors: [], exitCode: EXIT.ok };
  }
  if (command === 'migrate') return migrateCommand(config);
  const rules = loadRules(config.REBATES_RULES);
  const progress = (line: string) => {
    if (process.stderr.isTTY && !json) process.stderr.write(`${line}\n`);
  };
  const store = await openStore(config, {
    mustExist: READ_ONLY.has(command) || READ_ONLY.has(`${command} ${sub ?? ''}`),
    // A typo in a store path must not silently start a new, empty store elsewhere.
    createDirectories: config.REBATES_STORE === `sqlite:${DEFAULT_SQLITE_PATH}`,
    onWait: (ms) => progress(`waiting for the store: another process is writing (${Math.round(ms / 1000)} s of at most ${config.SQLITE_BUSY_TIMEOUT_MS / 1000} s)…`),
  });
  const deps: Deps = { store, rules, clock: () => new Date(), newId: randomUUID };
  try {
    const args = sub === undefined ? rest : [sub, ...rest];
    switch (command) {
      case 'partner':
        return sub === 'show' ? await partnerShowCommand(deps, rest) : await partnerCommand(deps, sub, rest);
      case 'ingest-log':
        return await ingestLogCommand(deps, args);
      case 'specialization':
        return await specializationCommand(deps, sub, rest);
      case 'ingest':
        return await ingestCommand(deps, config, args, progress);
      case 'accrue':
        return await accrueCommand(deps, args);
      case 'balance':
        return await balanceCommand(deps, args);
      case 'statement':
        return await statementCommand(deps, args);
      case 'usage':
        return await usageCommand(deps, sub, rest);
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } finally {
    await store.close();
  }
}

/**
 * Errors about the situation, not the code: a busy or missing store, bad configuration or rules,
 * a lost posting race, an unreachable YDB. They exit 1 with the message; anything else is a bug
 * (exit 70, with its stack on stderr).
 */
const SITUATION_CODES = new Set([
  'STORE_BUSY', 'STORE_UNAVAILABLE', 'SCHEMA_VERSION', 'CONFIG_INVALID', 'RULES_INVALID', 'LEDGER_CONFLICT',
  'EXPORT_PATH', 'EXPORT_READ', 'YDB_CONFIG', 'YDB_UNAVAILABLE', 'YDB_CONTENDED', 'YDB_SCHEMA_MISMATCH',
]);

function exitCodeOf(code: unknown): number {
  if (typeof code !== 'string') return EXIT.internal;
  // YDB status failures (YDB_UNAVAILABLE, YDB_OVERLOADED, YDB_TIMEOUT …) are the database's situation too.
  if (SITUATION_CODES.has(code) || /^YDB_(UNAVAILABLE|OVERLOADED|TIMEOUT|SESSION_EXPIRED|TRANSPORT_UNAVAILABLE|CLIENT_DEADLINE_EXCEEDED)/.test(code)) return EXIT.rejected;
  return EXIT.internal;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  let output: CommandOutput;
  try {
    output = await run(argv, loadConfig(process.env), json);
  } catch (error) {
    const usage = error instanceof UsageError;
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    const exitCode = usage ? EXIT.usage : exitCodeOf(code);
    output = { json: { error: { code: usage ? 'USAGE' : typeof code === 'string' ? code : 'INTERNAL', message } }, text: '', errors: [`error: ${message}`], exitCode };
    if (exitCode === EXIT.internal) console.error(error);
  }
  if (json) process.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
  else if (output.text) process.stdout.write(`${output.text}\n`);
  for (const line of output.errors) process.stderr.write(`${line}\n`);
  return output.exitCode;
}

main().then((code) => {
  process.exitCode = code;
});
