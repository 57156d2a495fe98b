/**
 * Differential test of the export parser: random exports are generated from structured rows
 * (random column order, extra columns, names full of commas, quotes, CR/LF and Cyrillic, random
 * quoting, CRLF/LF, optional BOM), the expected aggregates are computed from those structured
 * rows with bigint arithmetic — no CSV parsing involved — and the parser, fed in random chunk
 * sizes, must produce exactly them.
 */
import { describe, expect, it } from 'vitest';
import type { AccountDayBatch } from '../../../shared/ports/store';
import { parseUsageExport } from '../../../shared/ingest/usage-export-parser';
import { formatScaled } from '../../../shared/domain/money';
import { prng } from '../../../scripts/lib/prng';

const NASTY = ['', 'plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\r\nlf', 'Ромашка, ООО', '"', ',', '«ёлка»', ' spaced '];

interface Row {
  account: string;
  day: string;
  service: string;
  sku: string;
  currency: string;
  cost: bigint;
  credit: bigint;
  updatedAt: number;
  serviceName: string;
  skuName: string;
  extra: string;
}

function money(nanos: bigint, rnd: () => number): string {
  // Random but valid spellings of the same amount: trailing zeros trimmed or not.
  const full = formatScaled(nanos, 9, 9);
  if (rnd() < 0.5) return full;
  const trimmed = formatScaled(nanos, 9, 0);
  return trimmed === '-0' ? '0' : trimmed;
}

