/**
 * Field schemas every action shares, validated once at the edge for the CLI and the operator
 * function alike. The rules themselves live in shared/domain/identifiers.ts (one place for every
 * edge, the export parser included); a value is rejected with its reason, never trimmed or repaired.
 */
import { z } from 'zod';
import {
  FIRST_SUPPORTED_DAY,
  LAST_SUPPORTED_DAY,
  actorSchema,
  daySchema,
  noteSchema,
  partnerIdSchema,
  quarterSchema,
  specializationIdSchema,
  subaccountIdSchema,
} from '../domain/identifiers';

/** Years the program can name (reports): those of the supported days. */
export const FIRST_YEAR = Number(FIRST_SUPPORTED_DAY.slice(0, 4));
export const LAST_YEAR = Number(LAST_SUPPORTED_DAY.slice(0, 4));

export const partnerIdField = partnerIdSchema;
export const subaccountIdField = subaccountIdSchema;
export const specializationField = specializationIdSchema;
export const actorField = actorSchema;
export const noteField = noteSchema;
export const dayField = daySchema;
export const quarterField = quarterSchema;

/** An `s3://bucket/prefix` URL or (CLI only) a local file or directory. */
export const ingestSourceField = z.string().min(1, 'an ingest source must not be empty').max(4096);
