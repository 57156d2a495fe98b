/**
 * The fake's executor for the adapter's fixed query set: each query, recognised by its
 * `-- name:` line, is carried out in JS over the in-memory tables with the parameters decoded
 * from the real protobuf values, following what the YQL text says (filters, cursors, ORDER BY,
 * LIMIT, INSERT refusing existing keys). An unknown query name fails the call.
 */
import { compareTuples, resultType, type FakeEngine, type FakeTx, type Row } from './engine';
import type { FakeValue, YqlType } from './yql-types';

export interface ResultSetSpec {
  columns: [string, YqlType][];
  rows: FakeValue[][];
}

export interface QueryContext {
  params: Record<string, FakeValue>;
  tx: FakeTx;
  engine: FakeEngine;
}

type Handler = (ctx: QueryContext) => ResultSetSpec[];

const list = (value: FakeValue | undefined) => (value ?? []) as Row[];
const tuple = (row: Row, columns: readonly string[]) => columns.map((c) => row[c] ?? null);

/** A result set of `columns` of `table` (typed as YDB types them: nullable → Optional). */
function project(engine: FakeEngine, table: string, columns: readonly string[], rows: readonly Row[]): ResultSetSpec {
  const schema = engine.schema(table);
  return {
    columns: columns.map((name) => {
      const column = schema.columns.find((c) => c.name === name);
      if (!column) throw new Error(`fake: ${table} has no column ${name}`);
      return [name, resultType(column)];
    }),
    rows: rows.map((row) => tuple(row, columns)),
  };
}

interface PageSpec {
  table: string;
  columns: readonly string[];
  order: readonly string[];
  /** Cursor parameters in order-column order: rows strictly after them. */
  after: readonly string[];
  where(row: Row, p: Record<string, FakeValue>): boolean;
}

/** `SELECT … WHERE filter AND (order…) > ($after…) ORDER BY order… LIMIT $limit`. */
function page(spec: PageSpec): Handler {
  return ({ params, tx, engine }) => {
    const after = spec.after.map((name) => params[name] ?? null);
    const rows = tx
      .scan(spec.table)
      .filter((row) => spec.where(row, params) && compareTuples(tuple(row, spec.order), after) > 0)
      .sort((a, b) => compareTuples(tuple(a, spec.order), tuple(b, spec.order)))
      .slice(0, Number(params['$limit']));
    return [project(engine, spec.table, spec.columns, rows)];
  };
}

const optionalEquals = (value: FakeValue, param: FakeValue | undefined) => param === null || param === undefined || value === param;

const PERIOD_COLUMNS = ['id', 'partner_id', 'from_day', 'to_day', 'created_actor', 'created_at', 'created_note', 'ended_actor', 'ended_at', 'ended_note'];
const LINK_COLUMNS = [...PERIOD_COLUMNS.slice(0, 2), 'subaccount_id', ...PERIOD_COLUMNS.slice(2)];
const SPECIALIZATION_COLUMNS = [...PERIOD_COLUMNS.slice(0, 2), 'specialization', ...PERIOD_COLUMNS.slice(2)];
const INGEST_COLUMNS = ['object_key', 'id', 'etag', 'version', 'row_count', 'account_days_applied', 'account_days_stale', 'status', 'reason', 'started_at', 'finished_at'];
const LEDGER_COLUMNS = ['partner_id', 'quarter', 'specialization', 'currency', 'seq', 'id', 'amount', 'kind', 'run_id', 'created_at', 'actor', 'note'];
const LEDGER_KEY = ['partner_id', 'quarter', 'specialization', 'currency', 'seq'];
const RUN_COLUMNS = ['quarter', 'run_id', 'dry_run', 'rules_versions', 'rules_digest', 'started_at', 'actor', 'note', 'entries'];
const TOKEN_COLUMNS = ['id', 'partner_id', 'salt', 'hash', 'created_actor', 'created_at', 'created_note', 'revoked_actor', 'revoked_at', 'revoked_note'];
const USAGE_OUT = ['day', 'account_id', 'service_id', 'sku_id', 'currency', 'cost', 'credit', 'service_name', 'sku_name', 'row_count'];
const USAGE_ORDER = ['day', 'account_id', 'service_id', 'sku_id', 'currency'];

