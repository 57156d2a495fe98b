/**
 * Program rules (§5): versioned, effective-dated, validated with zod. Rates, service lists and
 * rounding live here — never in code.
 */
import { RebatesError } from '../errors';
import { describeZodIssues } from './zod-issues';

import { z } from 'zod';
import { isDay, type Day } from './calendar';
import { CURRENCIES, type Currency } from './model';
import { MONEY_STRING_RE, parseMoney, parseRate, type Nanos, type RoundingMode, type ScaledRate, RATE_SCALE } from './money';

export const DEFAULT_LARGE_ADJUSTMENT_SHARE = '0.10';
export const DEFAULT_RECONCILE_TOLERANCE = '0.01';

export type Basis = 'paid' | 'cost';
export type Activity = 'daily' | 'quarter';

const dayString = z.string().refine(isDay, { message: 'expected a calendar day YYYY-MM-DD' });
const idList = z.array(z.string().min(1, 'ids are non-empty strings')).default([]);
const RATE_RE = new RegExp(`^\\d+(?:\\.\\d{1,${RATE_SCALE}})?$`);
const rateString = z.string().superRefine((v, ctx) => {
  // A negative rate is a sign problem, not a digits problem: say so.
  if (/^-\s*\d/.test(v)) ctx.addIssue({ code: 'custom', message: `rate ${v} is negative; a rate is between 0 and 1` });
  else if (!RATE_RE.test(v))
    ctx.addIssue({ code: 'custom', message: `expected a decimal string with at most ${RATE_SCALE} fractional digits` });
  else if (parseRate(v) > parseRate('1')) ctx.addIssue({ code: 'custom', message: 'rate must be between 0 and 1' });
});

const specializationSchema = z.strictObject({
  name: z.string().optional(),
  rate: rateString,
  services: idList,
  skus: idList,
});

const versionSchema = z.strictObject({
  effectiveFrom: dayString,
  note: z.string().optional(),
  basis: z.enum(['paid', 'cost']).default('paid'),
  activity: z.enum(['daily', 'quarter']).default('daily'),
  rounding: z
    .strictObject({
      scale: z.number().int().min(0).max(9).default(2),
      mode: z.enum(['half-up', 'half-even']).default('half-up'),
    })
    .default({ scale: 2, mode: 'half-up' }),
  exclude: z.strictObject({ services: idList, skus: idList }).default({ services: [], skus: [] }),
  specializations: z.record(z.string().regex(/^[a-z0-9-]+$/, 'specialization ids are kebab-case'), specializationSchema),
});

const moneyString = z.string().regex(MONEY_STRING_RE, 'expected a decimal string such as "1000000" or "12.50"');

/** Checks before posting (issue 12): the share of a posted amount a re-post may move without `--confirm`. */
const guardsSchema = z.strictObject({
  $comment: z.unknown().optional(),
  largeAdjustmentShare: rateString.default(DEFAULT_LARGE_ADJUSTMENT_SHARE),
  /** Reconciliation: a difference per (subaccount, service, day, currency) up to this is not a mismatch. */
  reconcileTolerance: moneyString.default(DEFAULT_RECONCILE_TOLERANCE),
});

/** Eligibility review (issue 12): yearly paid-consumption thresholds per specialization and currency. */
const eligibilitySchema = z.strictObject({
  $comment: z.unknown().optional(),
  thresholds: z
    .record(
      z.string().regex(/^[a-z0-9-]+$/, 'specialization ids are kebab-case'),
      z.strictObject(
        Object.fromEntries(CURRENCIES.map((c) => [c, moneyString.optional()])) as Record<Currency, z.ZodOptional<typeof moneyString>>,
      ),
    )
    .default({}),
});

export const rulesFileSchema = z
  .object({
    $comment: z.unknown().optional(),
    guards: guardsSchema.optional(),
    eligibility: eligibilitySchema.optional(),
    /** Services the program covers whose billing ids are not known yet (filled from sync-catalog). */
    pendingServices: z.array(z.strictObject({ specialization: z.string(), service: z.string(), note: z.string().optional() })).optional(),
    versions: z.array(versionSchema).min(1, 'at least one version is required'),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.versions.forEach((version, vi) => {
      if (seen.has(version.effectiveFrom)) {
        ctx.addIssue({
          code: 'custom',
          path: ['versions', vi, 'effectiveFrom'],
          message: `duplicate effectiveFrom ${version.effectiveFrom}`,
        });
      }
      seen.add(version.effectiveFrom);
      for (const kind of ['services', 'skus'] as const) {
        const owner = new Map<string, string>();
        for (const [specId, spec] of Object.entries(version.specializations)) {
          spec[kind].forEach((id, ii) => {
            const previous = owner.get(id);
            if (previous !== undefined && previous !== specId) {
              ctx.addIssue({
                code: 'custom',
                path: ['versions', vi, 'specializations', specId, kind, ii],
                message: `${kind === 'services' ? 'service' : 'SKU'} ${id} is already listed under ${previous}`,
              });
            } else if (previous === specId) {
              ctx.addIssue({
                code: 'custom',
                path: ['versions', vi, 'specializations', specId, kind, ii],
                message: `${id} is listed twice`,
              });
            }
            owner.set(id, specId);
          });
        }
      }
    });
  });

