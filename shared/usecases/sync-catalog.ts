/**
 * Use case: sync-catalog — the program rules against Billing's service catalog
 * (ServiceService.List). Rules map billing service ids, never names (R4); this is where names
 * help once: a `pendingServices` entry (a service the program covers whose id is not known yet —
 * Tracker among them) is resolved by a case-insensitive match of its name in the catalog.
 *
 * Nothing is written. The result carries `newRulesFile`: the complete rules file as read, with the
 * resolved ids appended to their specialization's `services` in the LATEST version and the
 * resolved entries dropped from `pendingServices` (null when nothing resolves). The operator writes
 * it to a file of their choosing, reviews the diff, and points REBATES_RULES at it (or replaces
 * rules/program-rules.json). Because the latest version also covers past quarters up to its
 * effectiveFrom, re-posting those quarters appends what the newly mapped service earned (R7).
 * SKU ids in the rules are not checked here (the service catalog has no SKUs).
 */
import { parseRules } from '../domain/rules';
import type { BillingApi, BillingService } from '../ports/billing';
import type { LoadedRules } from './deps';

export interface SyncCatalogDeps {
  billing: BillingApi;
  /** Needs `json` (the file as read), which loadRules() provides. */
  rules: LoadedRules;
}

export type PendingStatus =
  /** One catalog service has that name: its id is added to the specialization. */
  | 'resolved'
  /** The id found is already in that specialization: the entry is just dropped. */
  | 'already-mapped'
  | 'not-found'
  /** Several catalog services have that name: the operator picks one by hand. */
  | 'ambiguous'
  /** The id found is mapped to, or excluded by, something else in the latest version. */
  | 'conflict'
  /** The entry names a specialization the latest version does not define. */
  | 'unknown-specialization';

export interface PendingResolution {
  specialization: string;
  service: string;
  status: PendingStatus;
  matches: { id: string; name: string }[];
  message: string;
}

export interface SyncCatalogResult {
  ok: true;
  rulesSource: string;
  billingServiceCount: number;
  /** Ids the rules name that the catalog does not have; `under` is a specialization id or `exclude`. */
  unknownRuleServices: { serviceId: string; under: string; versions: string[] }[];
  /** Catalog services no rules version maps or excludes; `resolvesPending` when a pending entry names it. */
  unmappedBillingServices: { id: string; name: string; resolvesPending: string | null }[];
  pending: PendingResolution[];
  /** What newRulesFile changes, in the version effective from `latestVersion`. */
  changes: {
    latestVersion: string;
    added: { specialization: string; serviceId: string; serviceName: string }[];
    pendingRemoved: { specialization: string; service: string }[];
  };
  /** The complete new rules file (JSON), or null when nothing resolved. */
  newRulesFile: unknown | null;
}

type RawSpec = { services?: string[] } & Record<string, unknown>;
type RawVersion = { effectiveFrom: string; exclude?: { services?: string[] }; specializations: Record<string, RawSpec> } & Record<
  string,
  unknown
>;
type RawPending = { specialization: string; service: string; note?: string };
type RawRules = { versions: RawVersion[]; pendingServices?: RawPending[] } & Record<string, unknown>;

const nameKey = (name: string) => name.trim().toLowerCase();

/** Which specialization (or `exclude`) a service id sits under in one version. */
function ownerIn(version: RawVersion, serviceId: string): string | null {
  if (version.exclude?.services?.includes(serviceId)) return 'exclude';
  for (const [specId, spec] of Object.entries(version.specializations)) if (spec.services?.includes(serviceId)) return specId;
  return null;
}

