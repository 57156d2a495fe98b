/** Small builders for domain records in tests: literals in, records out. */
import type { Audit, SpecializationPeriod, SubaccountLink, UsageAggregate } from '../../shared/domain/model';
import { parseMoney } from '../../shared/domain/money';
import { parseRules, type Rules } from '../../shared/domain/rules';

export const AUDIT: Audit = { actor: 'test-operator', at: '2026-01-01T00:00:00.000Z', note: 'test' };

export const COMPUTE = 'dn22pas77ftg9h3f2djj';
export const CLICKHOUSE = 'dn2220hr46dtogekm57v';
export const SPEECHSENSE = 'dn2m45g7b9fhfnpqs0je';

export function link(partnerId: string, subaccountId: string, from: string, to: string | null = null): SubaccountLink {
  return { id: `link-${partnerId}-${subaccountId}-${from}`, partnerId, subaccountId, from, to, created: AUDIT, ended: null };
}

export function grant(partnerId: string, specialization: string, from: string, to: string | null = null): SpecializationPeriod {
  return { id: `spec-${partnerId}-${specialization}-${from}`, partnerId, specialization, from, to, created: AUDIT, ended: null };
}

export function usage(
  accountId: string,
  day: string,
  serviceId: string,
  cost: string,
  credit = '0',
  extra: Partial<Pick<UsageAggregate, 'skuId' | 'currency' | 'serviceName'>> = {},
): UsageAggregate {
  return {
    accountId,
    day,
    serviceId,
    skuId: extra.skuId ?? `sku-${serviceId}`,
    currency: extra.currency ?? 'RUB',
    cost: parseMoney(cost),
    credit: parseMoney(credit),
    serviceName: extra.serviceName ?? serviceId,
    skuName: '',
    rows: 1,
  };
}

/** Rules with the seed's shape; override any version field. */
export function rulesWith(...versions: Record<string, unknown>[]): Rules {
  const base = {
    effectiveFrom: '2023-01-01',
    specializations: {
      'infrastructure-devops': { rate: '0.03', services: [COMPUTE] },
      'data-platform': { rate: '0.05', services: [CLICKHOUSE] },
      'ml-ai': { rate: '0.10', services: [SPEECHSENSE] },
      'business-tools': { rate: '0.30', services: [] },
    },
  };
  return parseRules({ versions: versions.length === 0 ? [base] : versions.map((v) => ({ ...base, ...v })) });
}
