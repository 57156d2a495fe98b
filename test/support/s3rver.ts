/**
 * Starts s3rver 3.7.1 on loopback, on a free port, over a temporary directory, for integration
 * tests (`npx vitest run` needs no manually started server). s3rver runs in a child process
 * started with --openssl-legacy-provider (see s3rver-process.cjs: paged listings need DES).
 * Its S3 events (ObjectCreated:Put, ObjectRemoved:Delete, …) come back over IPC and can be
 * turned into Yandex Object Storage trigger messages to drive the ingest handler.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One record of an s3rver (AWS-shaped) event. */
export interface S3rverEventRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; eTag?: string; size?: number } };
}

export interface S3rverHandle {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Environment for `loadConfig` pointing the S3 client at this server. */
  env: Record<string, string>;
  /** Resolves with the next `count` event records (in arrival order) or rejects after `timeoutMs`. */
  nextEvents(count: number, timeoutMs?: number): Promise<S3rverEventRecord[]>;
  /** Drops events received so far and not yet taken. */
  discardEvents(): void;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./s3rver-process.cjs', import.meta.url));
// s3rver accepts any key pair whose signatures match; these are its documented defaults.
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

export async function startS3rver(options: { buckets: string[] }): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const child = fork(CHILD, [JSON.stringify({ directory, buckets: options.buckets })], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: S3rverEventRecord[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (message: { type: string; event?: { Records: S3rverEventRecord[] } }) => {
    if (message.type !== 'event' || !message.event) return;
    queue.push(...message.event.Records);
    wake?.();
  });

  let port: number;
  try {
    port = await waitReady(child);
  } catch (error) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';

  return {
    endpoint,
    region,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    env: {
      S3_ENDPOINT: endpoint,
      S3_REGION: region,
      S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    },
    async nextEvents(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`s3rver: expected ${count} event(s), got ${queue.length} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return queue.splice(0, count);
    },
    discardEvents() {
      queue.length = 0;
    },
    async stop() {
      if (child.exitCode === null && child.connected) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send({ type: 'stop' });
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      }
      if (child.exitCode === null) child.kill();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function waitReady(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 15 s')), 15_000);
    child.on('message', (message: { type: string; port?: number; message?: string }) => {
      if (message.type === 'ready' && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`s3rver failed to start: ${message.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with code ${code} before it was ready`));
    });
  });
}

const EVENT_TYPES: Record<string, string> = {
  'ObjectCreated:Put': 'yandex.cloud.events.storage.ObjectCreate',
  'ObjectCreated:Post': 'yandex.cloud.events.storage.ObjectCreate',
  'ObjectCreated:Copy': 'yandex.cloud.events.storage.ObjectCreate',
  'ObjectRemoved:Delete': 'yandex.cloud.events.storage.ObjectDelete',
};

/**
 * The Object Storage trigger batch Yandex would deliver for these s3rver events
 * (reference/yandex-platform.md: bucket in details.bucket_id, key in details.object_id).
 */
export function toStorageTriggerEvent(records: S3rverEventRecord[]): { messages: unknown[] } {
  return {
    messages: records.map((record, index) => {
      const eventType = EVENT_TYPES[record.eventName];
      if (!eventType) throw new Error(`no Object Storage equivalent for s3rver event ${record.eventName}`);
      return {
        event_metadata: {
          event_id: `s3rver-${Date.now()}-${index}`,
          event_type: eventType,
          created_at: record.eventTime,
          tracing_context: { trace_id: '', span_id: '', parent_span_id: '' },
          cloud_id: 'b1g-test-cloud',
          folder_id: 'b1g-test-folder',
        },
        details: { bucket_id: record.s3.bucket.name, object_id: record.s3.object.key },
      };
    }),
  };
}