function periodHandlers(table: string, columns: string[], subject: string): Record<string, Handler> {
  return {
    insert: ({ params, tx }) => {
      for (const row of list(params['$rows'])) tx.insert(table, row);
      return [];
    },
    select: ({ params, tx, engine }) => {
      const row = tx.get(table, { id: params['$id'] ?? null });
      return [project(engine, table, columns, row ? [row] : [])];
    },
    end: ({ params, tx }) => {
      const row = tx.get(table, { id: params['$id'] ?? null });
      if (row) tx.upsert(table, { ...row, to_day: params['$to_day'] ?? null, ended_actor: params['$ended_actor'] ?? null, ended_at: params['$ended_at'] ?? null, ended_note: params['$ended_note'] ?? null });
      return [];
    },
    list: page({
      table,
      columns,
      order: ['id'],
      after: ['$after_id'],
      where: (row, p) => optionalEquals(row['partner_id'] ?? null, p['$partner_id']) && optionalEquals(row[subject] ?? null, p[`$${subject}`]),
    }),
  };
}

const links = periodHandlers('subaccount_links', LINK_COLUMNS, 'subaccount_id');
const periods = periodHandlers('specialization_periods', SPECIALIZATION_COLUMNS, 'specialization');

export const HANDLERS: Record<string, Handler> = {
  select_account_day_versions: ({ params, tx, engine }) => {
    const found = list(params['$keys']).flatMap((k): Row[] => {
      const row = tx.get('account_day_versions', { day: k['day'] ?? null, account_id: k['account_id'] ?? null });
      return row ? [row] : [];
    });
    return [project(engine, 'account_day_versions', ['day', 'account_id', 'version', 'generation', 'digest'], found)];
  },
  upsert_account_day_versions: ({ params, tx }) => {
    for (const row of list(params['$rows'])) tx.upsert('account_day_versions', row);
    return [];
  },
  select_usage_sentinels: ({ params, tx, engine }) => {
    const found = list(params['$rows']).flatMap((k): Row[] => {
      const row = tx.get('usage_aggregates', k);
      return row ? [row] : [];
    });
    return [project(engine, 'usage_aggregates', ['day', 'account_id', 'generation'], found)];
  },
  delete_unreferenced_usage: ({ params, tx }) => {
    // Reads each account-day's pointer and deletes its rows of every other generation (one statement).
    const live = new Map<string, FakeValue>();
    for (const k of list(params['$keys'])) {
      const pointer = tx.get('account_day_versions', k);
      if (pointer) live.set(JSON.stringify(tuple(k, ['day', 'account_id'])), pointer['generation'] ?? null);
    }
    for (const row of tx.scan('usage_aggregates')) {
      const generation = live.get(JSON.stringify(tuple(row, ['day', 'account_id'])));
      if (generation !== undefined && generation !== null && row['generation'] !== generation) tx.delete('usage_aggregates', row);
    }
    return [];
  },
  scan_usage_page: ({ params: p, tx, engine }) => {
    const accounts = new Set(p['$account_ids'] as string[]);
    const live = new Map<string, FakeValue>();
    for (const v of tx.scan('account_day_versions')) {
      const inRange = compareTuples([v['day'] ?? null], [p['$from'] ?? null]) >= 0 && compareTuples([v['day'] ?? null], [p['$to'] ?? null]) <= 0;
      const afterCursor = compareTuples(tuple(v, ['day', 'account_id']), [p['$after_day'] ?? null, p['$after_account_id'] ?? null]) >= 0;
      if (inRange && afterCursor && (p['$all_accounts'] === true || accounts.has(String(v['account_id'])))) live.set(JSON.stringify(tuple(v, ['day', 'account_id'])), v['generation'] ?? null);
    }
    const after = ['$after_day', '$after_account_id', '$after_service_id', '$after_sku_id', '$after_currency'].map((n) => p[n] ?? null);
    const rows = tx
      .scan('usage_aggregates')
      .filter((u) => live.get(JSON.stringify(tuple(u, ['day', 'account_id']))) === u['generation'] && compareTuples(tuple(u, USAGE_ORDER), after) > 0)
      .sort((a, b) => compareTuples(tuple(a, USAGE_ORDER), tuple(b, USAGE_ORDER)))
      .slice(0, Number(p['$limit']));
    return [project(engine, 'usage_aggregates', USAGE_OUT, rows)];
  },
  list_account_day_versions_page: page({
    table: 'account_day_versions',
    columns: ['day', 'account_id', 'version', 'source_key'],
    order: ['day', 'account_id'],
    after: ['$after_day', '$after_account_id'],
    where: (row, p) => compareTuples([row['day'] ?? null], [p['$from'] ?? null]) >= 0 && compareTuples([row['day'] ?? null], [p['$to'] ?? null]) <= 0,
  }),
  upsert_ingest_log: ({ params, tx }) => {
    for (const row of list(params['$rows'])) tx.upsert('ingest_log', row);
    return [];
  },
  list_ingest_log_page: page({
    table: 'ingest_log',
    columns: INGEST_COLUMNS,
    order: ['object_key', 'id'],
    after: ['$after_object_key', '$after_id'],
    where: (row, p) => optionalEquals(row['object_key'] ?? null, p['$object_key']),
  }),
  insert_link: links.insert!,
  select_link: links.select!,
  end_link: links.end!,
  list_links_page: links.list!,
  insert_specialization: periods.insert!,
  select_specialization: periods.select!,
  end_specialization: periods.end!,
  list_specializations_page: periods.list!,
  check_ledger_append: ({ params: p, tx, engine }) => {
    const run = tx.get('accrual_runs', { quarter: p['$run_quarter'] ?? null, run_id: p['$run_id'] ?? null });
    const byKey = list(p['$keys']).flatMap((k): Row[] => {
      const row = tx.get('ledger_entries', k);
      return row ? [row] : [];
    });
    const partners = new Set(p['$partner_ids'] as string[]);
    const ids = new Set(p['$ids'] as string[]);
    const byId = tx.scan('ledger_entries').filter((row) => partners.has(String(row['partner_id'])) && ids.has(String(row['id'])));
    return [project(engine, 'accrual_runs', ['run_id'], run ? [run] : []), project(engine, 'ledger_entries', ['id', 'run_id'], byKey), project(engine, 'ledger_entries', ['id', 'run_id'], byId)];
  },
  insert_ledger_append: ({ params, tx }) => {
    for (const row of list(params['$entries'])) tx.insert('ledger_entries', row);
    for (const row of list(params['$runs'])) tx.insert('accrual_runs', row);
    return [];
  },
  list_ledger_page: page({
    table: 'ledger_entries',
    columns: LEDGER_COLUMNS,
    order: LEDGER_KEY,
    after: ['$after_partner_id', '$after_quarter', '$after_specialization', '$after_currency', '$after_seq'],
    where: (row, p) => optionalEquals(row['partner_id'] ?? null, p['$partner_id']) && optionalEquals(row['quarter'] ?? null, p['$quarter']),
  }),
  insert_token: ({ params, tx }) => {
    for (const row of list(params['$rows'])) tx.insert('portal_tokens', row);
    return [];
  },
  select_token: ({ params, tx, engine }) => {
    const row = tx.get('portal_tokens', { id: params['$id'] ?? null });
    return [project(engine, 'portal_tokens', TOKEN_COLUMNS, row ? [row] : [])];
  },
  revoke_token: ({ params, tx }) => {
    const row = tx.get('portal_tokens', { id: params['$id'] ?? null });
    if (row) tx.upsert('portal_tokens', { ...row, revoked_actor: params['$revoked_actor'] ?? null, revoked_at: params['$revoked_at'] ?? null, revoked_note: params['$revoked_note'] ?? null });
    return [];
  },
  list_tokens_page: page({
    table: 'portal_tokens',
    columns: TOKEN_COLUMNS,
    order: ['id'],
    after: ['$after_id'],
    where: (row, p) => optionalEquals(row['partner_id'] ?? null, p['$partner_id']),
  }),
  list_runs_page: page({
    table: 'accrual_runs',
    columns: RUN_COLUMNS,
    order: ['quarter', 'run_id'],
    after: ['$after_quarter', '$after_run_id'],
    where: (row, p) => optionalEquals(row['quarter'] ?? null, p['$quarter']),
  }),
};

/**
 * Statements of the real-YDB contract test (test/integration/ydb-store.test.ts): counting and
 * emptying a table, so that file can be exercised against the fake as well.
 */
export function testHandler(name: string): Handler | undefined {
  const count = /^test_count_([a-z_]+)$/.exec(name)?.[1];
  if (count) return ({ tx }) => [{ columns: [['n', { kind: 'prim', name: 'Uint64' }]], rows: [[BigInt(tx.scan(count).length)]] }];
  const wipe = /^test_wipe_([a-z_]+)$/.exec(name)?.[1];
  if (wipe) {
    return ({ tx }) => {
      for (const row of tx.scan(wipe)) tx.delete(wipe, row);
      return [];
    };
  }
  return undefined;
}
