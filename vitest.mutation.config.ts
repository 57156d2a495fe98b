/**
 * The tests Stryker runs (`npm run mutation`, stryker.config.json): per mutated folder, the unit
 * tests and in-process integration tests that exercise it. The suites that spawn processes, start
 * s3rver or the YDB fake, drive a browser or check Terraform are left out: they are slow and say
 * nothing more about these folders. scripts/mutation.mjs names the folder in MUTATION_FOLDER;
 * without it every set runs.
 */
import { defineConfig } from 'vitest/config';

const TESTS: Record<string, string[]> = {
  domain: [
    'test/unit/domain/**/*.test.ts',
    // The use cases call the domain with the values a real run produces (guards, postings, impact reports).
    'test/unit/usecases/**/*.test.ts',
    'test/property/accrual-totals.property.test.ts',
    'test/property/account-day-digest.property.test.ts',
    'test/property/ingest-and-ledger.property.test.ts',
    'test/integration/rebates-flow.test.ts',
    'test/integration/program-corrections.test.ts',
    'test/unit/functions/accrue-rebates.test.ts',
    'test/unit/functions/portal-api.test.ts',
  ],
  ingest: [
    'test/unit/ingest/**/*.test.ts',
    'test/property/export-parser.property.test.ts',
    // The spill path (runs, merge) is exercised by this property test; the crash suite spawns processes.
    'test/property/spill-merge.property.test.ts',
    'test/unit/functions/ingest-usage.test.ts',
    'test/integration/rebates-flow.test.ts',
    'test/integration/sqlite-store.test.ts',
  ],
  usecases: [
    'test/unit/usecases/**/*.test.ts',
    'test/unit/functions/**/*.test.ts',
    'test/integration/rebates-flow.test.ts',
    'test/integration/program-corrections.test.ts',
    'test/integration/hostile-ingest.test.ts',
    'test/integration/sqlite-store.test.ts',
    'test/billing/sync-catalog.test.ts',
    'test/billing/sync-subaccounts.test.ts',
    'test/billing/reconcile.test.ts',
  ],
};

// Tooling, not the application: shared/config.ts is the only reader of the environment at run time.
const folder = process.env['MUTATION_FOLDER'];

export default defineConfig({
  test: {
    include: folder && TESTS[folder] ? TESTS[folder] : [...new Set(Object.values(TESTS).flat())],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
