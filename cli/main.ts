/**
 * Operator CLI (§8): `npm run --silent rebates -- <command>`. Every command is an action of the
 * shared schema (shared/actions), the same the `operator` function takes. Exit codes: 0 success,
 * 1 something was rejected (reason on stderr), 2 usage error, 70 internal (a bug, never input).
 */
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseWorkerBeside } from '../shared/ingest/parse-worker';
import type { ActionDeps } from '../shared/actions/deps';
import type { BillingApi } from '../shared/ports/billing';
import { loadRules } from '../shared/runtime/rules-file';
import { configuredClock, loadConfig } from '../shared/config';
import type { Store } from '../shared/ports/store';
import { createLogger } from '../shared/runtime/logger';
import { migrateStore } from '../shared/runtime/migrate-store';
import { DEFAULT_SQLITE_PATH, openStore } from '../shared/runtime/open-store';
import type { ActionName } from '../shared/actions/schema';
import { runCli } from './run-cli';

/**
 * Actions that call the Billing API. Its SDK (and the S3 one) are loaded only for the commands
 * that use them: loading both costs every command about 50 MB and a fraction of a second.
 */
const BILLING: ReadonlySet<ActionName> = new Set(['sync-catalog', 'sync-subaccounts', 'reconcile', 'accrue']);

/** Actions that only read: they need an existing store. */
const READ_ONLY: ReadonlySet<ActionName> = new Set(['balance', 'statement', 'ingest-log', 'partner.show', 'token.list']);

/** R12: who made the change; defaults to the local user so nothing goes unattributed. */
function localActor(): string {
  try {
    return `operator:${userInfo().username}`;
  } catch {
    return 'operator:unknown';
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let store: Store | undefined;
  let billing: BillingApi | undefined;
  const progress = (line: string) => {
    if (process.stderr.isTTY && !argv.includes('--json')) process.stderr.write(`${line}\n`);
  };
  const deps = async (action: ActionName): Promise<ActionDeps> => {
    const config = loadConfig(process.env);
    const rules = loadRules(config.REBATES_RULES);
    const opened = await openStore(config, {
      // A read on a store that does not exist is a typo, not an empty program.
      mustExist: READ_ONLY.has(action),
      // A typo in a store path must not silently start a new, empty store elsewhere.
      createDirectories: config.REBATES_STORE === `sqlite:${DEFAULT_SQLITE_PATH}`,
      onWait: (ms) =>
        progress(
          `waiting for the store: another process is writing (${Math.round(ms / 1000)} s of at most ${config.SQLITE_BUSY_TIMEOUT_MS / 1000} s)…`,
        ),
    });
    store = opened;
    const s3 =
      action === 'ingest' && argv.some((a) => a.startsWith('s3://'))
        ? { client: await import('../shared/adapters/s3/s3-client'), source: await import('../shared/adapters/s3/s3-export-source') }
        : null;
    const billingModule = BILLING.has(action) ? await import('../shared/adapters/billing/from-config') : null;
    return {
      store: opened,
      rules,
      clock: configuredClock(config),
      newId: randomUUID,
      logger: createLogger({ level: 'info', write: progress }),
      defaultActor: localActor(),
      localFiles: true,
      // Built beside the bundle (dist/cli/parse-worker.cjs); run from the sources, one thread parses.
      ...(action === 'ingest' && typeof __dirname === 'string' ? { parseWorker: parseWorkerBeside(__dirname) } : {}),
      ...(s3 === null ? {} : { storage: () => s3.source.createS3ExportSource(s3.client.createS3Client(config)) }),
      migrate: () => migrateStore(config),
      ...(billingModule === null ? {} : { billing: () => (billing ??= billingModule.createBillingApiFromConfig(config)) }),
      progress,
    };
  };
  const output = await runCli(argv, deps, {
    onDone: async () => {
      billing?.close();
      await store?.close();
    },
  });
  if (output.jsonMode) process.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
  else if (output.text) process.stdout.write(`${output.text}\n`);
  for (const line of output.errors) process.stderr.write(`${line}\n`);
  return output.exitCode;
}

void main().then((code) => {
  process.exitCode = code;
});
