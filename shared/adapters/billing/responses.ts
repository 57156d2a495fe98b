/**
 * zod schemas for what the Billing API answers, after the SDK decoded the protobuf. Money arrives
 * as StringDecimal (`{ value: "12.345" }`) and becomes nano-units through the project's money
 * parser — never a JS number. Days are Moscow days (R1): a DAY period's timestamp is read in
 * UTC+3, which gives the same day whether Billing stamps a day at 00:00 UTC or 00:00 Moscow time.
 */
import { z } from 'zod';
import { moscowDay, type Day } from '../../domain/calendar';
import { MONEY_STRING_RE, parseMoney, type Nanos } from '../../domain/money';
import { describeZodIssues } from '../../domain/zod-issues';
import {
  BILLING_CURRENCIES,
  type BillingCurrency,
  type BillingCustomer,
  type BillingService,
  type ServiceUsageDay,
} from '../../ports/billing';

const id = z.string().min(1, 'empty id');

export const servicesPage = z.object({
  services: z.array(z.object({ id, name: z.string(), description: z.string() })),
  nextPageToken: z.string(),
});

export const customersPage = z.object({
  customers: z.array(z.object({ id, billingAccountId: id })),
  nextPageToken: z.string(),
});

/** Absent means zero: proto3 leaves an unset message out. */
const decimal = z
  .object({ value: z.string().regex(MONEY_STRING_RE, 'expected a decimal string with at most 9 fractional digits') })
  .optional()
  .transform((d): Nanos => (d === undefined ? 0n : parseMoney(d.value)));

const amounts = {
  cost: decimal,
  creditDetails: z.object({ credit: decimal }).optional(),
  expense: decimal,
};

/** usage_records Currency enum numbers → codes (RUB = 1 … EUR = 4; 0 is UNSPECIFIED). */
const currency = z
  .number()
  .int()
  .refine((n) => n >= 1 && n <= BILLING_CURRENCIES.length, { message: 'currency is unspecified or unknown' })
  .transform((n): BillingCurrency => BILLING_CURRENCIES[n - 1] as BillingCurrency);

export const serviceUsageReport = z.object({
  currency,
  entitiesData: z.array(
    z.object({
      service: z.object({ id, name: z.string() }),
      periodic: z.array(z.object({ ...amounts, timestamp: z.date() })),
    }),
  ),
});

export class BadResponse extends Error {}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadResponse(describeZodIssues(result.error).join('; '));
  return result.data;
}

export function readServicesPage(value: unknown): { items: BillingService[]; next: string } {
  const page = parse(servicesPage, value);
  return { items: page.services, next: page.nextPageToken };
}

export function readCustomersPage(value: unknown): { items: BillingCustomer[]; next: string } {
  const page = parse(customersPage, value);
  return { items: page.customers, next: page.nextPageToken };
}

/** Flattens a DAY report into one row per service and day, checked to lie inside [from, to]. */
export function readServiceUsageReport(value: unknown, range: { from: Day; to: Day }): ServiceUsageDay[] {
  const report = parse(serviceUsageReport, value);
  const rows: ServiceUsageDay[] = [];
  const seen = new Set<string>();
  for (const entity of report.entitiesData) {
    for (const period of entity.periodic) {
      const day = moscowDay(period.timestamp);
      if (day < range.from || day > range.to) {
        throw new BadResponse(
          `service ${entity.service.id}: a period dated ${period.timestamp.toISOString()} (${day}) lies outside ${range.from}..${range.to}`,
        );
      }
      const key = `${entity.service.id}/${day}`;
      if (seen.has(key)) throw new BadResponse(`service ${entity.service.id} has two periods for ${day}`);
      seen.add(key);
      rows.push({
        serviceId: entity.service.id,
        serviceName: entity.service.name,
        day,
        currency: report.currency,
        cost: period.cost,
        credit: period.creditDetails?.credit ?? 0n,
        expense: period.expense,
      });
    }
  }
  return rows.sort((a, b) => (a.serviceId === b.serviceId ? (a.day < b.day ? -1 : 1) : a.serviceId < b.serviceId ? -1 : 1));
}
