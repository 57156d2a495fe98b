import { describe, expect, it } from 'vitest';
import { accountDayDigest, decideReplacement } from '../../../shared/domain/replacement';
import { usage } from '../../support/domain-builders';

describe('I1 replacement decision', () => {
  it('replaces when nothing is stored or the version is newer, and leaves an older one stale', () => {
    expect(decideReplacement(undefined, { version: 5, digest: 'b' })).toBe('replace');
    expect(decideReplacement({ version: 4, digest: 'z' }, { version: 5, digest: 'a' })).toBe('replace');
    expect(decideReplacement({ version: 6, digest: 'a' }, { version: 5, digest: 'z' })).toBe('stale');
  });

  it('settles equal versions by content: same content replaces, different content goes to the larger digest in either order', () => {
    expect(decideReplacement({ version: 5, digest: 'b' }, { version: 5, digest: 'b' })).toBe('replace');
    expect(decideReplacement({ version: 5, digest: 'a' }, { version: 5, digest: 'b' })).toBe('replace-conflict');
    expect(decideReplacement({ version: 5, digest: 'b' }, { version: 5, digest: 'a' })).toBe('keep-conflict');
    // Stored before digests existed: the old rule (replace) holds.
    expect(decideReplacement({ version: 5, digest: null }, { version: 5, digest: 'a' })).toBe('replace');
  });

  it('digests content independently of row order and sensitive to every amount', () => {
    const a = usage('acc', '2026-01-01', 'svc', '1.5', '-0.5', { skuId: 'a' });
    const b = usage('acc', '2026-01-01', 'svc', '2', '0', { skuId: 'b' });
    expect(accountDayDigest([a, b])).toBe(accountDayDigest([b, a]));
    expect(accountDayDigest([a, b])).not.toBe(accountDayDigest([a, { ...b, cost: b.cost + 1n }]));
  });

  it('keeps the digest of stored data stable across releases (a changed digest would report every re-ingest as a conflict)', () => {
    const rows = [
      {
        accountId: 'a',
        day: '2026-01-01',
        serviceId: 's2',
        skuId: 'k',
        currency: 'RUB',
        cost: 12345678901n,
        credit: -1n,
        serviceName: 'Имя, "x"',
        skuName: 'line\nbreak',
        rows: 3,
      },
      {
        accountId: 'a',
        day: '2026-01-01',
        serviceId: 's1',
        skuId: 'k',
        currency: 'RUB',
        cost: 0n,
        credit: 0n,
        serviceName: '',
        skuName: '',
        rows: 1,
      },
    ] as const;
    // Computed by the first release's implementation (one hash update per JSON line).
    const first = 'e3c88534619528213600baa73c0d7d21a8c0d92794bb140715b8728ab0db199e';
    expect(accountDayDigest(rows)).toBe(first);
    expect(accountDayDigest([...rows].reverse())).toBe(first);
  });
});
