/**
 * Runs the YDB protocol fake as a standalone server, for trying the real-YDB test wiring
 * (test/integration/ydb-store.test.ts, which migrates) without a database:
 *   npx tsx test/ydb/serve-fake.ts            # prints grpc://127.0.0.1:<port>/local, serves until stopped
 *   YDB_ENDPOINT=grpc://127.0.0.1:<port> YDB_DATABASE=/local YDB_ANONYMOUS_CREDENTIALS=1 \
 *     npx vitest run test/integration/ydb-store.test.ts
 */
import { FakeYdb } from './fake/fake-ydb';

// Nobody inspects a standalone server's requests: keeping them would hold every BulkUpsert payload.
const fake = await new FakeYdb('/local', { record: false }).start();
process.stdout.write(`${fake.endpoint}${fake.database}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void fake.stop().then(() => process.exit(0));
  });
}