export async function syncCatalog(deps: SyncCatalogDeps): Promise<SyncCatalogResult> {
  if (deps.rules.json === undefined)
    throw new Error(
      `sync-catalog needs the rules file as read (LoadedRules.json) for ${deps.rules.source}; load the rules with loadRules()`,
    );
  parseRules(deps.rules.json, deps.rules.source); // the same validation every run does; throws listing problems
  const original = deps.rules.json as RawRules;
  const catalog = await deps.billing.listServices();
  const byId = new Map(catalog.map((s) => [s.id, s]));
  const byName = new Map<string, BillingService[]>();
  for (const service of catalog) byName.set(nameKey(service.name), [...(byName.get(nameKey(service.name)) ?? []), service]);

  const mentioned = new Map<string, { under: string; versions: string[] }>();
  for (const version of original.versions) {
    const lists: [string, string[]][] = [
      ['exclude', version.exclude?.services ?? []],
      ...Object.entries(version.specializations).map(([specId, spec]): [string, string[]] => [specId, spec.services ?? []]),
    ];
    for (const [under, ids] of lists) {
      for (const id of ids) {
        const key = `${under}/${id}`;
        mentioned.set(key, { under, versions: [...(mentioned.get(key)?.versions ?? []), version.effectiveFrom] });
      }
    }
  }
  const unknownRuleServices = [...mentioned.entries()]
    .map(([key, m]) => ({ serviceId: key.slice(m.under.length + 1), under: m.under, versions: m.versions }))
    .filter((m) => !byId.has(m.serviceId))
    .sort((a, b) => (a.serviceId < b.serviceId ? -1 : 1));
  const mappedIds = new Set([...mentioned.keys()].map((key) => key.slice(key.indexOf('/') + 1)));

  const next = structuredClone(original);
  const latest = next.versions.reduce((a, b) => (b.effectiveFrom > a.effectiveFrom ? b : a));
  const pending: PendingResolution[] = [];
  const added: SyncCatalogResult['changes']['added'] = [];
  const pendingRemoved: SyncCatalogResult['changes']['pendingRemoved'] = [];
  const resolvedNames = new Map<string, string>();

  for (const entry of original.pendingServices ?? []) {
    const matches = (byName.get(nameKey(entry.service)) ?? []).map((s) => ({ id: s.id, name: s.name }));
    const outcome = (status: PendingStatus, message: string) =>
      pending.push({ specialization: entry.specialization, service: entry.service, status, matches, message });
    const spec = latest.specializations[entry.specialization];
    const match = matches[0];
    if (spec === undefined) {
      outcome(
        'unknown-specialization',
        `the latest rules version (${latest.effectiveFrom}) defines no specialization "${entry.specialization}"`,
      );
    } else if (match === undefined) {
      outcome('not-found', `no billing service is named "${entry.service}" (case-insensitive); it stays pending`);
    } else if (matches.length > 1) {
      outcome(
        'ambiguous',
        `${matches.length} billing services are named "${entry.service}": ${matches.map((m) => m.id).join(', ')}; add the right id by hand`,
      );
    } else {
      const owner = ownerIn(latest, match.id);
      if (owner === entry.specialization) {
        outcome('already-mapped', `${match.id} is already listed under ${entry.specialization}; the pending entry is dropped`);
        pendingRemoved.push({ specialization: entry.specialization, service: entry.service });
      } else if (owner !== null) {
        outcome(
          'conflict',
          `${match.id} ("${match.name}") is already ${owner === 'exclude' ? 'excluded' : `listed under ${owner}`} in the rules version of ${latest.effectiveFrom}; it stays pending`,
        );
      } else {
        spec.services = [...(spec.services ?? []), match.id];
        added.push({ specialization: entry.specialization, serviceId: match.id, serviceName: match.name });
        pendingRemoved.push({ specialization: entry.specialization, service: entry.service });
        resolvedNames.set(match.id, entry.service);
        outcome(
          'resolved',
          `${match.id} ("${match.name}") is added to ${entry.specialization} in the rules version of ${latest.effectiveFrom}`,
        );
      }
    }
  }

  const removed = new Set(pendingRemoved.map((p) => `${p.specialization}/${p.service}`));
  if (next.pendingServices !== undefined)
    next.pendingServices = next.pendingServices.filter((p) => !removed.has(`${p.specialization}/${p.service}`));
  const changed = pendingRemoved.length > 0;
  if (changed) parseRules(next, 'the rules file sync-catalog proposes'); // never hand out a file the program would refuse

  return {
    ok: true,
    rulesSource: deps.rules.source,
    billingServiceCount: catalog.length,
    unknownRuleServices,
    unmappedBillingServices: catalog
      .filter((s) => !mappedIds.has(s.id))
      .map((s) => ({ id: s.id, name: s.name, resolvesPending: resolvedNames.get(s.id) ?? null }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    pending,
    changes: { latestVersion: latest.effectiveFrom, added, pendingRemoved },
    newRulesFile: changed ? next : null,
  };
}
