/**
 * The aggregator finds a row's group by a 32-bit FNV-1a hash of its key cells and only then
 * compares the bytes: keys whose hashes are equal must still stay apart. The colliding ids below
 * were found by a meet-in-the-middle search (FNV-1a is invertible byte by byte); the first test
 * re-computes the hash here, so the pairs are known to collide rather than assumed to.
 */
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { parseUsageExport } from '../../../shared/ingest/usage-export-parser';

const HEADER = 'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at';
const DAY = '2026-03-01';

/** FNV-1a over one cell as the aggregator hashes it: its bytes, then its length. */
function cellHash(h: number, cell: string): number {
  const bytes = Buffer.from(cell, 'latin1');
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return Math.imul(h ^ (bytes.length | 0x100), 0x01000193);
}
const keyHash = (account: string, service: string, sku: string) =>
  cellHash(cellHash(cellHash(cellHash(0x811c9dc5, account), DAY), service), sku);

/** Pairs of ids with one hash in their position; in each `prefix` pair one id starts the other. */
const COLLISIONS = {
  accountPrefix: ['acc-', 'acc-ZkXgkY'],
  accountSameLength: ['acc-000000', 'acc-hI9aji'],
  servicePrefix: ['svc-', 'svc-iQRksP'],
  serviceSameLength: ['svc-000000', 'svc-JisbJ2'],
  skuPrefix: ['sku-', 'sku-buNahV'],
  skuSameLength: ['sku-000000', 'sku-E24bzQ'],
} as const;

/** Two rows of one account-day (or two) whose whole keys hash alike but differ in one id. */
function rowsFor(kind: keyof typeof COLLISIONS): [string[], string[]] {
  const [short, long] = COLLISIONS[kind];
  const base = ['acc-1', 'svc-1', 'sku-1'];
  const at = kind.startsWith('account') ? 0 : kind.startsWith('service') ? 1 : 2;
  const first = [...base];
  const second = [...base];
  // The longer id comes first: a byte compare that trusted the hash for the length would find it
  // again for the shorter one, whose bytes it starts with.
  first[at] = long;
  second[at] = short;
  return [first, second];
}

describe('rows whose group keys hash alike', () => {
  it('the pairs used here do collide: their whole keys have one 32-bit hash', () => {
    for (const kind of Object.keys(COLLISIONS) as (keyof typeof COLLISIONS)[]) {
      const [first, second] = rowsFor(kind);
      expect(first, kind).not.toEqual(second);
      expect(keyHash(first[0]!, first[1]!, first[2]!), kind).toBe(keyHash(second[0]!, second[1]!, second[2]!));
    }
  });

  it.each(Object.keys(COLLISIONS) as (keyof typeof COLLISIONS)[])(
    'keeps two groups apart when their keys collide (%s), each with its own sum and row count',
    async (kind) => {
      const [first, second] = rowsFor(kind);
      const line = ([account, service, sku]: string[], cost: string) => `${account},${service},${sku},${DAY},RUB,${cost},0,1770000000`;
      // A third row per key: each group must find itself again after its colliding twin exists.
      const text = `${HEADER}\n${line(first, '1.5')}\n${line(second, '2.25')}\n${line(first, '0.000000001')}\n${line(second, '10')}\n`;
      const parsed = await parseUsageExport([Buffer.from(text)], { fallbackVersion: null });
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const groups = parsed.accountDays.flatMap((d) =>
        d.rows.map((r) => [r.accountId, r.serviceId, r.skuId, formatMoney(r.cost, 0), r.rows] as const),
      );
      expect(groups).toHaveLength(2);
      expect(groups).toEqual(
        expect.arrayContaining([
          [first[0], first[1], first[2], '1.500000001', 2],
          [second[0], second[1], second[2], '12.25', 2],
        ]),
      );
      // Two accounts are two account-days; two services or skus are two rows of one.
      expect(parsed.accountDays).toHaveLength(kind.startsWith('account') ? 2 : 1);
    },
  );
});

describe('a group in the first hash bucket when the columns grow', () => {
  it('is found again after the 4,097th group makes the columns grow and the buckets be rebuilt', async () => {
    // A sku whose whole key falls in bucket 0 of the 4,096 first buckets (searched here, ~1 in 4,096).
    let n = 0;
    while ((keyHash('acc-1', 'svc-1', `sku-${n}`) & 4095) !== 0) n++;
    const first = `sku-${n}`;
    const line = (sku: string, cost: string) => `acc-1,svc-1,${sku},${DAY},RUB,${cost},0,1770000000`;
    const fillers = Array.from({ length: 4096 }, (_, i) => line(`filler-${i}`, '1'));
    const text = `${HEADER}\n${line(first, '2')}\n${fillers.join('\n')}\n${line(first, '3')}\n`;
    const parsed = await parseUsageExport([Buffer.from(text)], { fallbackVersion: null });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const rows = parsed.accountDays[0]!.rows;
    expect(rows).toHaveLength(4097);
    expect(rows.filter((r) => r.skuId === first).map((r) => [formatMoney(r.cost, 0), r.rows])).toEqual([['5', 2]]);
  });
});
