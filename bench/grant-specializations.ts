/**
 * Benchmark seeding shared by the ingest and accrual benches: partners `partner-0 … partner-(n-1)`
 * each holding the given specializations from 2025-01-01, open-ended.
 */
import type { Audit } from '../shared/domain/model';
import type { Store } from '../shared/ports/store';

export async function grantSpecializations(
  store: Store,
  partners: number,
  specializations: readonly string[],
  audit: Audit,
): Promise<void> {
  for (let p = 0; p < partners; p++)
    for (const specialization of specializations)
      await store.program.insertSpecialization({
        id: `s${p}-${specialization}`,
        partnerId: `partner-${p}`,
        specialization,
        from: '2025-01-01',
        to: null,
        created: audit,
        ended: null,
      });
}