export type RulesFile = z.infer<typeof rulesFileSchema>;

export interface SpecializationRule {
  id: string;
  rate: ScaledRate;
  rateText: string;
}

/** One rules version, ready for lookups. */
export interface RulesVersion {
  effectiveFrom: Day;
  basis: Basis;
  activity: Activity;
  rounding: { scale: number; mode: RoundingMode };
  specializations: ReadonlyMap<string, SpecializationRule>;
  /** R4: maps a usage row to at most one specialization (exclusions, then sku, then service). */
  classify(serviceId: string, skuId: string): SpecializationRule | undefined;
  /** Service ids some specialization lists, less excluded ones (reconciliation, issue 12). */
  coveredServices?: ReadonlySet<string>;
}

export interface Rules {
  /** Versions sorted by effectiveFrom ascending. */
  versions: readonly RulesVersion[];
  /** The version in force on a day: latest effectiveFrom ≤ day; undefined before the first. */
  versionOn(day: Day): RulesVersion | undefined;
  /** Every specialization id named by any version. */
  specializationIds(): string[];
  /** Services the program covers whose billing ids are not known yet, matched by name (issue 12 PENDING_SERVICE). */
  pendingServices?: readonly { specialization: string; service: string }[];
  /** Guard settings (issue 12); defaults when the file has no `guards` section. */
  guards?: { largeAdjustmentShare: ScaledRate; largeAdjustmentShareText: string; reconcileTolerance: Nanos };
  /** Yearly eligibility thresholds per specialization and currency (issue 12), when the file sets them. */
  eligibility?: { thresholds: ReadonlyMap<string, ReadonlyMap<Currency, Nanos>> };
}

export class RulesValidationError extends RebatesError {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super('RULES_INVALID', `invalid program rules in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function buildVersion(raw: RulesFile['versions'][number]): RulesVersion {
  const specializations = new Map<string, SpecializationRule>();
  const bySku = new Map<string, SpecializationRule>();
  const byService = new Map<string, SpecializationRule>();
  for (const [id, spec] of Object.entries(raw.specializations)) {
    const rule: SpecializationRule = { id, rate: parseRate(spec.rate), rateText: spec.rate };
    specializations.set(id, rule);
    for (const sku of spec.skus) bySku.set(sku, rule);
    for (const service of spec.services) byService.set(service, rule);
  }
  const excludedServices = new Set(raw.exclude.services);
  const excludedSkus = new Set(raw.exclude.skus);
  return {
    coveredServices: new Set([...byService.keys()].filter((id) => !excludedServices.has(id))),
    effectiveFrom: raw.effectiveFrom,
    basis: raw.basis,
    activity: raw.activity,
    rounding: raw.rounding,
    specializations,
    classify(serviceId, skuId) {
      if (excludedSkus.has(skuId) || excludedServices.has(serviceId)) return undefined;
      return bySku.get(skuId) ?? byService.get(serviceId);
    },
  };
}

/** Validates parsed JSON as a rules file; throws RulesValidationError listing every problem. */
export function parseRules(json: unknown, source = 'rules'): Rules {
  const result = rulesFileSchema.safeParse(json);
  if (!result.success) throw new RulesValidationError(source, describeZodIssues(result.error));
  const versions = [...result.data.versions].sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1)).map(buildVersion);
  const guards = result.data.guards;
  const shareText = guards?.largeAdjustmentShare ?? DEFAULT_LARGE_ADJUSTMENT_SHARE;
  const thresholds = new Map<string, ReadonlyMap<Currency, Nanos>>();
  for (const [spec, byCurrency] of Object.entries(result.data.eligibility?.thresholds ?? {})) {
    thresholds.set(
      spec,
      new Map(
        Object.entries(byCurrency)
          .filter((e): e is [string, string] => e[1] !== undefined)
          .map(([currency, amount]) => [currency as Currency, parseMoney(amount)]),
      ),
    );
  }
  return {
    pendingServices: (result.data.pendingServices ?? []).map((p) => ({ specialization: p.specialization, service: p.service })),
    guards: {
      largeAdjustmentShare: parseRate(shareText),
      largeAdjustmentShareText: shareText,
      reconcileTolerance: parseMoney(guards?.reconcileTolerance ?? DEFAULT_RECONCILE_TOLERANCE),
    },
    ...(result.data.eligibility ? { eligibility: { thresholds } } : {}),
    versions,
    versionOn(day) {
      let found: RulesVersion | undefined;
      for (const v of versions) {
        if (v.effectiveFrom <= day) found = v;
        else break;
      }
      return found;
    },
    specializationIds() {
      const ids = new Set<string>();
      for (const v of versions) for (const id of v.specializations.keys()) ids.add(id);
      return [...ids].sort();
    },
  };
}
