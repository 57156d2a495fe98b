/**
 * What an account-day pointer means to a reader: the generation its apply switched it to once that
 * apply is committed (not in applies_in_progress), else the one it replaced (`prev_*`; none for an
 * account-day that had no data before). Readers and the I1 compare use the same resolution.
 */
import { ACCOUNT_DAY_KEY } from './account-day-key';
import type { Row, StructFields } from './values';

/** A pointer row as UPSERT_ACCOUNT_DAY_VERSIONS takes it. */
export const POINTER_FIELDS: StructFields = {
  ...ACCOUNT_DAY_KEY,
  generation: { scalar: 'Utf8' },
  version: { scalar: 'Uint64' },
  source_key: { scalar: 'Utf8' },
  digest: { scalar: 'Utf8' },
  apply_id: { scalar: 'Utf8' },
  prev_version: { scalar: 'Uint64', optional: true },
  prev_generation: { scalar: 'Utf8', optional: true },
  prev_source_key: { scalar: 'Utf8', optional: true },
  prev_digest: { scalar: 'Utf8', optional: true },
};

export interface EffectivePointer {
  version: number;
  generation: string;
  sourceKey: string;
  /** The content digest (I1); '' when the row was read without it or predates digests. */
  digest: string;
}

export function effectivePointer(row: Row, inProgress: ReadonlySet<string>): EffectivePointer | undefined {
  const applyId = row['apply_id'];
  const pending = typeof applyId === 'string' && inProgress.has(applyId);
  const [version, generation, sourceKey, digest] = pending
    ? [row['prev_version'], row['prev_generation'], row['prev_source_key'], row['prev_digest']]
    : [row['version'], row['generation'], row['source_key'], row['digest']];
  if (generation === null || generation === undefined || version === null || version === undefined) return undefined;
  // Versions are Unix seconds (Uint64 on the wire, far below 2^53), not money.
  return {
    version: Number(version),
    generation: String(generation),
    sourceKey: String(sourceKey ?? ''),
    digest: typeof digest === 'string' ? digest : '',
  };
}
