/**
 * accrue-rebates events (§7): a timer trigger batch, whose payload may be empty, `{"job":"quarterly"}`,
 * name a quarter (`"2026-Q1"` or `{"quarter":"2026-Q1"}`); or a manual invoke
 * `{ "quarter"?, "dryRun"?, "actor"?, "note"? }` (`{}` runs the quarterly job by hand).
 */
import { z } from 'zod';
import { actorField, noteField, quarterField } from '../actions/fields';
import { describeZodIssues } from '../domain/zod-issues';
import { EventValidationError, timerTriggerEventSchema } from './events';

export type AccrueRequest =
  | { kind: 'timer'; triggerId: string; quarter?: string | undefined; dryRun: boolean }
  | {
      kind: 'manual';
      quarter?: string | undefined;
      dryRun: boolean;
      actor?: string | undefined;
      note?: string | undefined;
      confirm?: boolean | undefined;
    };

const payloadObjectSchema = z.strictObject({
  job: z.literal('quarterly').optional(),
  quarter: quarterField.optional(),
  dryRun: z.boolean().optional(),
});
/** `confirm` (issue 12): a manual post with a LARGE_ADJUSTMENT needs it, like an operator's; the timer needs none. */
const manualSchema = z.strictObject({
  quarter: quarterField.optional(),
  dryRun: z.boolean().optional(),
  actor: actorField.optional(),
  note: noteField.optional(),
  confirm: z.boolean().optional(),
});

const EXPECTED =
  'expected a timer trigger batch {"messages":[...]} or a manual {"quarter":"2026-Q1","dryRun":true} ({} runs the quarterly job)';

function check<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new EventValidationError(describeZodIssues(result.error).map((p) => `${prefix}${p}`));
  return result.data;
}

function parsePayload(payload: string | undefined): { quarter?: string | undefined; dryRun?: boolean | undefined } {
  const text = payload?.trim() ?? '';
  if (text === '') return {};
  if (!text.startsWith('{')) return { quarter: check(quarterField, text, 'payload: ') };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EventValidationError([`payload: not JSON and not a quarter: ${JSON.stringify(text.slice(0, 80))}`]);
  }
  return check(payloadObjectSchema, json, 'payload.');
}

export function parseAccrueEvent(event: unknown): AccrueRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new EventValidationError([
      `(root): ${EXPECTED}; got ${event === '' ? 'an empty string (an invoke without data)' : event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`,
    ]);
  }
  if ('messages' in event) {
    const batch = check(timerTriggerEventSchema, event);
    if (batch.messages.length !== 1)
      throw new EventValidationError([`messages: a timer sends one message per run; got ${batch.messages.length}`]);
    const message = batch.messages[0]!;
    const payload = parsePayload(message.details.payload);
    return { kind: 'timer', triggerId: message.details.trigger_id, quarter: payload.quarter, dryRun: payload.dryRun ?? false };
  }
  const manual = check(manualSchema, event);
  return {
    kind: 'manual',
    quarter: manual.quarter,
    dryRun: manual.dryRun ?? false,
    actor: manual.actor,
    note: manual.note,
    confirm: manual.confirm,
  };
}
