/**
 * Operator CLI (§8): `npm run --silent rebates -- <command>`. The same use cases as the functions.
 * Exit codes: 0 success, 1 something was rejected (reason on stderr), 2 usage error, 70 internal.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../shared/config';
import { loadRules } from '../shared/app/rules-file';
import { openStore } from '../shared/runtime/open-store';
import type { Deps } from '../shared/usecases/deps';
import { UsageError } from './args';
import { accrueCommand, balanceCommand, statementCommand } from './commands/accrue';
import { ingestCommand } from './commands/ingest';
import { ingestLogCommand, partnerShowCommand } from './commands/inspect';
import { migrateCommand } from './commands/migrate';
import { partnerCommand, specializationCommand } from './commands/program';
import { tokenCommand } from './commands/token';
import { EXIT, type CommandOutput } from './output';

const HELP = `Specialization rebates — operator CLI

usage: npm run --silent rebates -- <command> [options]

  partner link --partner ID --subaccount BILLING_ACCOUNT_ID --from DAY [--to DAY]
  partner unlink --partner ID --subaccount BILLING_ACCOUNT_ID --effective DAY
  partner show --partner ID      the partner's subaccount links and specializations, with audit
  specialization grant --partner ID --specialization SPEC --from DAY [--to DAY]
  specialization revoke --partner ID --specialization SPEC --effective DAY
  ingest PATH_OR_URL...          file, directory (its *.csv files), or s3://bucket/prefix
  ingest-log [--object KEY] [--limit N]   processed export files, newest first
  accrue --quarter YYYY-Qn [--dry-run]
  balance --partner ID
  statement --partner ID --quarter YYYY-Qn
  migrate                        create / update the store schema (YDB); SQLite migrates itself

common options: --json (one JSON document on stdout), --actor ID and --note TEXT (audit, R12)
environment: REBATES_STORE=sqlite:<path> (default sqlite:.rebates/rebates.db) | ydb (YDB_ENDPOINT, YDB_DATABASE)
             REBATES_RULES=<path> overrides the shipped rules file`;

async function run(argv: string[], config: Config, json: boolean): Promise<CommandOutput> {
  const [command, sub, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') return { json: { help: HELP }, text: HELP, errors: [], exitCode: EXIT.ok };
  if (command === 'migrate') return migrateCommand(config);
  const rules = loadRules(config.REBATES_RULES);
  const store = await openStore(config);
  const deps: Deps = { store, rules, clock: () => new Date(), newId: randomUUID };
  const progress = (line: string) => {
    if (process.stderr.isTTY && !json) process.stderr.write(`${line}\n`);
  };
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
      case 'token': return await tokenCommand(deps, sub, rest);
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
  } finally {
    await store.close();
  }
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
    output = { json: { error: { code: usage ? 'USAGE' : ((error as { code?: string }).code ?? 'INTERNAL'), message } }, text: '', errors: [`error: ${message}`], exitCode: usage ? EXIT.usage : EXIT.internal };
    if (!usage && !(error as { code?: string }).code) console.error(error);
  }
  if (json) process.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
  else if (output.text) process.stdout.write(`${output.text}\n`);
  for (const line of output.errors) process.stderr.write(`${line}\n`);
  return output.exitCode;
}

main().then((code) => {
  process.exitCode = code;
});
