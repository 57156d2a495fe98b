/**
 * The bytes the SQLite store writes for an account-day's content, and the digest it hashes from
 * them, are those of `accountDayContent` encoded as UTF-8 (content-bytes.ts): Cyrillic, emoji,
 * quotes, backslashes, control characters and lone surrogates in names and ids, rows in and out
 * of key order, the same name met again (then read from the cache).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContentBytes } from '../../../shared/adapters/sqlite/content-bytes';
import type { UsageAggregate } from '../../../shared/domain/model';
import { accountDayContent, accountDayDigest, contentDigest } from '../../../shared/domain/replacement';
import { ParamPack } from '../../../shared/adapters/sqlite/writer-thread';

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('Хранилище, стандартное (HDD)', 'Studio "Q"', 'a\\b', 'tab\there', '\ud800 lone', '😀 emoji', 'Compute Cloud'),
);
const nanos = fc.bigInt({ min: -(10n ** 21n), max: 10n ** 21n });
const aggregate: fc.Arbitrary<UsageAggregate> = fc.record({
  accountId: fc.constant('acc-1'),
  day: fc.constant('2026-01-05'),
  serviceId: text,
  skuId: text,
  currency: fc.constantFrom('RUB', 'KZT', 'USD'),
  cost: nanos,
  credit: nanos,
  serviceName: text,
  skuName: text,
  rows: fc.integer({ min: 1, max: 1_000_000 }),
});

/** One aggregate named `name`. */
const rows = (name: string): UsageAggregate[] => [
  {
    accountId: 'a',
    day: '2026-01-05',
    serviceId: 's',
    skuId: 'k',
    currency: 'RUB',
    cost: -5n,
    credit: 0n,
    serviceName: name,
    skuName: 'x',
    rows: 1,
  },
];

describe('SQLite content bytes', () => {
  it('are the UTF-8 bytes of the content text, with its digest, for any aggregates in any order', () => {
    const encoder = new ContentBytes();
    fc.assert(
      fc.property(fc.array(fc.array(aggregate, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), (accountDays) => {
        encoder.reset();
        // Several contents into one buffer, as a chunk is written: each view keeps its own bytes.
        const views = accountDays.map((rows) => encoder.add(rows));
        accountDays.forEach((rows, i) => {
          const expected = Buffer.from(accountDayContent(rows), 'utf8');
          expect(views[i]!.equals(expected)).toBe(true);
          expect(contentDigest(views[i]!)).toBe(accountDayDigest(rows));
          expect(Buffer.from(encoder.latin1(rows), 'latin1').equals(expected)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('keep every earlier view intact when a content outgrows the buffer', () => {
    const encoder = new ContentBytes();
    const long = 'Ж'.repeat(40_000);
    const first = encoder.add(rows('short'));
    const second = encoder.add(rows(long));
    expect(first.toString('utf8')).toBe(accountDayContent(rows('short')));
    expect(second.toString('utf8')).toBe(accountDayContent(rows(long)));
  });

  it('travel to the writer thread packed byte for byte, with text and numbers beside them', () => {
    const pack = new ParamPack();
    const encoder = new ContentBytes();
    pack.text('Облако «1»');
    pack.number(1_774_000_000);
    const view = pack.latin1Bytes(encoder.latin1(rows('Хранилище '.repeat(10_000))));
    pack.hexBytes('00ff'.repeat(16));
    expect(view.toString('utf8')).toBe(accountDayContent(rows('Хранилище '.repeat(10_000))));
    const taken = pack.take();
    const packed = Buffer.from(taken.bytes, 0, taken.length);
    expect(pack.used).toBe(0);
    // tag 2 (text), its UTF-8 length, the bytes; tag 1 (number), a float64.
    const textLength = Buffer.byteLength('Облако «1»');
    expect(packed[0]).toBe(2);
    expect(packed.readUInt32LE(1)).toBe(textLength);
    expect(packed.toString('utf8', 5, 5 + textLength)).toBe('Облако «1»');
    expect(packed[5 + textLength]).toBe(1);
    expect(packed.readDoubleLE(6 + textLength)).toBe(1_774_000_000);
    expect(packed.subarray(packed.length - 32).toString('hex')).toBe('00ff'.repeat(16));
  });

  it('fill the buffers the writer gave back before allocating new ones, and hand each over whole', () => {
    const given = new ArrayBuffer(1 << 20);
    const spare = [given];
    const pack = new ParamPack(spare);
    expect(pack.buffer.buffer).toBe(given);
    pack.text('acc-1');
    const taken = pack.take();
    expect(taken.bytes).toBe(given);
    expect(taken.length).toBe(10);
    // Nothing left to reuse: the next buffer is a new one of the same size.
    expect(pack.buffer.buffer).not.toBe(given);
    expect(pack.buffer.length).toBe(1 << 20);
  });
});
