/**
 * The idempotent migrate step (CLI `migrate`): creates every table of `YDB_TABLES` that does not
 * exist yet and leaves existing ones alone. Functions never call it (SPEC §6: no migration on
 * cold start).
 */
import type { Ydb } from 'ydb-sdk-proto';
import { StoreError } from '../../ports/store';
import { createYdbRunner, ydbFailure, ydbStatus, type YdbRunnerOptions } from './runner';
import { StatusCode, YdbError, type TableSession, type YdbDriver } from './sdk';
import { YDB_TABLES } from './schema';

export interface MigrateResult {
  created: string[];
  existing: string[];
}

/**
 * ydb-sdk 5.11's TableSession has no public method for ExecuteSchemeQuery (YQL DDL); the session's
 * own TableService client does, with the session's credentials and database header.
 */
async function executeSchemeQuery(session: TableSession, yqlText: string): Promise<void> {
  const api = (session as unknown as { api?: Ydb.Table.V1.TableService }).api;
  if (api === undefined || typeof api.executeSchemeQuery !== 'function') {
    throw new StoreError('YDB_SDK_CHANGED', 'ydb-sdk TableSession no longer exposes its TableService client; review migrate.ts for this SDK version');
  }
  const response = await api.executeSchemeQuery({ sessionId: session.sessionId, yqlText });
  if (!response.operation) throw new StoreError('YDB_FAILED', 'ExecuteSchemeQuery answered without an operation');
  YdbError.checkStatus(response.operation);
}

async function tableExists(session: TableSession, name: string): Promise<boolean> {
  try {
    await session.describeTable(name);
    return true;
  } catch (error) {
    if (ydbStatus(error) === StatusCode.SCHEME_ERROR) return false;
    throw error;
  }
}

/** Creates the missing tables; safe to run any number of times, also concurrently. */
export async function migrateYdb(driver: YdbDriver, options: YdbRunnerOptions = {}): Promise<MigrateResult> {
  const runner = createYdbRunner(driver, options);
  const result: MigrateResult = { created: [], existing: [] };
  for (const table of YDB_TABLES) {
    try {
      const created = await runner.retry(async (session) => {
        if (await tableExists(session, table.name)) return false;
        try {
          await executeSchemeQuery(session, table.ddl);
          return true;
        } catch (error) {
          // Another migrator may have created it in between: then it exists and all is well.
          if (await tableExists(session, table.name)) return false;
          throw error;
        }
      });
      (created ? result.created : result.existing).push(table.name);
    } catch (error) {
      throw ydbFailure(`migrate table ${table.name}`, error);
    }
  }
  await addMissingColumns(runner);
  return result;
}

/** Columns added to existing tables after their first release (additive, nullable). */
const ADDED_COLUMNS = [{ table: 'account_day_versions', column: 'digest', type: 'Utf8' }] as const;

async function addMissingColumns(runner: ReturnType<typeof createYdbRunner>): Promise<void> {
  for (const { table, column, type } of ADDED_COLUMNS) {
    try {
      await runner.retry(async (session) => {
        const described = await session.describeTable(table);
        if (described.columns.some((c) => c.name === column)) return;
        await executeSchemeQuery(session, `ALTER TABLE ${table} ADD COLUMN ${column} ${type};`);
      });
    } catch (error) {
      throw ydbFailure(`add column ${table}.${column}`, error);
    }
  }
}
