/**
 * Runs the Billing API fake in its own process, for a separate process to use (the deploy
 * rehearsal, a manual try of the adapter):
 *   npx tsx test/billing/serve-fake.ts [fixture.json]    # default: test/fixtures/billing/catalog.json
 * Its first stdout line is one JSON object, `{"endpoint":"grpc://127.0.0.1:<port>","token":"…"}`;
 * set BILLING_API_ENDPOINT to the endpoint and YC_IAM_TOKEN to the token. It serves until
 * SIGINT / SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startFakeBillingApi } from './fake-billing-api';

const path = process.argv[2] ?? fileURLToPath(new URL('../fixtures/billing/catalog.json', import.meta.url));
const fake = await startFakeBillingApi(JSON.parse(readFileSync(path, 'utf8')));
process.stdout.write(`${JSON.stringify({ endpoint: fake.endpoint, token: fake.token })}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
