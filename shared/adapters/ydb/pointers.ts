/**
 * What an account-day pointer means to a reader: the generation its apply switched it to once that
 * apply is committed (not in applies_in_progress), else the one it replaced (`prev_*`; none for an
 * account-day that had no data before). Readers and the I1 compare use the same resolution.
 */
import type { Row } from './values';

export interface EffectivePointer {
  version: number;
  generation: string;
  sourceKey: string;
}

export function effectivePointer(row: Row, inProgress: ReadonlySet<string>): EffectivePointer | undefined {
  const applyId = row['apply_id'];
  const pending = typeof applyId === 'string' && inProgress.has(applyId);
  const [version, generation, sourceKey] = pending
    ? [row['prev_version'], row['prev_generation'], row['prev_source_key']]
    : [row['version'], row['generation'], row['source_key']];
  if (generation === null || generation === undefined || version === null || version === undefined) return undefined;
  // Versions are Unix seconds (Uint64 on the wire, far below 2^53), not money.
  return { version: Number(version), generation: String(generation), sourceKey: String(sourceKey ?? '') };
}