function cell(value: string, rnd: () => number): string {
  const needs = /[",\r\n]/.test(value);
  return needs || rnd() < 0.2 ? `"${value.replace(/"/g, '""')}"` : value;
}

function generate(seed: number): { text: string; rows: Row[] } {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const accounts = ['dn2acc0001', 'dn2acc0002', 'dn2acc0003'];
  const currencyOf = new Map(accounts.map((a) => [a, pick(['RUB', 'USD', 'KZT'])]));
  const rows: Row[] = [];
  const count = 1 + Math.floor(rnd() * 120);
  for (let i = 0; i < count; i++) {
    const account = pick(accounts);
    rows.push({
      account,
      day: `2026-0${1 + Math.floor(rnd() * 3)}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`,
      service: pick(['dn22pas77ftg9h3f2djj', 'dn2220hr46dtogekm57v', 'dn2m45g7b9fhfnpqs0je']),
      sku: pick(['sku-1', 'sku-2', 'sku-3']),
      currency: currencyOf.get(account)!,
      cost: BigInt(Math.floor(rnd() * 1e6)) * 1_000_000_000n + BigInt(Math.floor(rnd() * 1e9)),
      credit: -(BigInt(Math.floor(rnd() * 1e3)) * 1_000_000_000n + BigInt(Math.floor(rnd() * 1e9))),
      updatedAt: 1_770_000_000 + Math.floor(rnd() * 1000),
      serviceName: pick(NASTY),
      skuName: pick(NASTY),
      extra: pick(NASTY),
    });
  }
  const columns = [
    'billing_account_id',
    'service_id',
    'sku_id',
    'date',
    'currency',
    'cost',
    'credit',
    'updated_at',
    'service_name',
    'sku_name',
    'label.user_labels.team',
    'reward',
  ];
  for (let i = columns.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [columns[i], columns[j]] = [columns[j]!, columns[i]!];
  }
  const cellOf = (r: Row, c: string): string =>
    ({
      billing_account_id: r.account,
      service_id: r.service,
      sku_id: r.sku,
      date: r.day,
      currency: r.currency,
      cost: money(r.cost, rnd),
      credit: money(r.credit, rnd),
      updated_at: String(r.updatedAt),
      service_name: r.serviceName,
      sku_name: r.skuName,
      'label.user_labels.team': r.extra,
      reward: '0',
    })[c]!;
  const eol = () => (rnd() < 0.5 ? '\r\n' : '\n');
  let text = rnd() < 0.3 ? '\uFEFF' : '';
  text += columns.map((c) => cell(c, rnd)).join(',') + eol();
  for (const r of rows) text += columns.map((c) => cell(cellOf(r, c), rnd)).join(',') + eol();
  if (rnd() < 0.3) text = text.replace(/(\r\n|\n)$/, ''); // no newline at the end
  return { text, rows };
}

/** Expected aggregates straight from the structured rows. */
function expected(rows: Row[]): object[] {
  const groups = new Map<string, { r: Row; cost: bigint; credit: bigint; rows: number; version: number }>();
  const versions = new Map<string, number>();
  for (const r of rows) {
    const key = [r.account, r.day, r.service, r.sku, r.currency].join('|');
    const g = groups.get(key) ?? { r, cost: 0n, credit: 0n, rows: 0, version: 0 };
    g.cost += r.cost;
    g.credit += r.credit;
    g.rows += 1;
    if (r.serviceName !== '') g.r = { ...g.r, serviceName: r.serviceName };
    if (r.skuName !== '') g.r = { ...g.r, skuName: r.skuName };
    groups.set(key, g);
    const dayKey = `${r.account}|${r.day}`;
    versions.set(dayKey, Math.max(versions.get(dayKey) ?? 0, r.updatedAt));
  }
  return [...groups.values()]
    .map((g) => ({
      accountId: g.r.account,
      day: g.r.day,
      serviceId: g.r.service,
      skuId: g.r.sku,
      currency: g.r.currency,
      cost: g.cost.toString(),
      credit: g.credit.toString(),
      rows: g.rows,
      version: versions.get(`${g.r.account}|${g.r.day}`),
    }))
    .sort((a, b) =>
      [a.accountId, a.day, a.serviceId, a.skuId].join('|').localeCompare([b.accountId, b.day, b.serviceId, b.skuId].join('|')),
    );
}

function flatten(days: AccountDayBatch[]): object[] {
  return days
    .flatMap((d) =>
      d.rows.map((r) => ({
        accountId: r.accountId,
        day: r.day,
        serviceId: r.serviceId,
        skuId: r.skuId,
        currency: r.currency,
        cost: r.cost.toString(),
        credit: r.credit.toString(),
        rows: r.rows,
        version: d.version,
      })),
    )
    .sort((a, b) =>
      [a.accountId, a.day, a.serviceId, a.skuId].join('|').localeCompare([b.accountId, b.day, b.serviceId, b.skuId].join('|')),
    );
}

async function* randomChunks(bytes: Buffer, seed: number): AsyncIterable<Uint8Array> {
  const rnd = prng(seed * 7 + 1);
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 8 : 4096));
    yield Uint8Array.from(bytes.subarray(i, i + size));
    i += size;
  }
}

describe('export parser against structured expectations', () => {
  it.each(Array.from({ length: 80 }, (_, i) => i + 1))('parses random export %i exactly, in random chunks', async (seed) => {
    const { text, rows } = generate(seed);
    const parsed = await parseUsageExport(randomChunks(Buffer.from(text, 'utf8'), seed), { fallbackVersion: null });
    if (!parsed.ok) throw new Error(`rejected: ${JSON.stringify(parsed.problems)}`);
    expect(parsed.rows).toBe(rows.length);
    expect(flatten(parsed.accountDays)).toEqual(expected(rows));
  });

  it('keeps the last non-empty display names, whatever characters they hold', async () => {
    const { text, rows } = generate(4242);
    const parsed = await parseUsageExport(randomChunks(Buffer.from(text, 'utf8'), 4242), { fallbackVersion: null });
    if (!parsed.ok) throw new Error('rejected');
    const last = new Map<string, string>();
    for (const r of rows) if (r.serviceName !== '') last.set([r.account, r.day, r.service, r.sku].join('|'), r.serviceName);
    for (const d of parsed.accountDays) {
      for (const a of d.rows) expect(a.serviceName).toBe(last.get([a.accountId, a.day, a.serviceId, a.skuId].join('|')) ?? '');
    }
  });
});
