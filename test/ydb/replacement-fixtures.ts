/** Two versions of the same two account-days, used by the replacement and cleanup tests. */
import { batch } from '../contract/fixtures';

export const DAY = '2026-01-05';
export const shortly = (rows: { accountId: string; skuId: string; cost: string }[]) =>
  rows.map((r) => `${r.accountId} ${r.skuId} ${r.cost}`);
export const v1 = () => [
  batch('acc-1', DAY, 100, [
    { skuId: 'a', cost: '1' },
    { skuId: 'b', cost: '2' },
  ]),
  batch('acc-2', DAY, 100, [{ skuId: 'a', cost: '3' }]),
];
export const v2 = () => [
  batch('acc-1', DAY, 200, [
    { skuId: 'b', cost: '20' },
    { skuId: 'c', cost: '30' },
  ]),
  batch('acc-2', DAY, 200, [{ skuId: 'a', cost: '40' }]),
];
export const OLD = ['acc-1 a 1', 'acc-1 b 2', 'acc-2 a 3'];
export const NEW = ['acc-1 b 20', 'acc-1 c 30', 'acc-2 a 40'];
