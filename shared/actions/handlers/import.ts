/** `partner.import` (issue 12): bulk links from a CSV file (CLI) or inline CSV text (operator function). */
import { readFile } from 'node:fs/promises';
import { importLinks } from '../../usecases/import-links';
import { failed, succeeded, type ActionDeps, type ActionResult } from '../deps';
import type { ActionOf } from '../schema';
import { ACTOR_REQUIRED, actorOf } from './program';

async function linksText(
  deps: ActionDeps,
  input: ActionOf<'partner.import'>,
): Promise<{ source: string; text: string } | { code: 'INVALID_INPUT'; message: string }> {
  if (input.csv !== undefined) return { source: 'inline CSV', text: input.csv };
  const path = input.file as string; // the schema requires exactly one of file / csv
  if (!deps.localFiles)
    return { code: 'INVALID_INPUT', message: 'file: a function reads no local files; pass the CSV text itself as "csv"' };
  try {
    return { source: path, text: await readFile(path, 'utf8') };
  } catch (error) {
    return { code: 'INVALID_INPUT', message: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export async function partnerImport(deps: ActionDeps, input: ActionOf<'partner.import'>): Promise<ActionResult> {
  const dryRun = input.dryRun ?? false;
  // A preview writes nothing, so it needs no actor; an import does (R12).
  const who = actorOf(deps, input) ?? (dryRun ? { actor: 'dry-run', note: '' } : null);
  if (!who) return failed(ACTOR_REQUIRED);
  const file = await linksText(deps, input);
  if ('code' in file) return failed(file);
  const r = await importLinks(deps, { source: file.source, text: file.text, dryRun, ...who });
  if (!r.ok) return failed(r, { source: r.source, dryRun: r.dryRun, imported: 0, problems: r.problems });
  return succeeded({
    source: r.source,
    dryRun: r.dryRun,
    imported: r.dryRun ? 0 : r.links.length,
    links: r.links,
    postedQuartersAffected: r.postedQuartersAffected,
  });
}
