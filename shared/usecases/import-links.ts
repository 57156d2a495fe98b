/**
 * Use case: bulk links from CSV (issue 12). The file is validated as a whole (rows, R3 overlaps
 * within it and with the stored links) and applied all or nothing in one store transaction; each
 * link carries its own audit (R12) naming the file and line. A dry run checks the same and writes
 * nothing.
 */
import { periodsOverlap, quarterRange, type Quarter } from '../domain/calendar';
import { checkLinkOverlaps, describeProblems, parseLinkRows, type ImportProblem } from '../domain/link-import';
import type { SubaccountLink } from '../domain/model';
import { StoreError } from '../ports/store';
import type { Actor, Deps } from './deps';

export type ImportLinksResult =
  | {
      ok: true;
      source: string;
      dryRun: boolean;
      links: SubaccountLink[];
      postedQuartersAffected: { partnerId: string; quarters: Quarter[] }[];
    }
  | { ok: false; code: 'IMPORT_REJECTED'; message: string; source: string; dryRun: boolean; problems: ImportProblem[] };

export async function importLinks(
  deps: Deps,
  input: { source: string; text: string; dryRun: boolean } & Actor,
): Promise<ImportLinksResult> {
  const rejected = (found: ImportProblem[]): ImportLinksResult => {
    const problems = [...found].sort((a, b) => a.line - b.line);
    return {
      ok: false,
      code: 'IMPORT_REJECTED',
      message: describeProblems(input.source, problems),
      source: input.source,
      dryRun: input.dryRun,
      problems,
    };
  };
  const parsed = parseLinkRows(input.text);
  const stored = await deps.store.program.listLinks();
  const problems = [...parsed.problems, ...checkLinkOverlaps(parsed.rows, stored)];
  if (problems.length > 0) return rejected(problems);

  const at = deps.clock().toISOString();
  const links: SubaccountLink[] = parsed.rows.map((row) => ({
    id: deps.newId(),
    partnerId: row.partnerId,
    subaccountId: row.subaccountId,
    from: row.from,
    to: row.to,
    created: { actor: input.actor, at, note: `${input.note ? `${input.note} ` : ''}(import ${input.source} line ${row.line})` },
    ended: null,
  }));
  if (!input.dryRun) {
    try {
      await deps.store.program.insertLinks(links);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'ALREADY_EXISTS')
        return rejected([{ line: 1, column: null, reason: `${error.message}; nothing was imported` }]);
      throw error;
    }
  }
  return { ok: true, source: input.source, dryRun: input.dryRun, links, postedQuartersAffected: await postedQuartersReached(deps, links) };
}

/** Posted quarters a new link reaches back into: their next posting appends what the link earns (R7). */
async function postedQuartersReached(deps: Deps, links: readonly SubaccountLink[]): Promise<{ partnerId: string; quarters: Quarter[] }[]> {
  const partners = [...new Set(links.map((l) => l.partnerId))].sort();
  const entries = await deps.store.ledger.listEntries();
  const out: { partnerId: string; quarters: Quarter[] }[] = [];
  for (const partnerId of partners) {
    const own = links.filter((l) => l.partnerId === partnerId);
    const quarters = [
      ...new Set(
        entries
          .filter(
            (e) => e.partnerId === partnerId && e.kind !== 'withdrawal' && own.some((l) => periodsOverlap(quarterRange(e.quarter), l)),
          )
          .map((e) => e.quarter),
      ),
    ].sort();
    if (quarters.length > 0) out.push({ partnerId, quarters });
  }
  return out;
}
