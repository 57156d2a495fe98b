/**
 * Generates a realistic billing usage export for the ingest benchmark: the real column set,
 * names with commas, quotes, Cyrillic and line breaks, 9-decimal money, many accounts, days and
 * SKUs. The group count is fixed (accounts × days × SKUs per account), so a bigger file only adds
 * rows per group, as a real one does.
 *
 * The expected totals are computed here independently of the parser: every amount is generated
 * as a bigint of nano-units, formatted to its CSV string by this file, and summed as bigint.
 */
import { BILLING_EXPORT_COLUMNS } from '../shared/ingest/export-columns';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { prng } from '../scripts/lib/prng';
import { addDays } from '../shared/domain/calendar';

export const GENERATOR_VERSION = 4;

/**
 * The shapes of export the benchmark measures (issue 11): the same million rows spread over few
 * or very many account-days. `bench` is a day of a mid-size partner; `many-account-days` a month of
 * thousands of subaccounts; `backfill` and `backfill-wide` a quarter re-sent in one file, with one
 * SKU per account-day (the most account-days, and groups, a 1M-row file is likely to hold);
 * `many-groups` 50 days of 500 subaccounts using 48 SKUs each, one row per group (the most groups,
 * in large account-days).
 */
export const SHAPES = {
  bench: { accounts: 500, days: 7, skusPerAccount: 24, firstDay: '2026-03-01' },
  'many-account-days': { accounts: 3_530, days: 30, skusPerAccount: 2, firstDay: '2026-03-01' },
  backfill: { accounts: 2_223, days: 90, skusPerAccount: 1, firstDay: '2026-01-01' },
  'backfill-wide': { accounts: 6_667, days: 90, skusPerAccount: 1, firstDay: '2026-01-01' },
  'many-groups': { accounts: 500, days: 50, skusPerAccount: 48, firstDay: '2026-01-01' },
} as const satisfies Record<string, Omit<GeneratorOptions, 'rows' | 'seed'>>;
export type ShapeName = keyof typeof SHAPES;

export function isShapeName(value: string): value is ShapeName {
  return Object.hasOwn(SHAPES, value);
}

const HEADER = BILLING_EXPORT_COLUMNS;

const SERVICES: readonly [id: string, name: string][] = [
  ['dn22pas77ftg9h3f2djj', 'Compute Cloud'],
  ['dn21qssbrdtcaus362kp', 'Virtual Private Cloud'],
  ['dn2li5qddoc5cad2n6br', 'Object Storage'],
  ['dn2af04ph5otc5f23o1h', 'Managed Service for Kubernetes'],
  ['dn2220hr46dtogekm57v', 'Managed Service for ClickHouse'],
  ['dn28hpu626uudbq0j8mk', 'Managed Service for MySQL'],
  ['dn28hpu6268356q0j8mk', 'Data Proc'],
  ['dn2yds6scistjlmes0fe', 'Data Streams'],
  ['dn2m45g7b9fhfnpqs0je', 'SpeechSense'],
  ['dn2qu7ck7veplf4kmbuh', 'Serverless Containers'],
];

const SKU_NAMES = [
  'Intel Ice Lake. 100% vCPU',
  'Intel Ice Lake. RAM',
  'Хранилище, стандартное (HDD)',
  'Публичный IP-адрес',
  'Исходящий трафик, "интернет"',
  'Кластер: 2 vCPU, 8 ГБ',
  'Запросы GET, HEAD',
  'Распознавание речи, минута',
];
const ORG_NAMES = ['ООО "Ромашка"', 'АО «Вектор», филиал 2', 'ИП Иванов, И. И.', 'Acme, Inc.', 'ТОО "Алма, Сервис"', 'Studio "Q"'];

export interface GeneratorOptions {
  rows: number;
  accounts?: number;
  days?: number;
  skusPerAccount?: number;
  /** The first usage day (YYYY-MM-DD); the file covers `days` consecutive days from it. */
  firstDay?: string;
  seed?: number;
}

/** Expected totals per group key `${accountId}|${day}|${serviceId}|${skuId}|${currency}`. */
export interface ExpectedGroup {
  cost: bigint;
  credit: bigint;
  rows: number;
}

