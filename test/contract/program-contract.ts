/** Contract: links (R3) and specialization periods (R5) with their audit fields (R12). */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../shared/ports/store';
import { audit, link, period, type ContractContext } from './fixtures';

export function describeProgramContract(ctx: ContractContext): void {
  describe('subaccount links', () => {
    it('returns inserted links with every field and audit, ordered by subaccount then start day', async () => {
      const links = [
        link('l-3', 'p-2', 'sub-b', '2026-02-01'),
        link('l-1', 'p-1', 'sub-a', '2026-03-01', '2026-03-31'),
        link('l-2', 'p-1', 'sub-a', '2025-10-01', '2026-02-28'),
      ];
      for (const l of links) await ctx.store.program.insertLink(l);

      expect(await ctx.store.program.listLinks()).toEqual([links[2], links[1], links[0]]);
    });

    it('filters links by partner, by subaccount, and by both', async () => {
      await ctx.store.program.insertLink(link('l-1', 'p-1', 'sub-a', '2025-01-01', '2025-12-31'));
      await ctx.store.program.insertLink(link('l-2', 'p-2', 'sub-a', '2026-01-01'));
      await ctx.store.program.insertLink(link('l-3', 'p-1', 'sub-c', '2026-01-01'));

      const ids = (links: { id: string }[]) => links.map((l) => l.id);
      expect(ids(await ctx.store.program.listLinks({ partnerId: 'p-1' }))).toEqual(['l-1', 'l-3']);
      expect(ids(await ctx.store.program.listLinks({ subaccountId: 'sub-a' }))).toEqual(['l-1', 'l-2']);
      expect(ids(await ctx.store.program.listLinks({ partnerId: 'p-2', subaccountId: 'sub-a' }))).toEqual(['l-2']);
      expect(await ctx.store.program.listLinks({ partnerId: 'nobody' })).toEqual([]);
    });

    it('ends an open link with its last day and the audit of who ended it, leaving other links alone', async () => {
      const open = link('l-1', 'p-1', 'sub-a', '2026-01-01');
      const other = link('l-2', 'p-1', 'sub-b', '2026-01-01');
      await ctx.store.program.insertLink(open);
      await ctx.store.program.insertLink(other);
      const ended = audit('op-vera', '2026-05-02T12:30:00.000Z', 'customer left the partner');

      await ctx.store.program.endLink('l-1', '2026-04-30', ended);

      expect(await ctx.store.program.listLinks()).toEqual([{ ...open, to: '2026-04-30', ended }, other]);
    });

    it('refuses to end an unknown link with NOT_FOUND', async () => {
      const attempt = ctx.store.program.endLink('missing', '2026-04-30', audit('op', '2026-05-01T00:00:00.000Z', 'x'));
      await expect(attempt).rejects.toBeInstanceOf(StoreError);
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses to end a link that already ended with ALREADY_ENDED and keeps the first end', async () => {
      await ctx.store.program.insertLink(link('l-1', 'p-1', 'sub-a', '2026-01-01'));
      const first = audit('op-1', '2026-05-01T00:00:00.000Z', 'first');
      await ctx.store.program.endLink('l-1', '2026-04-30', first);

      const again = ctx.store.program.endLink('l-1', '2026-06-30', audit('op-2', '2026-07-01T00:00:00.000Z', 'second'));
      await expect(again).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
      const [stored] = await ctx.store.program.listLinks();
      expect(stored).toMatchObject({ to: '2026-04-30', ended: first });
    });

    it('refuses a second link with an existing id and keeps the original', async () => {
      const original = link('l-1', 'p-1', 'sub-a', '2026-01-01');
      await ctx.store.program.insertLink(original);

      await expect(ctx.store.program.insertLink(link('l-1', 'p-9', 'sub-z', '2027-01-01'))).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
      expect(await ctx.store.program.listLinks()).toEqual([original]);
    });
  });

  describe('bulk links (insertLinks, issue 12)', () => {
    it('inserts a batch of links at once, each with its audit', async () => {
      const batch = [
        link('b-1', 'p-1', 'sub-a', '2026-01-01'),
        link('b-2', 'p-2', 'sub-b', '2026-02-01', '2026-06-30'),
        link('b-3', 'p-1', 'sub-c', '2025-07-01'),
      ];
      await ctx.store.program.insertLinks(batch);
      expect(await ctx.store.program.listLinks()).toEqual([batch[0], batch[1], batch[2]]);
    });

    it('writes nothing of a batch when one id is taken, and keeps the stored link', async () => {
      const original = link('b-2', 'p-1', 'sub-a', '2026-01-01');
      await ctx.store.program.insertLink(original);
      const batch = [
        link('b-1', 'p-2', 'sub-x', '2026-01-01'),
        link('b-2', 'p-2', 'sub-y', '2026-01-01'),
        link('b-3', 'p-2', 'sub-z', '2026-01-01'),
      ];
      await expect(ctx.store.program.insertLinks(batch)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      expect(await ctx.store.program.listLinks()).toEqual([original]);
    });

    it('writes nothing of a batch that repeats an id, and accepts an empty batch', async () => {
      await expect(
        ctx.store.program.insertLinks([link('b-1', 'p-1', 'sub-a', '2026-01-01'), link('b-1', 'p-1', 'sub-b', '2026-01-01')]),
      ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await ctx.store.program.insertLinks([]);
      expect(await ctx.store.program.listLinks()).toEqual([]);
    });
  });

  describe('specialization periods', () => {
    it('returns inserted periods with every field and audit, ordered by partner then start day', async () => {
      const periods = [
        period('s-3', 'p-2', 'ml-ai', '2025-01-01'),
        period('s-1', 'p-1', 'data-platform', '2026-01-01'),
        period('s-2', 'p-1', 'ml-ai', '2025-07-01', '2025-12-31'),
      ];
      for (const p of periods) await ctx.store.program.insertSpecialization(p);

      expect(await ctx.store.program.listSpecializations()).toEqual([periods[2], periods[1], periods[0]]);
    });

    it('filters periods by partner, by specialization, and by both', async () => {
      await ctx.store.program.insertSpecialization(period('s-1', 'p-1', 'ml-ai', '2025-01-01'));
      await ctx.store.program.insertSpecialization(period('s-2', 'p-2', 'ml-ai', '2025-02-01'));
      await ctx.store.program.insertSpecialization(period('s-3', 'p-1', 'data-platform', '2025-03-01'));

      const ids = (periods: { id: string }[]) => periods.map((p) => p.id);
      expect(ids(await ctx.store.program.listSpecializations({ partnerId: 'p-1' }))).toEqual(['s-1', 's-3']);
      expect(ids(await ctx.store.program.listSpecializations({ specialization: 'ml-ai' }))).toEqual(['s-1', 's-2']);
      expect(ids(await ctx.store.program.listSpecializations({ partnerId: 'p-1', specialization: 'ml-ai' }))).toEqual(['s-1']);
    });

    it('ends an open period with its last active day and the audit of the revocation', async () => {
      const open = period('s-1', 'p-1', 'ml-ai', '2025-01-01');
      await ctx.store.program.insertSpecialization(open);
      const ended = audit('op-gleb', '2026-03-15T08:00:00.000Z', 'revoked: effective 2026-03-15, last active day D-1 (R5)');

      await ctx.store.program.endSpecialization('s-1', '2026-03-14', ended);

      expect(await ctx.store.program.listSpecializations()).toEqual([{ ...open, to: '2026-03-14', ended }]);
    });

    it('refuses to end an unknown or an already ended period', async () => {
      await ctx.store.program.insertSpecialization(period('s-1', 'p-1', 'ml-ai', '2025-01-01', '2025-12-31'));
      const who = audit('op', '2026-01-01T00:00:00.000Z', 'x');

      await expect(ctx.store.program.endSpecialization('missing', '2026-01-01', who)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ctx.store.program.endSpecialization('s-1', '2026-06-30', who)).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
      const [stored] = await ctx.store.program.listSpecializations();
      expect(stored).toMatchObject({ to: '2025-12-31', ended: null });
    });

    it('ends an ended period earlier again (a correction) and refuses a later or equal end', async () => {
      await ctx.store.program.insertSpecialization(period('s-1', 'p-1', 'ml-ai', '2025-01-01', '2025-12-31'));
      const who = audit('op', '2025-06-01T00:00:00.000Z', 'lost the specialization');
      const fix = audit('op-2', '2025-06-02T00:00:00.000Z', 'correction: lost it in April');
      await ctx.store.program.endSpecialization('s-1', '2025-05-31', who);
      await expect(ctx.store.program.endSpecialization('s-1', '2025-05-31', fix)).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
      await ctx.store.program.endSpecialization('s-1', '2025-04-30', fix);
      const [stored] = await ctx.store.program.listSpecializations();
      expect(stored).toMatchObject({ to: '2025-04-30', ended: fix });
    });

    it('cancels a period: its last day may be the day before its first, leaving it no day at all', async () => {
      await ctx.store.program.insertLink(link('l-1', 'p-1', 'acc-1', '2026-02-01'));
      const who = audit('op', '2026-02-03T00:00:00.000Z', 'linked by mistake');
      await ctx.store.program.endLink('l-1', '2026-01-31', who);
      expect(await ctx.store.program.listLinks()).toEqual([{ ...link('l-1', 'p-1', 'acc-1', '2026-02-01'), to: '2026-01-31', ended: who }]);
    });

    it('refuses a second period with an existing id and keeps the original', async () => {
      const original = period('s-1', 'p-1', 'ml-ai', '2025-01-01');
      await ctx.store.program.insertSpecialization(original);

      await expect(ctx.store.program.insertSpecialization(period('s-1', 'p-1', 'data-platform', '2026-01-01'))).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
      expect(await ctx.store.program.listSpecializations()).toEqual([original]);
    });
  });
}
