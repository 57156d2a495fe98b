/** The issue-12 guard scenario shared by the operator-function, timer and CLI tests. */
import { SPEECHSENSE } from './domain-builders';

export const GUARD_RULES_JSON = {
  versions: [{ effectiveFrom: '2023-01-01', specializations: { 'ml-ai': { rate: '0.10', services: [SPEECHSENSE] } } }],
  pendingServices: [{ specialization: 'ml-ai', service: 'Cloud Functions' }],
};

/** acc1 linked (100.00 of SpeechSense on 2026-02-10), acc2 not (50.00), a pending service, a day after "today". */
export function guardExport(amount: string, updatedAt: number): string {
  return [
    'billing_account_id,service_id,sku_id,date,currency,cost,credit,updated_at,service_name',
    `acc1,${SPEECHSENSE},sku-1,2026-02-10,RUB,${amount},0,${updatedAt},SpeechSense`,
    `acc2,${SPEECHSENSE},sku-1,2026-02-10,RUB,50.00,0,${updatedAt},SpeechSense`,
    `acc1,dn2functions0000001,sku-2,2026-02-11,RUB,40.00,-10.00,${updatedAt},Cloud Functions`,
    `acc1,${SPEECHSENSE},sku-1,2026-04-21,RUB,1.00,0,${updatedAt},SpeechSense`,
  ].join('\n');
}
