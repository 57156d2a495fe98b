/**
 * Use case: sync-subaccounts — a partner's subaccount links against its customers in Billing
 * (CustomerService.List of the partner's reseller billing account).
 *
 * - new: a customer's billing account with no link to this partner on `effective` or later →
 *   link from `effective`, open-ended;
 * - gone: a link of this partner still in force on `effective` (or starting later) whose
 *   subaccount is no customer any more → unlink effective `effective` (last linked day = effective−1).
 *
 * Without `confirm` it only previews (nothing is written). With `confirm` every change goes
 * through linkSubaccount / unlinkSubaccount, so each is validated (R3) and audited (R12) like an
 * operator's own; a change those refuse — typically a subaccount linked to another partner
 * (OVERLAP) — is reported as a rejected outcome, not thrown. Re-running after an interruption is
 * safe: what was applied is no longer a change.
 */
import { z } from 'zod';
import { isDay, type Day, type Quarter } from '../domain/calendar';
import type { SubaccountLink } from '../domain/model';
import { checkNewLink, lastDayBefore } from '../domain/periods';
import { describeZodIssues } from '../domain/zod-issues';
import type { BillingApi } from '../ports/billing';
import { fail, type Deps, type Failure } from './deps';
import { linkSubaccount, unlinkSubaccount } from './program';

export const syncSubaccountsInputSchema = z.strictObject({
  partnerId: z.string().min(1, 'partner id is required'),
  /** The partner's billing account id, the reseller Billing lists customers for. */
  resellerId: z.string().min(1, 'reseller (the partner billing account id) is required'),
  effective: z.string().refine(isDay, { message: 'expected a calendar day YYYY-MM-DD' }),
  confirm: z.boolean().default(false),
  actor: z.string().min(1),
  note: z.string(),
});

export type SyncSubaccountsInput = z.input<typeof syncSubaccountsInputSchema>;

export type SubaccountChange =
  | { action: 'link'; subaccountId: string; customerId: string; from: Day; to: null; problem: string | null }
  | { action: 'unlink'; subaccountId: string; linkId: string; linkFrom: Day; effective: Day; problem: string | null };

export interface ChangeOutcome {
  action: 'link' | 'unlink';
  subaccountId: string;
  status: 'applied' | 'rejected';
  /** The use case's failure code when rejected (OVERLAP, NOT_FOUND, INVALID_INPUT …). */
  code: Failure['code'] | null;
  message: string;
  linkId: string | null;
  /** Posted quarters the change reaches back into: re-post them to append the adjustment (R7). */
  postedQuartersAffected: Quarter[];
}

export interface SyncSubaccountsResult {
  ok: true;
  partnerId: string;
  resellerId: string;
  effective: Day;
  confirmed: boolean;
  /** Distinct customer billing accounts Billing listed. */
  customerCount: number;
  /** Subaccounts already linked as Billing says they should be. */
  unchanged: string[];
  /** What the customer list implies; `problem` predicts a refusal (e.g. another partner's link). */
  changes: SubaccountChange[];
  /** null in a preview; with confirm, one outcome per change, in the same order. */
  outcomes: ChangeOutcome[] | null;
}

export type SyncSubaccountsDeps = Deps & { billing: BillingApi };

/** A link that still counts on `effective` or after it (it may also start later). */
const stillLinked = (link: SubaccountLink, effective: Day) => link.to === null || link.to >= effective;

export async function syncSubaccounts(deps: SyncSubaccountsDeps, raw: SyncSubaccountsInput): Promise<SyncSubaccountsResult | Failure> {
  const parsed = syncSubaccountsInputSchema.safeParse(raw);
  if (!parsed.success) return fail('INVALID_INPUT', `sync-subaccounts: ${describeZodIssues(parsed.error).join('; ')}`);
  const input = parsed.data;

  const customers = new Map<string, string>();
  for (const customer of await deps.billing.listCustomers(input.resellerId)) {
    if (!customers.has(customer.billingAccountId)) customers.set(customer.billingAccountId, customer.id);
  }
  const allLinks = await deps.store.program.listLinks();
  const current = allLinks.filter((l) => l.partnerId === input.partnerId && stillLinked(l, input.effective));
  const linkedNow = new Set(current.map((l) => l.subaccountId));

  const changes: SubaccountChange[] = [];
  const unchanged: string[] = [];
  for (const [subaccountId, customerId] of [...customers.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (linkedNow.has(subaccountId)) {
      unchanged.push(subaccountId);
      continue;
    }
    const problem = checkNewLink(allLinks, { subaccountId, from: input.effective, to: null });
    changes.push({ action: 'link', subaccountId, customerId, from: input.effective, to: null, problem: problem?.message ?? null });
  }
  for (const link of [...current].sort((a, b) => (a.subaccountId < b.subaccountId ? -1 : 1))) {
    if (customers.has(link.subaccountId)) continue;
    const problem =
      link.ended !== null
        ? `the link was already ended by ${link.ended.actor} (last day ${link.to})`
        : lastDayBefore(input.effective) < link.from
          ? `the link starts ${link.from}; unlinking effective ${input.effective} would leave it no day`
          : null;
    changes.push({
      action: 'unlink',
      subaccountId: link.subaccountId,
      linkId: link.id,
      linkFrom: link.from,
      effective: input.effective,
      problem,
    });
  }

  const result: SyncSubaccountsResult = {
    ok: true,
    partnerId: input.partnerId,
    resellerId: input.resellerId,
    effective: input.effective,
    confirmed: input.confirm,
    customerCount: customers.size,
    unchanged,
    changes,
    outcomes: null,
  };
  if (!input.confirm) return result;

  const who = { actor: input.actor, note: input.note === '' ? `sync-subaccounts with reseller ${input.resellerId}` : input.note };
  const outcomes: ChangeOutcome[] = [];
  for (const change of changes) {
    const done =
      change.action === 'link'
        ? await linkSubaccount(deps, { partnerId: input.partnerId, subaccountId: change.subaccountId, from: change.from, to: null, ...who })
        : await unlinkSubaccount(deps, {
            partnerId: input.partnerId,
            subaccountId: change.subaccountId,
            effective: change.effective,
            ...who,
          });
    outcomes.push(
      done.ok
        ? {
            action: change.action,
            subaccountId: change.subaccountId,
            status: 'applied',
            code: null,
            message: change.action === 'link' ? `linked from ${done.link.from}` : `unlinked; last linked day ${done.link.to}`,
            linkId: done.link.id,
            postedQuartersAffected: done.postedQuartersAffected,
          }
        : {
            action: change.action,
            subaccountId: change.subaccountId,
            status: 'rejected',
            code: done.code,
            message: done.message,
            linkId: null,
            postedQuartersAffected: [],
          },
    );
  }
  return { ...result, outcomes };
}