export interface GeneratedExport {
  rows: number;
  bytes: number;
  accountDays: number;
  groups: Map<string, ExpectedGroup>;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuv0123456789';
function makeId(random: () => number, prefix: string): string {
  let id = prefix;
  while (id.length < 20) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return id;
}

/** RFC 4180: quote a field holding a comma, quote or line break; double its quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Formats nano-units the way billing does: up to 9 fraction digits, trailing zeros trimmed. */
export function formatNanos(nanos: bigint): string {
  const negative = nanos < 0n;
  const digits = (negative ? -nanos : nanos).toString().padStart(10, '0');
  const fraction = digits.slice(-9).replace(/0+$/, '');
  const body = fraction === '' ? digits.slice(0, -9) : `${digits.slice(0, -9)}.${fraction}`;
  return negative ? `-${body}` : body;
}

export async function generateExport(path: string, options: GeneratorOptions): Promise<GeneratedExport> {
  const random = prng(options.seed ?? 20260331);
  const accountCount = options.accounts ?? 500;
  const dayCount = options.days ?? 7;
  const skusPerAccount = options.skusPerAccount ?? 24;

  const skus = Array.from({ length: 60 }, (_, i) => {
    const [serviceId, serviceName] = SERVICES[i % SERVICES.length]!;
    return { serviceId, serviceName, skuId: makeId(random, 'dn2'), skuName: `${SKU_NAMES[i % SKU_NAMES.length]} #${i}` };
  });
  const accounts = Array.from({ length: accountCount }, (_, i) => {
    const pick = random();
    const currency = pick < 0.85 ? 'RUB' : pick < 0.95 ? 'KZT' : 'USD';
    const first = Math.floor(random() * skus.length);
    return {
      id: makeId(random, 'dn2'),
      name: csvField(`${ORG_NAMES[i % ORG_NAMES.length]} ${i}`),
      cloudId: makeId(random, 'b1g'),
      // Every 50th cloud name holds a line break inside quotes, as user-entered names can.
      cloudName: csvField(i % 50 === 0 ? `облако ${i}\r\nпрод` : `cloud-${i}`),
      folderId: makeId(random, 'b1g'),
      folderName: csvField(`каталог "${i}", основной`),
      currency,
      skus: Array.from({ length: skusPerAccount }, (_, k) => skus[(first + k * 7) % skus.length]!),
    };
  });
  const firstDay = options.firstDay ?? '2026-03-01';
  const days = Array.from({ length: dayCount }, (_, d) => addDays(firstDay, d));

  const groups = new Map<string, ExpectedGroup>();
  const accountDays = new Set<string>();
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`\uFEFF${HEADER.join(',')}\r\n`);

  const slots = accountCount * dayCount * skusPerAccount;
  let lines: string[] = [];
  for (let r = 0; r < options.rows; r++) {
    // Walk the groups round-robin so every group gets rows; the order mixes days and accounts.
    const slot = (r * 7919) % slots;
    const account = accounts[slot % accountCount]!;
    const day = days[Math.floor(slot / accountCount) % dayCount]!;
    const sku = account.skus[Math.floor(slot / (accountCount * dayCount))]!;
    const cost = BigInt(Math.floor(random() * 5_000_000)) * 1000n + BigInt(Math.floor(random() * 1000));
    const grant = -BigInt(Math.floor(random() * Number(cost / 2n + 1n)));
    const misc = random() < 0.1 ? -BigInt(Math.floor(random() * 1_000_000)) : 0n;
    const credit = grant + misc;
    const key = `${account.id}|${day}|${sku.serviceId}|${sku.skuId}|${account.currency}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { cost, credit, rows: 1 });
    else {
      group.cost += cost;
      group.credit += credit;
      group.rows += 1;
    }
    accountDays.add(`${account.id}|${day}`);
    const updatedAt = 1774990000 + Math.floor(random() * 86400);
    lines.push(
      [
        account.id,
        account.name,
        account.cloudId,
        account.cloudName,
        account.folderId,
        account.folderName,
        makeId(random, 'fhm'),
        sku.serviceId,
        csvField(sku.serviceName),
        sku.skuId,
        csvField(sku.skuName),
        day,
        account.currency,
        formatNanos(BigInt(Math.floor(random() * 1e9)) * 1000n),
        'core*hour',
        formatNanos(cost),
        formatNanos(credit),
        formatNanos(grant),
        '0',
        '0',
        formatNanos(misc),
        r % 3 === 0 ? 'prod' : '',
        'ru',
        String(updatedAt),
        '2026-03-31T12:00:00Z',
      ].join(','),
    );
    if (lines.length === 5000) {
      // Mixed line endings, as concatenated exports have.
      await write(`${lines.join(r % 2 === 0 ? '\r\n' : '\n')}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) await write(`${lines.join('\n')}\n`);
  out.end();
  await once(out, 'close');
  return { rows: options.rows, bytes, accountDays: accountDays.size, groups };
}
