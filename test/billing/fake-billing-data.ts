/**
 * What the Billing API fake serves, as a zod-checked JSON shape (test/fixtures/billing/*.json):
 * the accepted IAM token, the service catalog, customers per reseller and daily usage per billing
 * account. Money is decimal strings, as on the wire.
 */
import { z } from 'zod';
import { isDay } from '../../shared/domain/calendar';
import { formatMoney, MONEY_STRING_RE, parseMoney } from '../../shared/domain/money';
import { BILLING_CURRENCIES } from '../../shared/ports/billing';

const money = z.string().regex(MONEY_STRING_RE, 'decimal string');
const day = z.string().refine(isDay, 'YYYY-MM-DD');

export const fakeBillingDataSchema = z.strictObject({
  $comment: z.string().optional(),
  /** The only IAM token the fake accepts (`Authorization: Bearer <token>`). */
  token: z.string().min(1),
  services: z.array(z.strictObject({ id: z.string().min(1), name: z.string(), description: z.string().default('') })).default([]),
  /** reseller (partner billing account) id → its customers. */
  customers: z.record(z.string(), z.array(z.strictObject({ id: z.string().min(1), billingAccountId: z.string().min(1) }))).default({}),
  /** billing account id → its daily usage per service. */
  usage: z
    .record(
      z.string(),
      z.strictObject({
        currency: z.enum(BILLING_CURRENCIES).default('RUB'),
        rows: z.array(
          z.strictObject({ serviceId: z.string().min(1), serviceName: z.string(), day, cost: money, credit: money.default('0') }),
        ),
      }),
    )
    .default({}),
  /** The largest page the fake returns, whatever page_size asks. */
  maxPageSize: z.number().int().positive().default(1000),
  /** Like Billing's 1 usage report per minute per IP: a usage report sooner than this after the last is RESOURCE_EXHAUSTED. */
  usageReportMinIntervalMs: z.number().int().min(0).default(0),
});

export type FakeBillingData = z.input<typeof fakeBillingDataSchema>;
export type FakeBillingState = z.output<typeof fakeBillingDataSchema>;

type UsageRow = FakeBillingState['usage'][string]['rows'][number];

const dec = (nanos: bigint) => ({ value: formatMoney(nanos, 0) });

/** The entities of a ServiceUsageReportResponse for rows already filtered to the request. */
export function serviceReportEntities(rows: UsageRow[]) {
  const byService = new Map<string, UsageRow[]>();
  for (const row of rows) byService.set(row.serviceId, [...(byService.get(row.serviceId) ?? []), row]);
  let cost = 0n;
  let credit = 0n;
  const entitiesData = [...byService.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([serviceId, serviceRows]) => {
      const byDay = new Map<string, { cost: bigint; credit: bigint }>();
      for (const row of serviceRows) {
        const sum = byDay.get(row.day) ?? { cost: 0n, credit: 0n };
        byDay.set(row.day, { cost: sum.cost + parseMoney(row.cost), credit: sum.credit + parseMoney(row.credit) });
      }
      let serviceCost = 0n;
      let serviceCredit = 0n;
      const periodic = [...byDay.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([d, sum]) => {
          serviceCost += sum.cost;
          serviceCredit += sum.credit;
          // A DAY period starts at midnight Moscow time (the export's days are UTC+3 days).
          return {
            timestamp: new Date(`${d}T00:00:00+03:00`),
            cost: dec(sum.cost),
            creditDetails: { credit: dec(sum.credit) },
            expense: dec(sum.cost + sum.credit),
          };
        });
      cost += serviceCost;
      credit += serviceCredit;
      return {
        service: { id: serviceId, name: serviceRows[0]?.serviceName ?? '', description: '' },
        cost: dec(serviceCost),
        creditDetails: { credit: dec(serviceCredit) },
        expense: dec(serviceCost + serviceCredit),
        periodic,
      };
    });
  return { cost: dec(cost), creditDetails: { credit: dec(credit) }, expense: dec(cost + credit), entitiesData };
}
