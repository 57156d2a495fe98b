/**
 * Loads the program rules: the shipped file (bundled into every function) unless
 * `REBATES_RULES` names another one. Fails fast with every problem listed (§5).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import shipped from '../../rules/program-rules.json';
import { parseRules, RulesValidationError } from '../domain/rules';
import type { LoadedRules } from '../usecases/deps';

export const SHIPPED_RULES_SOURCE = 'rules/program-rules.json (shipped)';

function digestOf(json: unknown): string {
  return createHash('sha256').update(JSON.stringify(json)).digest('hex').slice(0, 16);
}

export function loadRules(path?: string): LoadedRules {
  if (path === undefined) {
    return { rules: parseRules(shipped, SHIPPED_RULES_SOURCE), source: SHIPPED_RULES_SOURCE, digest: digestOf(shipped), json: shipped };
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RulesValidationError(path, [`cannot read the rules file as JSON: ${reason}`]);
  }
  return { rules: parseRules(json, path), source: path, digest: digestOf(json), json };
}

/** Rules given as parsed JSON (the operator function's inline `rules`), validated and digested like a file. */
export function rulesFromJson(json: unknown, source: string): LoadedRules {
  return { rules: parseRules(json, source), source, digest: digestOf(json), json };
}
