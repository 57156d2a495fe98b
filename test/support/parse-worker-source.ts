/**
 * The parse worker started from its TypeScript source, for tests (the CLI starts the bundled
 * `parse-worker.cjs`): a small CommonJS bootstrap registers tsx in the worker and loads the entry.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParseWorkerLauncher } from '../../shared/ingest/parse-worker';

export const PARSE_WORKER_ENTRY = fileURLToPath(new URL('../../shared/ingest/parse-worker-entry.ts', import.meta.url));

export const sourceParseWorker: ParseWorkerLauncher = {
  start: (data) =>
    new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(PARSE_WORKER_ENTRY)});`, {
      eval: true,
      workerData: data,
      execArgv: [],
    }),
};
