/**
 * I1, the replacement rule both stores keep, decided here once. An account-day from a file
 * replaces the stored one when its version is newer, is stale when older, and — when the versions
 * are equal — the content decides: billing never sends two different contents under one version,
 * so when it happens the outcome must not depend on which file arrived last. Both contents are
 * reduced to a digest and the larger digest wins, whatever the order; the loser is reported as a
 * conflict (ingest log, `--json`, exit code) so an operator can look at both files.
 */
import { hash } from 'node:crypto';
import type { UsageAggregate } from './model';

export type ReplacementDecision =
  /** No stored account-day, a newer version, or the same version with the same content. */
  | 'replace'
  /** An older version: left out (I1). */
  | 'stale'
  /** Same version, different content, and the incoming digest is larger: replaces, reported. */
  | 'replace-conflict'
  /** Same version, different content, and the stored digest is larger: kept, reported. */
  | 'keep-conflict';

export interface VersionedContent {
  version: number;
  /** Content digest; null for account-days stored before digests existed. */
  digest: string | null;
}

export function decideReplacement(
  stored: VersionedContent | undefined,
  incoming: { version: number; digest: string },
): ReplacementDecision {
  if (stored === undefined || incoming.version > stored.version) return 'replace';
  if (incoming.version < stored.version) return 'stale';
  // Data stored before digests existed has nothing to compare with: the old rule (replace) holds.
  if (stored.digest === null || stored.digest === incoming.digest) return 'replace';
  return incoming.digest > stored.digest ? 'replace-conflict' : 'keep-conflict';
}

/**
 * An account-day's content as text: every aggregate (ids, currency, exact sums in nano-units, row
 * count, display names) in key order, one JSON array per aggregate and line —
 * `["service","sku","RUB","12500000000","0",3,"Service name","SKU name"]` — so the same content
 * always gives the same text. It is what the digest hashes, and what the SQLite store keeps.
 */
export function accountDayContent(rows: readonly UsageAggregate[]): string {
  // Usually already in key order (the parser's output): then no copy is sorted. The lines are
  // the bytes JSON.stringify gives, built without it (a large file has hundreds of thousands).
  const sorted = inKeyOrder(rows) ? rows : [...rows].sort(compareKeys);
  let text = '';
  for (const r of sorted)
    text += `[${jsonText(r.serviceId)},${jsonText(r.skuId)},"${r.currency}","${r.cost}","${r.credit}",${r.rows},${jsonText(r.serviceName)},${jsonText(r.skuName)}]\n`;
  return text;
}

/**
 * The digest of an account-day's content text (`accountDayContent`), hashed in one call: the text
 * itself, or the UTF-8 bytes it encodes to (the same digest).
 */
export function contentDigest(content: string | Uint8Array): string {
  return hash('sha256', content, 'hex');
}

/** A digest of an account-day's content, so the same content always gives the same digest. */
export function accountDayDigest(rows: readonly UsageAggregate[]): string {
  return contentDigest(accountDayContent(rows));
}

/** Text JSON.stringify leaves as it is between its quotes: no quote, backslash, control or lone surrogate. */
const JSON_PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON.stringify(text), with the common case (nothing to escape) made cheap. */
export function jsonText(text: string): string {
  return JSON_PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

function compareKeys(a: UsageAggregate, b: UsageAggregate): number {
  return cmp(a.serviceId, b.serviceId) || cmp(a.skuId, b.skuId) || cmp(a.currency, b.currency);
}

/** Whether the aggregates are in content order (service, SKU, currency), as the parser gives them. */
export function inKeyOrder(rows: readonly UsageAggregate[]): boolean {
  for (let i = 1; i < rows.length; i++) if (compareKeys(rows[i - 1]!, rows[i]!) > 0) return false;
  return true;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
