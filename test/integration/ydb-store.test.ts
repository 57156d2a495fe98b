/**
 * The shared store contract against a real YDB — run when YDB_ENDPOINT is set (plus YDB_DATABASE
 * unless the endpoint carries ?database=, and credentials in YDB_*_CREDENTIALS); skipped, saying
 * so, otherwise. See docs/ydb.md for ydbplatform/local-ydb in Docker and a serverless database.
 *
 * Every test starts from empty tables, so the suite refuses a database whose tables hold data
 * (unless YDB_CONTRACT_WIPE=1): point it at a disposable database, never at production.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { createYdbDriver, destroyYdbDriver, waitForYdb } from '../../shared/adapters/ydb/driver';
import { migrateYdb } from '../../shared/adapters/ydb/migrate';
import { TypedValues, type YdbDriver } from '../../shared/adapters/ydb/sdk';
import { createYdbStore } from '../../shared/adapters/ydb/ydb-store';
import { describeStoreContract } from '../contract/store-contract';

const endpoint = process.env['YDB_ENDPOINT'];
const database = process.env['YDB_DATABASE'];
const skipReason = endpoint ? undefined : 'YDB_ENDPOINT is not set (see docs/ydb.md: local-ydb in Docker or a serverless database)';
if (skipReason) console.info(`[ydb-store] skipping the store contract against a real YDB: ${skipReason}`);

/** Test-only statements: emptiness checks and wipes of the adapter's tables (no parameters; the protocol fake knows them too). */
const TABLE_CHECKS: [string, string, string][] = [
  [
    'subaccount_links',
    '-- name: test_count_subaccount_links\nSELECT COUNT(*) AS n FROM subaccount_links;',
    '-- name: test_wipe_subaccount_links\nDELETE FROM subaccount_links;',
  ],
  [
    'specialization_periods',
    '-- name: test_count_specialization_periods\nSELECT COUNT(*) AS n FROM specialization_periods;',
    '-- name: test_wipe_specialization_periods\nDELETE FROM specialization_periods;',
  ],
  [
    'usage_aggregates',
    '-- name: test_count_usage_aggregates\nSELECT COUNT(*) AS n FROM usage_aggregates;',
    '-- name: test_wipe_usage_aggregates\nDELETE FROM usage_aggregates;',
  ],
  [
    'account_day_versions',
    '-- name: test_count_account_day_versions\nSELECT COUNT(*) AS n FROM account_day_versions;',
    '-- name: test_wipe_account_day_versions\nDELETE FROM account_day_versions;',
  ],
  [
    'ingest_log',
    '-- name: test_count_ingest_log\nSELECT COUNT(*) AS n FROM ingest_log;',
    '-- name: test_wipe_ingest_log\nDELETE FROM ingest_log;',
  ],
  [
    'ledger_entries',
    '-- name: test_count_ledger_entries\nSELECT COUNT(*) AS n FROM ledger_entries;',
    '-- name: test_wipe_ledger_entries\nDELETE FROM ledger_entries;',
  ],
  [
    'accrual_runs',
    '-- name: test_count_accrual_runs\nSELECT COUNT(*) AS n FROM accrual_runs;',
    '-- name: test_wipe_accrual_runs\nDELETE FROM accrual_runs;',
  ],
  [
    'portal_tokens',
    '-- name: test_count_portal_tokens\nSELECT COUNT(*) AS n FROM portal_tokens;',
    '-- name: test_wipe_portal_tokens\nDELETE FROM portal_tokens;',
  ],
  [
    'apply_journal',
    '-- name: test_count_apply_journal\nSELECT COUNT(*) AS n FROM apply_journal;',
    '-- name: test_wipe_apply_journal\nDELETE FROM apply_journal;',
  ],
  [
    'applies_in_progress',
    '-- name: test_count_applies_in_progress\nSELECT COUNT(*) AS n FROM applies_in_progress;',
    '-- name: test_wipe_applies_in_progress\nDELETE FROM applies_in_progress;',
  ],
];

async function tablesWithRows(driver: YdbDriver): Promise<string[]> {
  const filled: string[] = [];
  for (const [table, count] of TABLE_CHECKS) {
    const result = await driver.tableClient.withSessionRetry((session) => session.executeQuery(count));
    const n = result.resultSets[0]?.rows?.[0]?.items?.[0]?.uint64Value;
    if (n !== undefined && n !== null && String(n) !== '0') filled.push(table);
  }
  return filled;
}

/** Test-only: half an "ended by" audit (ended_note NULL), below the port, for the corruption rule. */
async function halfEndAudit(driver: YdbDriver, table: 'subaccount_links' | 'specialization_periods', id: string): Promise<void> {
  const text = `-- name: test_half_end_${table}\nDECLARE $id AS Utf8;\nUPDATE ${table} SET ended_note = NULL WHERE id = $id;`;
  await driver.tableClient.withSessionRetry((session) => session.executeQuery(text, { $id: TypedValues.utf8(id) }));
}

async function wipe(driver: YdbDriver): Promise<void> {
  for (const [, , remove] of TABLE_CHECKS) await driver.tableClient.withSessionRetry((session) => session.executeQuery(remove));
}

describe.skipIf(skipReason !== undefined)(`real YDB at ${endpoint ?? '(skipped: YDB_ENDPOINT is not set)'}`, () => {
  let driver: YdbDriver | undefined;

  beforeAll(async () => {
    const connection = { endpoint: endpoint ?? '', ...(database ? { database } : {}) };
    driver = createYdbDriver(connection);
    await waitForYdb(driver, connection, 30_000);
    await migrateYdb(driver);
    const filled = await tablesWithRows(driver);
    if (filled.length > 0 && process.env['YDB_CONTRACT_WIPE'] !== '1') {
      throw new Error(
        `refusing to run: ${filled.join(', ')} hold data and every contract test empties the tables. Use a disposable database, or set YDB_CONTRACT_WIPE=1 if this one is.`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    if (driver) await destroyYdbDriver(driver);
  });

  describeStoreContract(`ydb ${database ?? ''}`.trim(), async () => {
    if (!driver) throw new Error('no YDB driver (beforeAll failed)');
    const connected = driver;
    await wipe(connected);
    return {
      store: createYdbStore(connected),
      reopen: async () => createYdbStore(connected),
      cleanup: () => wipe(connected),
      halfEndAudit: (table, id) => halfEndAudit(connected, table, id),
    };
  });
});
