/** Use case: the yearly eligibility report (issue 12) from the stored links, periods and usage. */
import { createEligibilityReport, yearRange, type EligibilityReport } from '../domain/eligibility-report';
import { isScanInterrupted } from '../ports/store';
import type { Deps } from './deps';

const SCAN_RETRIES = 3;

export async function eligibilityReport(deps: Deps, year: number): Promise<EligibilityReport> {
  const [links, specializations] = await Promise.all([deps.store.program.listLinks(), deps.store.program.listSpecializations()]);
  for (let attempt = 1; ; attempt++) {
    const report = createEligibilityReport({ rules: deps.rules.rules, year, links, specializations });
    try {
      for await (const row of deps.store.usage.scanUsage(yearRange(year))) report.add(row);
      return report.finish();
    } catch (error) {
      if (!isScanInterrupted(error) || attempt >= SCAN_RETRIES) throw error;
    }
  }
}
