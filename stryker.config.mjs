/**
 * Stryker (mutation testing) over shared/domain, shared/ingest and shared/usecases:
 * `npm run mutation [-- domain|ingest|usecases]` (scripts/mutation.mjs), never part of `npm test`.
 * A folder run (MUTATION_FOLDER, set by scripts/mutation.mjs) mutates that folder, runs the tests
 * that exercise it (vitest.mutation.config.ts) and keeps its own incremental file, reports and
 * sandbox, so folders can be rerun separately. See docs/mutation.md.
 */
const FOLDERS = ['domain', 'ingest', 'usecases'];
// Tooling, not the application: shared/config.ts is the only reader of the environment at run time.
const folder = FOLDERS.find((f) => f === process.env['MUTATION_FOLDER']);
const name = folder ?? 'all';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Only the tests that cover a mutant run for it; 2 workers (a checker and a test runner) on a shared 2-core machine.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Module-level code (zod schemas, constants) would need every test file reloaded per mutant; see docs/mutation.md.
  ignoreStatic: true,
  // Error-message texts: what a message says is checked where an operator depends on it, not mutant by mutant.
  mutator: { excludedMutations: ['StringLiteral'] },
  mutate: (folder ? [folder] : FOLDERS).map((f) => `shared/${f}/**/*.ts`),
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${name}.json`,
  tempDirName: `.stryker-tmp/${name}`,
  ignorePatterns: ['dist', '.rebates', '.bench', 'coverage', 'test-artifacts', 'terraform/.terraform', 'tools/node22/node_modules'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  thresholds: { high: 90, low: 85, break: null },
  timeoutMS: 3000,
};
