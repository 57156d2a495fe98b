/** Contract: usage aggregates, account-day replacement (I1), scans and the ingest log (I5). */
import { describe, expect, it } from 'vitest';
import { addDays } from '../../shared/domain/calendar';
import { formatMoney } from '../../shared/domain/money';
import { accountDayDigest } from '../../shared/domain/replacement';
import { aggregate, applyResult, batch, collect, ingest, link, shown, STORAGE, usageIn, type ContractContext } from './fixtures';

const ALL = { from: '2000-01-01', to: '2099-12-31' } as const;

export function describeUsageContract(ctx: ContractContext): void {
  const versions = async () =>
    (await ctx.store.usage.listAccountDayVersions(ALL)).sort((a, b) => (a.day + a.accountId < b.day + b.accountId ? -1 : 1));

  describe('account-day replacement (I1)', () => {
    it('stores the first copy of account-days and records their versions and source', async () => {
      const result = await ctx.store.usage.applyAccountDays('exports/20260105.csv', [
        batch('acc-1', '2026-01-05', 1767600000, [
          { cost: '100.25', credit: '-10' },
          { skuId: 'sku-ram', cost: '3.5', credit: '0', rows: 24 },
        ]),
        batch('acc-2', '2026-01-05', 1767600100, [{ serviceId: STORAGE, skuId: 'sku-std', currency: 'USD', cost: '1', credit: '0' }]),
      ]);

      expect(result).toEqual(
        applyResult({
          applied: [
            { accountId: 'acc-1', day: '2026-01-05', version: 1767600000, sourceKey: 'exports/20260105.csv' },
            { accountId: 'acc-2', day: '2026-01-05', version: 1767600100, sourceKey: 'exports/20260105.csv' },
          ],
          stale: [],
          conflicts: [],
        }),
      );
      expect(await usageIn(ctx.store, '2026-01-05', '2026-01-05')).toEqual([
        shown(aggregate({ accountId: 'acc-1', day: '2026-01-05', skuId: 'sku-ram', cost: '3.5', credit: '0', rows: 24 })),
        shown(aggregate({ accountId: 'acc-1', day: '2026-01-05', cost: '100.25', credit: '-10' })),
        shown(
          aggregate({
            accountId: 'acc-2',
            day: '2026-01-05',
            serviceId: STORAGE,
            skuId: 'sku-std',
            currency: 'USD',
            cost: '1',
            credit: '0',
          }),
        ),
      ]);
      expect(await versions()).toEqual(result.applied);
    });

    it('replaces an account-day with the same content at the same version under another source key, without a conflict', async () => {
      await ctx.store.usage.applyAccountDays('a.csv', [batch('acc-1', '2026-01-05', 100, [{ cost: '1' }])]);

      const result = await ctx.store.usage.applyAccountDays('b.csv', [batch('acc-1', '2026-01-05', 100, [{ cost: '1' }])]);

      expect(result).toEqual(
        applyResult({
          applied: [{ accountId: 'acc-1', day: '2026-01-05', version: 100, sourceKey: 'b.csv' }],
          stale: [],
          conflicts: [],
        }),
      );
      expect((await usageIn(ctx.store, '2026-01-05', '2026-01-05')).map((a) => a.cost)).toEqual(['1']);
      expect(await versions()).toEqual([{ accountId: 'acc-1', day: '2026-01-05', version: 100, sourceKey: 'b.csv' }]);
    });

    it('settles same version with different content by the larger digest, whatever the order, and reports the conflict both ways', async () => {
      const one = batch('acc-1', '2026-01-05', 100, [{ cost: '1' }]);
      const two = batch('acc-1', '2026-01-05', 100, [{ cost: '2' }]);
      const winner = accountDayDigest(one.rows) > accountDayDigest(two.rows) ? '1' : '2';

      const first = await ctx.store.usage.applyAccountDays('a.csv', [one]);
      const second = await ctx.store.usage.applyAccountDays('b.csv', [two]);
      const afterAB = (await usageIn(ctx.store, '2026-01-05', '2026-01-05')).map((a) => a.cost);
      const again = await ctx.store.usage.applyAccountDays('a.csv', [one]);
      const afterReplay = (await usageIn(ctx.store, '2026-01-05', '2026-01-05')).map((a) => a.cost);

      expect(first.conflicts).toEqual([]);
      expect(second.conflicts).toEqual([
        {
          accountId: 'acc-1',
          day: '2026-01-05',
          version: 100,
          digest: accountDayDigest(two.rows),
          storedDigest: accountDayDigest(one.rows),
          kept: winner === '2' ? 'incoming' : 'stored',
        },
      ]);
      expect(second.applied.length).toBe(winner === '2' ? 1 : 0);
      expect(afterAB).toEqual([winner]);
      // Re-ingesting the old file changes nothing (I1), and is reported again when it differs.
      expect(afterReplay).toEqual([winner]);
      expect(again.conflicts.length).toBe(winner === '2' ? 1 : 0);
    });

    it('releases a stuck account-day: its version drops to 0, its data stays, and the next copy of any version replaces it', async () => {
      await ctx.store.usage.applyAccountDays('bad.csv', [batch('acc-1', '2026-01-05', 1767600000000, [{ cost: '5' }])]);
      const stuck = await ctx.store.usage.applyAccountDays('good.csv', [batch('acc-1', '2026-01-05', 1767600000, [{ cost: '6' }])]);

      const released = await ctx.store.usage.releaseAccountDays(
        [
          { accountId: 'acc-1', day: '2026-01-05' },
          { accountId: 'acc-9', day: '2026-01-05' },
        ],
        'release by op',
      );
      const kept = (await usageIn(ctx.store, '2026-01-05', '2026-01-05')).map((a) => a.cost);
      const fixed = await ctx.store.usage.applyAccountDays('good.csv', [batch('acc-1', '2026-01-05', 1767600000, [{ cost: '6' }])]);

      expect(stuck.stale.length).toBe(1);
      expect(released.map((r) => [r.accountId, r.day, r.version])).toEqual([['acc-1', '2026-01-05', 1767600000000]]);
      expect(kept).toEqual(['5']);
      expect(fixed.applied.length).toBe(1);
      expect((await usageIn(ctx.store, '2026-01-05', '2026-01-05')).map((a) => a.cost)).toEqual(['6']);
      expect(await versions()).toEqual([{ accountId: 'acc-1', day: '2026-01-05', version: 1767600000, sourceKey: 'good.csv' }]);
    });

    it('replaces an account-day with a newer version, dropping rows the new copy no longer has, and leaves other account-days alone', async () => {
      await ctx.store.usage.applyAccountDays('v1.csv', [
        batch('acc-1', '2026-01-05', 100, [
          { skuId: 'sku-a', cost: '1' },
          { skuId: 'sku-b', cost: '2' },
        ]),
        batch('acc-1', '2026-01-06', 100, [{ skuId: 'sku-a', cost: '7' }]),
        batch('acc-2', '2026-01-05', 100, [{ skuId: 'sku-a', cost: '8' }]),
      ]);

      await ctx.store.usage.applyAccountDays('v2.csv', [batch('acc-1', '2026-01-05', 200, [{ skuId: 'sku-b', cost: '5.55' }])]);

      const rows = await usageIn(ctx.store, '2026-01-05', '2026-01-06');
      expect(rows.map((a) => `${a.day} ${a.accountId} ${a.skuId} ${a.cost}`)).toEqual([
        '2026-01-05 acc-1 sku-b 5.55',
        '2026-01-05 acc-2 sku-a 8',
        '2026-01-06 acc-1 sku-a 7',
      ]);
      expect((await versions()).map((v) => `${v.day} ${v.accountId} ${v.version} ${v.sourceKey}`)).toEqual([
        '2026-01-05 acc-1 200 v2.csv',
        '2026-01-05 acc-2 100 v1.csv',
        '2026-01-06 acc-1 100 v1.csv',
      ]);
    });

    it('ignores an older copy of an account-day that arrives late and reports it stale', async () => {
      await ctx.store.usage.applyAccountDays('new.csv', [batch('acc-1', '2026-01-05', 200, [{ cost: '9.99' }])]);
      const before = await usageIn(ctx.store, '2026-01-05', '2026-01-05');

      const result = await ctx.store.usage.applyAccountDays('old.csv', [
        batch('acc-1', '2026-01-05', 199, [{ cost: '1' }, { skuId: 'sku-x' }]),
      ]);

      expect(result).toEqual(
        applyResult({
          applied: [],
          stale: [{ accountId: 'acc-1', day: '2026-01-05', version: 199, storedVersion: 200 }],
          conflicts: [],
        }),
      );
      expect(await usageIn(ctx.store, '2026-01-05', '2026-01-05')).toEqual(before);
      expect(await versions()).toEqual([{ accountId: 'acc-1', day: '2026-01-05', version: 200, sourceKey: 'new.csv' }]);
    });

    it('applies the newer and skips the older account-days of one mixed call', async () => {
      await ctx.store.usage.applyAccountDays('base.csv', [
        batch('acc-1', '2026-01-05', 100, [{ cost: '1' }]),
        batch('acc-2', '2026-01-05', 300, [{ cost: '2' }]),
      ]);

      const result = await ctx.store.usage.applyAccountDays('mixed.csv', [
        batch('acc-1', '2026-01-05', 150, [{ cost: '10' }]),
        batch('acc-2', '2026-01-05', 250, [{ cost: '20' }]),
        batch('acc-3', '2026-01-05', 1, [{ cost: '30' }]),
      ]);

      expect(result).toEqual(
        applyResult({
          applied: [
            { accountId: 'acc-1', day: '2026-01-05', version: 150, sourceKey: 'mixed.csv' },
            { accountId: 'acc-3', day: '2026-01-05', version: 1, sourceKey: 'mixed.csv' },
          ],
          stale: [{ accountId: 'acc-2', day: '2026-01-05', version: 250, storedVersion: 300 }],
          conflicts: [],
        }),
      );
      expect((await usageIn(ctx.store, '2026-01-05', '2026-01-05')).map((a) => `${a.accountId} ${a.cost}`)).toEqual([
        'acc-1 10',
        'acc-2 2',
        'acc-3 30',
      ]);
    });

    it('settles every outcome in one call of 1,234 account-days — past any chunk or statement size — as it settles them one by one', async () => {
      // Six kinds of account-day, interleaved so that every chunk and every multi-row statement
      // mixes first-seen and held ones: held older (replaced), held newer (stale), held with the
      // same content (replaced, no conflict), held with other content at the same version
      // (settled by digest), and first-seen (two kinds).
      const days = ['2026-01-05', '2026-01-06'] as const;
      const accounts = Array.from({ length: 617 }, (_, i) => `acc-${String(i).padStart(4, '0')}`);
      const incoming = days.flatMap((day) =>
        accounts.map((a, i) => batch(a, day, i % 6 === 0 ? 150 : i % 6 === 1 ? 250 : 200, [{ cost: `${i}.5` }])),
      );
      const held = days.flatMap((day) =>
        accounts.flatMap((a, i) => {
          const kind = i % 6;
          if (kind === 0) return [batch(a, day, 100, [{ cost: '1' }])];
          if (kind === 1) return [batch(a, day, 300, [{ cost: '3' }])];
          if (kind === 2) return [batch(a, day, 200, [{ cost: `${i}.5` }])];
          if (kind === 3) return [batch(a, day, 200, [{ cost: `${i}.25` }])];
          return [];
        }),
      );
      await ctx.store.usage.applyAccountDays('held.csv', held);

      const result = await ctx.store.usage.applyAccountDays('mixed.csv', incoming);

      const heldBy = new Map(held.map((b) => [`${b.accountId}/${b.day}`, b]));
      const expected = incoming.map((b) => {
        const before = heldBy.get(`${b.accountId}/${b.day}`);
        if (before === undefined || b.version > before.version) return { outcome: 'applied', cost: b.rows[0]!.cost };
        if (b.version < before.version) return { outcome: 'stale', cost: before.rows[0]!.cost };
        const mine = accountDayDigest(b.rows);
        const theirs = accountDayDigest(before.rows);
        if (mine === theirs) return { outcome: 'applied', cost: b.rows[0]!.cost };
        return mine > theirs
          ? { outcome: 'conflict-incoming', cost: b.rows[0]!.cost }
          : { outcome: 'conflict-stored', cost: before.rows[0]!.cost };
      });
      const count = (...outcomes: string[]) => expected.filter((e) => outcomes.includes(e.outcome)).length;
      expect(result.appliedCount).toBe(count('applied', 'conflict-incoming'));
      expect(result.staleCount).toBe(count('stale'));
      expect(result.conflictCount).toBe(count('conflict-incoming', 'conflict-stored'));
      expect(result.conflictsKeptStored).toBe(count('conflict-stored'));
      expect(result.appliedCount + result.staleCount + result.conflictsKeptStored).toBe(1234);
      // The first applied and stale account-days are listed in the call's order.
      const inOrder = incoming.map((b, i) => ({ b, e: expected[i]! }));
      expect(result.applied.slice(0, 5)).toEqual(
        inOrder
          .filter(({ e }) => e.outcome === 'applied' || e.outcome === 'conflict-incoming')
          .slice(0, 5)
          .map(({ b }) => ({ accountId: b.accountId, day: b.day, version: b.version, sourceKey: 'mixed.csv' })),
      );
      expect(result.stale.slice(0, 5)).toEqual(
        inOrder
          .filter(({ e }) => e.outcome === 'stale')
          .slice(0, 5)
          .map(({ b }) => ({ accountId: b.accountId, day: b.day, version: b.version, storedVersion: 300 })),
      );
      // What the store holds is, account-day by account-day, what the rules settled.
      const stored = await usageIn(ctx.store, days[0], days[1]);
      expect(stored.map((a) => `${a.day} ${a.accountId} ${a.cost}`)).toEqual(
        incoming.map((b, i) => `${b.day} ${b.accountId} ${formatMoney(expected[i]!.cost, 0)}`),
      );
      // …and the source recorded is the call's wherever it applied, the earlier one's elsewhere.
      expect((await versions()).map((v) => `${v.day} ${v.accountId} ${v.sourceKey}`)).toEqual(
        incoming.map((b, i) => {
          const outcome = expected[i]!.outcome;
          return `${b.day} ${b.accountId} ${outcome === 'applied' || outcome === 'conflict-incoming' ? 'mixed.csv' : 'held.csv'}`;
        }),
      );
    });

    it('rejects a batch holding a row of another account-day and writes nothing of the call', async () => {
      const bad = batch('acc-1', '2026-01-05', 100, [{ cost: '1' }]);
      bad.rows.push(aggregate({ accountId: 'acc-2', day: '2026-01-05' }));

      await expect(ctx.store.usage.applyAccountDays('bad.csv', [batch('acc-0', '2026-01-05', 100, [{}]), bad])).rejects.toThrow(/acc-2/);
      expect(await usageIn(ctx.store, ALL.from, ALL.to)).toEqual([]);
      expect(await versions()).toEqual([]);
    });
  });

  describe('money and scans', () => {
    it('round-trips money exactly, to the last of 9 decimals and the full Decimal(22,9) range', async () => {
      const amounts = [
        '12345678901.123456789',
        '-0.000000001',
        '0.000000001',
        '9999999999999.999999999',
        '-9999999999999.999999999',
        '0',
        '-1234.5',
        '0.1',
      ];
      await ctx.store.usage.applyAccountDays('money.csv', [
        batch(
          'acc-m',
          '2026-02-01',
          1,
          amounts.map((cost, i) => ({ skuId: `sku-${i}`, cost, credit: amounts[amounts.length - 1 - i] })),
        ),
      ]);

      const rows = await collect(ctx.store.usage.scanUsage({ from: '2026-02-01', to: '2026-02-01' }));

      expect(rows.map((a) => formatMoney(a.cost, 0))).toEqual(amounts);
      expect(rows.map((a) => formatMoney(a.credit, 0))).toEqual([...amounts].reverse());
      expect(rows[0]?.cost).toBe(12345678901123456789n);
      expect(rows[1]?.cost).toBe(-1n);
    });

    it('scans days inclusively at both ends of the range, in (day, account, service, sku, currency) order', async () => {
      await ctx.store.usage.applyAccountDays('s.csv', [
        batch('acc-b', '2026-03-31', 1, [{ skuId: 'sku-2' }, { skuId: 'sku-1', currency: 'USD' }, { skuId: 'sku-1', currency: 'KZT' }]),
        batch('acc-a', '2026-03-31', 1, [{ serviceId: STORAGE }, {}]),
        batch('acc-a', '2025-12-31', 1, [{}]),
        batch('acc-a', '2026-04-01', 1, [{}]),
        batch('acc-c', '2026-01-01', 1, [{}]),
      ]);

      const rows = await usageIn(ctx.store, '2026-01-01', '2026-03-31');

      expect(rows.map((a) => `${a.day} ${a.accountId} ${a.serviceId} ${a.skuId} ${a.currency}`)).toEqual([
        '2026-01-01 acc-c dn22pas77ftg9h3f2djj sku-vcpu RUB',
        '2026-03-31 acc-a dn22pas77ftg9h3f2djj sku-vcpu RUB',
        `2026-03-31 acc-a ${STORAGE} sku-vcpu RUB`,
        '2026-03-31 acc-b dn22pas77ftg9h3f2djj sku-1 KZT',
        '2026-03-31 acc-b dn22pas77ftg9h3f2djj sku-1 USD',
        '2026-03-31 acc-b dn22pas77ftg9h3f2djj sku-2 RUB',
      ]);
    });

    it('scans only the listed accounts, and nothing for an empty list', async () => {
      await ctx.store.usage.applyAccountDays(
        'f.csv',
        ['acc-1', 'acc-2', 'acc-3'].map((id) => batch(id, '2026-01-10', 1, [{}])),
      );

      expect((await usageIn(ctx.store, ALL.from, ALL.to, ['acc-3', 'acc-1', 'acc-x'])).map((a) => a.accountId)).toEqual(['acc-1', 'acc-3']);
      expect(await usageIn(ctx.store, ALL.from, ALL.to, [])).toEqual([]);
    });

    it('scans every one of 2500 aggregates, past any 1000-row page limit, in order and exact', async () => {
      const days = Array.from({ length: 50 }, (_, i) => addDays('2026-01-01', i));
      const batches = days.flatMap((day) =>
        Array.from({ length: 5 }, (_, a) =>
          batch(
            `acc-${a}`,
            day,
            1,
            Array.from({ length: 10 }, (_, s) => ({ skuId: `sku-${s}`, cost: `${a}${s}.00000000${s}`, credit: '-0.1' })),
          ),
        ),
      );
      await ctx.store.usage.applyAccountDays('big.csv', batches);

      const rows = await collect(ctx.store.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' }));

      expect(rows).toHaveLength(2500);
      expect(rows.map((a) => `${a.day}/${a.accountId}/${a.skuId}`)).toEqual(
        batches.flatMap((b) => b.rows.map((a) => `${a.day}/${a.accountId}/${a.skuId}`)),
      );
      expect(rows.reduce((sum, a) => sum + a.cost, 0n)).toBe(batches.flatMap((b) => b.rows).reduce((sum, a) => sum + a.cost, 0n));
      const filtered = await collect(ctx.store.usage.scanUsage({ from: '2026-01-01', to: '2026-12-31' }, { accountIds: ['acc-4'] }));
      expect(filtered).toHaveLength(500);
    });

    it('accepts a long account filter (1500 ids) without losing order', async () => {
      await ctx.store.usage.applyAccountDays(
        'f.csv',
        ['acc-0007', 'acc-1499', 'acc-0500'].map((id) => batch(id, '2026-01-10', 1, [{}])),
      );
      const ids = Array.from({ length: 1500 }, (_, i) => `acc-${String(i).padStart(4, '0')}`).reverse();

      expect((await usageIn(ctx.store, '2026-01-10', '2026-01-10', ids)).map((a) => a.accountId)).toEqual([
        'acc-0007',
        'acc-0500',
        'acc-1499',
      ]);
    });

    it('serves other calls while a scan is being iterated', async () => {
      await ctx.store.usage.applyAccountDays(
        'i.csv',
        ['acc-1', 'acc-2', 'acc-3'].map((id) => batch(id, '2026-01-10', 1, [{}])),
      );
      const seen: string[] = [];

      for await (const row of ctx.store.usage.scanUsage({ from: '2026-01-10', to: '2026-01-10' })) {
        seen.push(row.accountId);
        await ctx.store.program.insertLink(link(`l-${row.accountId}`, 'p-1', row.accountId, '2026-01-01'));
        expect(await ctx.store.usage.listAccountDayVersions({ from: '2026-01-10', to: '2026-01-10' })).toHaveLength(3);
      }

      expect(seen).toEqual(['acc-1', 'acc-2', 'acc-3']);
      expect(await ctx.store.program.listLinks()).toHaveLength(3);
    });

    it('lists account-day versions only for days inside the range', async () => {
      await ctx.store.usage.applyAccountDays(
        'v.csv',
        ['2025-12-31', '2026-01-01', '2026-03-31', '2026-04-01'].map((day) => batch('acc-1', day, 5, [{}])),
      );

      const days = (await ctx.store.usage.listAccountDayVersions({ from: '2026-01-01', to: '2026-03-31' })).map((v) => v.day).sort();

      expect(days).toEqual(['2026-01-01', '2026-03-31']);
    });
  });

  describe('ingest log (I5)', () => {
    it('round-trips entries newest first, filtered by object key and limited', async () => {
      const first = ingest('i-1', 'exports/20260105.csv', '2026-01-05T10:00:00.000Z');
      const rejected = ingest('i-2', 'exports/20260106.csv', '2026-01-06T10:00:00.000Z', {
        etag: null,
        version: null,
        accountDaysApplied: 0,
        accountDaysStale: 0,
        status: 'rejected',
        reason: 'line 7, column cost: "1,5" is not a decimal',
      });
      const again = ingest('i-3', 'exports/20260105.csv', '2026-01-07T10:00:00.000Z', { status: 'stale', accountDaysApplied: 0 });
      for (const e of [first, rejected, again]) await ctx.store.usage.recordIngest(e);

      expect(await ctx.store.usage.listIngestLog()).toEqual([again, rejected, first]);
      expect(await ctx.store.usage.listIngestLog({ objectKey: 'exports/20260105.csv' })).toEqual([again, first]);
      expect(await ctx.store.usage.listIngestLog({ limit: 2 })).toEqual([again, rejected]);
      expect(await ctx.store.usage.listIngestLog({ objectKey: 'exports/20260105.csv', limit: 1 })).toEqual([again]);
      expect(await ctx.store.usage.listIngestLog({ objectKey: 'nope.csv' })).toEqual([]);
    });
  });
}
