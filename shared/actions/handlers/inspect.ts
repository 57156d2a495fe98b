/** `ingest-log`: processed export files, newest first (I5). */
import { succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';

export const DEFAULT_LOG_LIMIT = 50;

export async function ingestLog(deps: ActionDeps, input: ActionOf<'ingest-log'>): Promise<ActionResult> {
  const entries = await deps.store.usage.listIngestLog({
    limit: input.limit ?? DEFAULT_LOG_LIMIT,
    ...(input.objectKey ? { objectKey: input.objectKey } : {}),
  });
  return succeeded({ entries });
}
