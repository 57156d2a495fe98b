/** GET /v1/balance — the Rebate accrual balance per currency (R8: the sum of the ledger). */
import type { Deps } from '../usecases/deps';
import { partnerBalance } from '../usecases/statement';
import { moneyText } from './money-json';
import { parseQuery, partnerParam } from './query-params';

export async function balanceRoute(deps: Deps, partnerId: string, query: Record<string, string>) {
  parseQuery(partnerParam, query, partnerId);
  const result = await partnerBalance(deps, partnerId);
  return { partnerId, balances: result.balances.map((b) => ({ currency: b.currency, amount: moneyText(b.amount) })) };
}
