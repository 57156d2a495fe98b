/**
 * Configuration: one zod schema, read once from the environment. Nothing else reads
 * `process.env`. Terraform sets exactly these keys for the functions.
 */
import { RebatesError } from './errors';
import { z } from 'zod';
import { BILLING_ENDPOINT_FORMS, isBillingEndpoint } from './adapters/billing/endpoint';
import { describeZodIssues } from './domain/zod-issues';

const storeSpec = z
  .string()
  .regex(/^(sqlite:.+|ydb)$/, 'expected "sqlite:<path>" or "ydb"')
  .default('sqlite:.rebates/rebates.db');

export const configSchema = z
  .object({
    REBATES_STORE: storeSpec,
    REBATES_RULES: z.string().min(1).optional(),
    YDB_ENDPOINT: z.string().min(1).optional(),
    YDB_DATABASE: z.string().min(1).optional(),
    S3_ENDPOINT: z.url().default('https://storage.yandexcloud.net'),
    S3_REGION: z.string().min(1).default('ru-central1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('true'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** Billing API credentials for local runs; functions use their context.token instead. */
    YC_IAM_TOKEN: z.string().min(1).optional(),
    /** Overrides the SDK's Billing API endpoint (the fake, tests, the deploy rehearsal). */
    BILLING_API_ENDPOINT: z
      .string()
      .refine(isBillingEndpoint, { message: `expected ${BILLING_ENDPOINT_FORMS}` })
      .optional(),
    /** SQLite: how long a writer waits for another process's write lock before exiting 1 (STORE_BUSY). */
    SQLITE_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
    /**
     * Tests and rehearsals only: the instant the CLI and the functions take as "now" (ISO 8601 with
     * an offset, e.g. 2026-04-02T09:00:00Z), so a run that posts a quarter does not depend on the
     * day it runs. Never set in production (Terraform does not set it).
     */
    REBATES_NOW: z.iso.datetime({ offset: true }).optional(),
  })
  // The cross-key rules run even when other keys are bad (`when`), so every problem is listed at once.
  .superRefine(
    (env, ctx) => {
      if (env.REBATES_STORE === 'ydb') {
        if (!env.YDB_ENDPOINT) ctx.addIssue({ code: 'custom', path: ['YDB_ENDPOINT'], message: 'required when REBATES_STORE=ydb' });
        // Terraform's ydb_full_endpoint carries the database (`…:2135/?database=/ru-central1/…`).
        if (!env.YDB_DATABASE && !env.YDB_ENDPOINT?.includes('database=')) {
          ctx.addIssue({
            code: 'custom',
            path: ['YDB_DATABASE'],
            message: 'required when REBATES_STORE=ydb, unless YDB_ENDPOINT carries ?database=',
          });
        }
      }
      if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
        ctx.addIssue({ code: 'custom', path: ['S3_SECRET_ACCESS_KEY'], message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together' });
      }
    },
    { when: () => true },
  );

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends RebatesError {
  constructor(readonly problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates configuration; throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = configSchema.safeParse(picked);
  if (!result.success) throw new ConfigError(describeZodIssues(result.error));
  return result.data;
}

/** "Now" for the CLI and the functions: the real clock, or the fixed REBATES_NOW of a test run. */
export function configuredClock(config: Pick<Config, 'REBATES_NOW'>): () => Date {
  const fixed = config.REBATES_NOW;
  return fixed === undefined ? () => new Date() : () => new Date(fixed);
}
