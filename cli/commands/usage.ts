/** `usage release` — the operator's recovery of account-days stuck behind a bad version (I1). */
import { dayProblem, subaccountIdProblem } from '../../shared/domain/identifiers';
import type { Deps } from '../../shared/usecases/deps';
import { releaseAccountDays } from '../../shared/usecases/release-account-days';
import { actorOf, checked, optional, parseCommand, required, UsageError } from '../args';
import { failureOutput, ok, type CommandOutput } from '../output';

const USAGE = 'usage release --subaccount BILLING_ACCOUNT_ID --day DAY [--to DAY] --note TEXT [--actor ID] [--json]';

export async function usageCommand(deps: Deps, sub: string | undefined, argv: string[]): Promise<CommandOutput> {
  if (sub !== 'release') throw new UsageError(`unknown usage command "${sub ?? ''}"\nusage: ${USAGE}`);
  const p = parseCommand(argv, { subaccount: { type: 'string' }, day: { type: 'string' }, to: { type: 'string' } }, USAGE);
  const from = checked(required(p, 'day', USAGE), (v) => dayProblem(v, '--day'), USAGE);
  const result = await releaseAccountDays(deps, {
    subaccountId: checked(required(p, 'subaccount', USAGE), subaccountIdProblem, USAGE),
    from,
    to: checked(optional(p, 'to') ?? from, (v) => dayProblem(v, '--to'), USAGE),
    ...actorOf(p),
  });
  if (!result.ok) return failureOutput(result);
  const lines = result.released.map((r) => `  ${r.day}  version ${r.version} → 0`);
  return ok(
    { subaccountId: result.subaccountId, released: result.released.map((r) => ({ day: r.day, previousVersion: r.version })), ingestLogId: result.logId },
    `released ${result.released.length} account-day(s) of ${result.subaccountId}; the next file of each replaces it, whatever its version — now ingest the correct file\n${lines.join('\n')}`,
  );
}
