/**
 * Function events, validated with zod (§7): trigger batches `{ messages: [...] }` and manual
 * invokes (the JSON body itself). Exact shapes: reference/yandex-platform.md. Extra fields the
 * platform adds (tracing_context, …) are allowed; missing or mistyped ones are errors.
 */
import { RebatesError } from '../errors';
import { z } from 'zod';
import { describeZodIssues } from '../domain/zod-issues';
import type { StorageIngestRequest } from '../usecases/ingest-from-storage';

export const STORAGE_EVENT_TYPES = [
  'yandex.cloud.events.storage.ObjectCreate',
  'yandex.cloud.events.storage.ObjectUpdate',
  'yandex.cloud.events.storage.ObjectDelete',
] as const;
export const TIMER_EVENT_TYPE = 'yandex.cloud.events.serverless.triggers.TimerMessage';

const nonEmpty = z.string().min(1);

const eventMetadata = <T extends z.ZodType<string>>(eventType: T) =>
  z.object({
    event_id: nonEmpty,
    event_type: eventType,
    created_at: nonEmpty,
    cloud_id: z.string().optional(),
    folder_id: z.string().optional(),
  });

export const storageMessageSchema = z.object({
  event_metadata: eventMetadata(
    z.enum(STORAGE_EVENT_TYPES, { error: (issue) => `not an Object Storage event type: ${JSON.stringify(issue.input)}` }),
  ),
  details: z.object({ bucket_id: nonEmpty, object_id: nonEmpty }),
});
export type StorageMessage = z.infer<typeof storageMessageSchema>;

export const storageTriggerEventSchema = z.object({
  messages: z.array(storageMessageSchema).min(1, 'a trigger batch holds at least one message'),
});

export const timerMessageSchema = z.object({
  event_metadata: eventMetadata(z.literal(TIMER_EVENT_TYPE)),
  details: z.object({ trigger_id: nonEmpty, payload: z.string().max(4096).optional() }),
});
export const timerTriggerEventSchema = z.object({ messages: z.array(timerMessageSchema).min(1) });

/** Manual `{ "bucket", "key" }`: ingest one object. */
export const manualObjectEventSchema = z.strictObject({ bucket: nonEmpty, key: nonEmpty });
/** Manual `{ "bucket", "prefix" }`: backfill every `*.csv` under the prefix, optionally after a key. */
export const manualPrefixEventSchema = z.strictObject({ bucket: nonEmpty, prefix: z.string(), startAfter: nonEmpty.optional() });

export type IngestEvent =
  | { kind: 'storage-trigger'; messages: StorageMessage[] }
  | { kind: 'manual-object'; bucket: string; key: string }
  | { kind: 'manual-prefix'; bucket: string; prefix: string; startAfter?: string | undefined };

export class EventValidationError extends RebatesError {
  constructor(readonly problems: string[]) {
    super('EVENT_INVALID', `invalid event:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const EXPECTED_SHAPES =
  'expected an Object Storage trigger batch {"messages":[...]}, a manual {"bucket","key"} or a manual {"bucket","prefix"}';

/**
 * Validates an ingest-usage event. The shape is chosen by its keys (not by trying a zod union),
 * so the error lists the problems of the shape the caller meant.
 */
export function parseIngestEvent(event: unknown): IngestEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new EventValidationError([`(root): ${EXPECTED_SHAPES}; got ${describeValue(event)}`]);
  }
  if ('messages' in event) {
    const parsed = check(storageTriggerEventSchema, event);
    return { kind: 'storage-trigger', messages: parsed.messages };
  }
  if ('prefix' in event) return { kind: 'manual-prefix', ...check(manualPrefixEventSchema, event) };
  if ('key' in event) return { kind: 'manual-object', ...check(manualObjectEventSchema, event) };
  throw new EventValidationError([`(root): ${EXPECTED_SHAPES}; got keys ${JSON.stringify(Object.keys(event))}`]);
}

function check<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new EventValidationError(describeZodIssues(result.error));
  return result.data;
}

function describeValue(value: unknown): string {
  if (value === '') return 'an empty string (an invoke without data)';
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

/**
 * What an ingest-usage event asks for. Creates and updates are ingested (ObjectUpdate is an ACL
 * change: re-ingesting the unchanged content is a no-op by I1). Deletes are logged and ignored:
 * billing never deletes a day's usage by deleting its file, so stored data stays.
 */
export function toStorageIngestRequest(event: IngestEvent): StorageIngestRequest {
  switch (event.kind) {
    case 'storage-trigger':
      return {
        kind: 'objects',
        objects: event.messages.map(({ event_metadata: meta, details }) => ({
          bucket: details.bucket_id,
          key: details.object_id,
          skipReason: meta.event_type === 'yandex.cloud.events.storage.ObjectDelete' ? 'object deleted: stored usage is kept' : undefined,
          ignoreIfMissing: true,
        })),
      };
    case 'manual-object':
      return { kind: 'objects', objects: [{ bucket: event.bucket, key: event.key }] };
    case 'manual-prefix':
      return { kind: 'prefix', bucket: event.bucket, prefix: event.prefix, startAfter: event.startAfter };
  }
}
