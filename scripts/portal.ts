/**
 * `npm run --silent portal [-- --port N]`: the portal API and page on 127.0.0.1 over the
 * configured store (REBATES_STORE, default the embedded SQLite file), through the portal-api
 * handler code. An empty store gets the demo data first. The first stdout line is one JSON object,
 * `{"url","tokens":{partnerId: token}}`, with a fresh token for every partner with ledger entries;
 * request logs go to stderr. Serves until stopped (SIGINT / SIGTERM).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { loadRules } from '../shared/runtime/rules-file';
import { configuredClock, loadConfig } from '../shared/config';
import { loadPageAssets } from '../shared/portal/page-assets';
import { errorResponse } from '../shared/portal/http';
import { handlePortalRequest, type PortalDeps } from '../shared/portal/portal-api';
import { createLogger } from '../shared/runtime/logger';
import { openStore } from '../shared/runtime/open-store';
import { issueToken } from '../shared/usecases/tokens';
import { loadDemoData } from './portal/demo-data';
import { toGatewayEvent, writeGatewayResponse } from './portal/http-bridge';

const USAGE = 'usage: npm run --silent portal [-- --port N]';

function parsePort(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' } }, strict: true });
  if (values.port === undefined) return 0;
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535)
    throw new Error(`--port ${values.port} is not a port number (0..65535)\n${USAGE}`);
  return Number(values.port);
}

async function main(): Promise<void> {
  const port = parsePort(process.argv.slice(2));
  const config = loadConfig(process.env);
  const store = await openStore(config);
  const clock = configuredClock(config);
  if ((await store.ledger.listEntries()).length === 0) await loadDemoData(store, clock());

  const partners = [...new Set((await store.ledger.listEntries()).map((e) => e.partnerId))].sort();
  const tokens: Record<string, string> = {};
  for (const partnerId of partners) {
    const issued = await issueToken({ store, clock }, { partnerId, actor: 'portal-local', note: 'npm run portal' });
    if (!issued.ok) throw new Error(`cannot issue a token for ${partnerId}: ${issued.message}`);
    tokens[partnerId] = issued.token;
  }

  const base = { store, rules: loadRules(config.REBATES_RULES), clock, newId: randomUUID, pageFiles: loadPageAssets() };
  const server = createServer((req, res) => {
    const logger = createLogger({
      level: config.LOG_LEVEL,
      fields: { server: 'portal-local' },
      write: (line) => process.stderr.write(`${line}\n`),
    });
    const deps: PortalDeps = { ...base, logger };
    toGatewayEvent(req)
      .then((event) => handlePortalRequest(deps, event))
      .then(
        (response) => writeGatewayResponse(res, response),
        (error: unknown) => {
          process.stderr.write(`portal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
          writeGatewayResponse(res, errorResponse('internal', 'something went wrong on our side; try again later'));
        },
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${bound}/`, tokens })}\n`);

  const stop = () => {
    server.close();
    server.closeAllConnections();
    void store.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`portal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
