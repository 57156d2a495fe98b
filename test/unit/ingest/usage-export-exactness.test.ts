import Decimal from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../../shared/domain/money';
import { parseUsageExport } from '../../../shared/ingest/usage-export-parser';
import { CHUNK_SIZES, chunked, utf8 } from './chunking';

const Exact = Decimal.clone({ precision: 50 });

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A 9-decimal amount as billing writes it: up to 9 fraction digits, sometimes negative. */
function amount(random: () => number, negative: boolean): string {
  const whole = Math.floor(random() * 10 ** Math.floor(random() * 7));
  const fraction = String(Math.floor(random() * 1e9)).padStart(9, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

function generate(rows: number) {
  const random = lcg(2026);
  const lines = ['billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at'];
  const expected = new Map<string, { cost: Decimal; credit: Decimal; floatCost: number }>();
  for (let i = 0; i < rows; i++) {
    const account = `dn2acc${i % 7}`;
    const key = `${account}|dn22pas77ftg9h3f2djj|sku${i % 5}`;
    const cost = amount(random, random() < 0.05);
    const credit = amount(random, true);
    lines.push(`${account},dn22pas77ftg9h3f2djj,sku${i % 5},2026-03-0${1 + (i % 3)},RUB,${cost},${credit},1773000000`);
    const day = `2026-03-0${1 + (i % 3)}`;
    const group = expected.get(`${key}|${day}`) ?? { cost: new Exact(0), credit: new Exact(0), floatCost: 0 };
    group.cost = group.cost.plus(cost);
    group.credit = group.credit.plus(credit);
    group.floatCost += Number(cost);
    expected.set(`${key}|${day}`, group);
  }
  return { bytes: utf8(`${lines.join('\r\n')}\r\n`), expected };
}

describe('parseUsageExport exactness', () => {
  it('sums 20,000 9-decimal amounts per group exactly as decimal.js at 50 digits does', async () => {
    const { bytes, expected } = generate(20_000);
    const result = await parseUsageExport([bytes], { fallbackVersion: null });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const actual = new Map<string, { cost: string; credit: string }>();
    for (const day of result.accountDays) {
      for (const r of day.rows)
        actual.set(`${r.accountId}|${r.serviceId}|${r.skuId}|${r.day}`, { cost: formatMoney(r.cost, 0), credit: formatMoney(r.credit, 0) });
    }
    expect(actual.size).toBe(expected.size);
    for (const [key, group] of expected) {
      expect(actual.get(key), key).toEqual({ cost: group.cost.toFixed(), credit: group.credit.toFixed() });
    }
    // The same data summed as floats goes wrong: the test data is able to catch a float sum.
    const floatWrong = [...expected.values()].filter((g) => g.floatCost.toFixed(9) !== g.cost.toFixed(9));
    expect(floatWrong.length).toBeGreaterThan(0);
  });

  it('gives the same exact sums at every chunk size', async () => {
    const { bytes } = generate(2_000);
    const whole = await parseUsageExport([bytes], { fallbackVersion: null });
    for (const size of CHUNK_SIZES) {
      expect(await parseUsageExport(chunked(bytes, size), { fallbackVersion: null }), `chunk size ${size}`).toEqual(whole);
    }
  });
});
