/**
 * The parse worker's entry (parse-worker.ts): built as `parse-worker.cjs` beside the CLI bundle,
 * started by `parseWorkerFile` with the parse options as its `workerData`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runParseWorker, type ParseWorkerData } from './parse-worker';

if (parentPort === null) throw new Error('parse-worker-entry runs as a worker thread (see parse-worker.ts), not as a program');
runParseWorker(parentPort, workerData as ParseWorkerData);
