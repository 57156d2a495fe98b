/** GET /v1/quarters — per posted quarter and currency: accrued, adjusted, withdrawn, total (R7, R8). */
import type { Currency } from '../domain/model';
import type { Deps } from '../usecases/deps';
import { moneyText } from './money-json';
import { parseQuery, partnerParam } from './query-params';

interface Sums {
  quarter: string;
  currency: Currency;
  accrued: bigint;
  adjusted: bigint;
  withdrawn: bigint;
}

export async function quartersRoute(deps: Deps, partnerId: string, query: Record<string, string>) {
  parseQuery(partnerParam, query, partnerId);
  const sums = new Map<string, Sums>();
  for (const e of await deps.store.ledger.listEntries({ partnerId })) {
    const key = `${e.quarter} ${e.currency}`;
    const s = sums.get(key) ?? { quarter: e.quarter, currency: e.currency, accrued: 0n, adjusted: 0n, withdrawn: 0n };
    if (e.kind === 'accrual') s.accrued += e.amount;
    else if (e.kind === 'adjustment') s.adjusted += e.amount;
    else s.withdrawn += e.amount;
    sums.set(key, s);
  }
  const quarters = [...sums.values()]
    .sort((a, b) =>
      a.quarter !== b.quarter ? (a.quarter < b.quarter ? -1 : 1) : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0,
    )
    .map((s) => ({
      quarter: s.quarter,
      currency: s.currency,
      accrued: moneyText(s.accrued),
      adjusted: moneyText(s.adjusted),
      withdrawn: moneyText(s.withdrawn),
      total: moneyText(s.accrued + s.adjusted + s.withdrawn),
    }));
  return { partnerId, quarters };
}
