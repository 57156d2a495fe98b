/**
 * The fake's executor for the adapter's fixed query set: each query, recognised by its
 * `-- name:` line, is carried out in JS over the in-memory tables with the parameters decoded
 * from the real protobuf values, following what the YQL text says (filters, cursors, ORDER BY,
 * LIMIT, INSERT refusing existing keys). An unknown query name fails the call.
 *
 * Each handler reads the way YDB executes its text, and the engine bills it (cost-meter.ts):
 * a key range of a table (`tx.range`: every row passed over is read, a LIMIT on that single
 * table stops the read), a point lookup (`tx.get`: one read), or a range of a covering index
 * (`indexRange`: the index rows returned). A handler never reads more cheaply than its YQL allows.
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

const text = (v: FakeValue | undefined) => (v ?? null) as FakeValue;
const gt = (row: Row, columns: readonly string[], after: readonly FakeValue[]) => compareTuples(tuple(row, columns), after) > 0;
const between = (v: FakeValue | undefined, from: FakeValue | undefined, to: FakeValue | undefined) =>
  compareTuples([text(v)], [text(from)]) >= 0 && compareTuples([text(v)], [text(to)]) <= 0;

/**
 * A range of a covering global index: rows in (index columns…, primary key…) order, `where` the
 * index-prefix equality, after the cursor, up to `limit`; each row returned is one index row read.
 */
function indexRange(
  ctx: QueryContext,
  table: string,
  order: readonly string[],
  where: (row: Row) => boolean,
  after: readonly FakeValue[],
  limit: number,
): Row[] {
  const rows = ctx.tx
    .scan(table)
    .filter((row) => where(row) && gt(row, order, after))
    .sort((a, b) => compareTuples(tuple(a, order), tuple(b, order)))
    .slice(0, limit);
  for (const row of rows) ctx.tx.meter.read(row);
  return rows;
}

const limitOf = (p: Record<string, FakeValue>) => Number(p['$limit']);

const PERIOD_COLUMNS = [
  'id',
  'partner_id',
  'from_day',
  'to_day',
  'created_actor',
  'created_at',
  'created_note',
  'ended_actor',
  'ended_at',
  'ended_note',
];
const LINK_COLUMNS = [...PERIOD_COLUMNS.slice(0, 2), 'subaccount_id', ...PERIOD_COLUMNS.slice(2)];
const SPECIALIZATION_COLUMNS = [...PERIOD_COLUMNS.slice(0, 2), 'specialization', ...PERIOD_COLUMNS.slice(2)];
const INGEST_COLUMNS = [
  'id',
  'object_key',
  'newest_first',
  'etag',
  'version',
  'row_count',
  'account_days_applied',
  'account_days_stale',
  'status',
  'reason',
  'started_at',
  'finished_at',
];
const LEDGER_COLUMNS = [
  'partner_id',
  'quarter',
  'specialization',
  'currency',
  'seq',
  'id',
  'amount',
  'kind',
  'run_id',
  'created_at',
  'actor',
  'note',
];
const RUN_COLUMNS = ['quarter', 'run_id', 'dry_run', 'rules_versions', 'rules_digest', 'started_at', 'actor', 'note', 'entries'];
const TOKEN_COLUMNS = [
  'id',
  'partner_id',
  'salt',
  'hash',
  'created_actor',
  'created_at',
  'created_note',
  'revoked_actor',
  'revoked_at',
  'revoked_note',
];
const USAGE_OUT = [
  'day',
  'account_id',
  'generation',
  'service_id',
  'sku_id',
  'currency',
  'cost',
  'credit',
  'service_name',
  'sku_name',
  'row_count',
];
const USAGE_KEY = ['day', 'account_id', 'generation', 'service_id', 'sku_id', 'currency'];

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
      if (row)
        tx.upsert(table, {
          ...row,
          to_day: params['$to_day'] ?? null,
          ended_actor: params['$ended_actor'] ?? null,
          ended_at: params['$ended_at'] ?? null,
          ended_note: params['$ended_note'] ?? null,
        });
      return [];
    },
    list: ({ params: p, tx, engine }) => {
      const rows = tx.range(table, {
        start: [text(p['$after_id'])],
        inRange: () => true,
        filter: (row) => gt(row, ['id'], [text(p['$after_id'])]),
        limit: limitOf(p),
      });
      return [project(engine, table, columns, rows)];
    },
    byPartner: (ctx) => {
      const p = ctx.params;
      const rows = indexRange(
        ctx,
        table,
        ['partner_id', 'id'],
        (row) => row['partner_id'] === p['$partner_id'],
        [text(p['$partner_id']), text(p['$after_id'])],
        limitOf(p),
      );
      return [project(ctx.engine, table, columns, rows)];
    },
    bySubject: (ctx) => {
      const p = ctx.params;
      const rows = indexRange(
        ctx,
        table,
        [subject, 'id'],
        (row) => row[subject] === p[`$${subject}`],
        [text(p[`$${subject}`]), text(p['$after_id'])],
        limitOf(p),
      );
      return [project(ctx.engine, table, columns, rows)];
    },
  };
}

const links = periodHandlers('subaccount_links', LINK_COLUMNS, 'subaccount_id');
const periods = periodHandlers('specialization_periods', SPECIALIZATION_COLUMNS, 'specialization');

/** The rows of one account-day's generation: a key-prefix range of usage_aggregates. */
function generationRows(tx: FakeTx, key: Row, generation: FakeValue): Row[] {
  const [bucket, day, account] = [text(key['bucket']), text(key['day']), text(key['account_id'])];
  return tx.range('usage_aggregates', {
    start: [bucket, day, account, generation],
    inRange: (u) => u['bucket'] === bucket && u['day'] === day && u['account_id'] === account && u['generation'] === generation,
  });
}

/** The key of an account-day in both bucketed tables. */
const accountDay = (row: Row): Row => ({ bucket: text(row['bucket']), day: text(row['day']), account_id: text(row['account_id']) });

function ledgerPage(ctx: QueryContext, prefix: Record<string, FakeValue>, cursor: string[]): ResultSetSpec[] {
  const p = ctx.params;
  const prefixColumns = Object.keys(prefix);
  const rest = LEDGER_COLUMNS.slice(prefixColumns.length, 5);
  const after = cursor.map((name) => text(p[name]));
  const rows = ctx.tx.range('ledger_entries', {
    start: [...Object.values(prefix), ...after],
    inRange: (row) => prefixColumns.every((c) => row[c] === prefix[c]),
    filter: (row) => gt(row, rest, after),
    limit: limitOf(p),
  });
  return [project(ctx.engine, 'ledger_entries', LEDGER_COLUMNS, rows)];
}

/** The generation a reader follows: `prev_generation` while the pointer's apply is in progress. */
function liveGeneration(pointer: Row | undefined, inProgress: FakeValue | undefined): FakeValue {
  if (!pointer) return null;
  const pending = typeof pointer['apply_id'] === 'string' && (inProgress as string[]).includes(pointer['apply_id']);
  return text(pending ? pointer['prev_generation'] : pointer['generation']);
}

const POINTER_COLUMNS = [
  'day',
  'account_id',
  'version',
  'generation',
  'digest',
  'source_key',
  'apply_id',
  'prev_version',
  'prev_generation',
  'prev_source_key',
  'prev_digest',
];

export const HANDLERS: Record<string, Handler> = {
  select_applies_in_progress: ({ tx, engine }) => [
    project(engine, 'applies_in_progress', ['apply_id'], tx.fullScan('applies_in_progress')),
  ],
  insert_apply_in_progress: ({ params, tx }) => {
    for (const row of list(params['$rows'])) tx.upsert('applies_in_progress', row);
    return [];
  },
  delete_apply_in_progress: ({ params, tx }) => {
    if (tx.get('applies_in_progress', { apply_id: text(params['$apply_id']) }))
      tx.delete('applies_in_progress', { apply_id: text(params['$apply_id']) });
    return [];
  },
  select_account_day_versions: ({ params, tx, engine }) => {
    const found = list(params['$keys']).flatMap((k): Row[] => {
      const row = tx.get('account_day_versions', accountDay(k));
      return row ? [row] : [];
    });
    return [project(engine, 'account_day_versions', POINTER_COLUMNS, found)];
  },
  upsert_account_day_versions: ({ params, tx }) => {
    for (const row of list(params['$rows'])) tx.upsert('account_day_versions', row);
    return [];
  },
  delete_account_day_versions: ({ params, tx }) => {
    // DELETE … ON a list of full keys: each a point delete (a missing key deletes nothing).
    for (const k of list(params['$keys'])) tx.delete('account_day_versions', k);
    return [];
  },
  delete_usage_generations: ({ params, tx }) => {
    for (const k of list(params['$rows']))
      for (const row of generationRows(tx, k, text(k['generation']))) tx.delete('usage_aggregates', row);
    return [];
  },
  select_apply_journal_page: ({ params: p, tx, engine }) => {
    const applyId = text(p['$apply_id']);
    const rows = tx.range('apply_journal', {
      start: [applyId, text(p['$after_seq'])],
      inRange: (row) => row['apply_id'] === applyId,
      filter: (row) => gt(row, ['seq'], [text(p['$after_seq'])]),
      limit: limitOf(p),
    });
    return [project(engine, 'apply_journal', ['apply_id', 'seq', 'entries'], rows)];
  },
  delete_apply_journal: ({ params, tx }) => {
    const applyId = text(params['$apply_id']);
    const rows = tx.range('apply_journal', {
      start: [applyId, text(params['$from_seq'])],
      inRange: (r) => r['apply_id'] === applyId && between(r['seq'], params['$from_seq'], params['$to_seq']),
    });
    for (const row of rows) tx.delete('apply_journal', row);
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
    // Per account-day: its pointer by key, its rows by key prefix, the other generations deleted
    // (collected first, deleted after: the reads see the statement's starting state).
    const doomed: Row[] = [];
    for (const k of list(params['$keys'])) {
      const pointer = tx.get('account_day_versions', k);
      const live = pointer?.['generation'];
      if (pointer === undefined || live === undefined || live === null) continue;
      // A committed pointer of $apply_id keeps its generation; any other also its prev_generation.
      const keep: FakeValue[] = pointer['apply_id'] === params['$apply_id'] ? [live] : [live, pointer['prev_generation'] ?? live];
      const rows = tx.range('usage_aggregates', {
        start: [text(k['bucket']), text(k['day']), text(k['account_id'])],
        inRange: (u) => u['bucket'] === k['bucket'] && u['day'] === k['day'] && u['account_id'] === k['account_id'],
      });
      for (const row of rows) if (!keep.includes(row['generation'] ?? null)) doomed.push(row);
    }
    for (const row of doomed) tx.delete('usage_aggregates', row);
    return [];
  },
  scan_usage_page: ({ params: p, tx, engine }) => {
    const after = ['$after_day', '$after_account_id', '$after_generation', '$after_service_id', '$after_sku_id', '$after_currency'].map(
      (n) => text(p[n]),
    );
    // $page: one key range of usage_aggregates (the bucket's days), the LIMIT on that table alone.
    const bucket = text(p['$bucket']);
    const page = tx.range('usage_aggregates', {
      start: [bucket, ...after],
      inRange: (u) => u['bucket'] === bucket && between(u['day'], p['$from'], p['$to']),
      past: (u) => compareTuples([text(u['bucket']), text(u['day'])], [bucket, text(p['$to'])]) > 0,
      filter: (u) => gt(u, USAGE_KEY, after),
      limit: limitOf(p),
    });
    // The join: each distinct account-day's pointer by key.
    const live = new Map<string, FakeValue>();
    for (const u of page) {
      const key = JSON.stringify(tuple(u, ['day', 'account_id']));
      if (!live.has(key)) live.set(key, liveGeneration(tx.get('account_day_versions', accountDay(u)), p['$in_progress']));
    }
    const rows = page.filter((u) => live.get(JSON.stringify(tuple(u, ['day', 'account_id']))) === u['generation']);
    const last = page[page.length - 1];
    return [
      project(engine, 'usage_aggregates', USAGE_OUT, rows),
      project(engine, 'usage_aggregates', USAGE_KEY, last ? [last] : []),
      { columns: [['scanned', { kind: 'prim', name: 'Uint64' }]], rows: [[BigInt(page.length)]] },
    ];
  },
  scan_usage_account_days: ({ params, tx, engine }) => {
    const rows = list(params['$keys']).flatMap((k): Row[] => {
      const generation = liveGeneration(tx.get('account_day_versions', accountDay(k)), params['$in_progress']);
      return generation === null ? [] : generationRows(tx, k, generation);
    });
    rows.sort((a, b) => compareTuples(tuple(a, USAGE_KEY), tuple(b, USAGE_KEY)));
    return [project(engine, 'usage_aggregates', USAGE_OUT, rows)];
  },
  scan_generation_page: ({ params: p, tx, engine }) => {
    const prefix = [text(p['$bucket']), text(p['$day']), text(p['$account_id']), text(p['$generation'])];
    const after = ['$after_service_id', '$after_sku_id', '$after_currency'].map((n) => text(p[n]));
    const rows = tx.range('usage_aggregates', {
      start: [...prefix, ...after],
      inRange: (u) => compareTuples(tuple(u, ['bucket', 'day', 'account_id', 'generation']), prefix) === 0,
      filter: (u) => gt(u, ['service_id', 'sku_id', 'currency'], after),
      limit: limitOf(p),
    });
    return [project(engine, 'usage_aggregates', USAGE_OUT, rows)];
  },
  list_account_day_versions_page: ({ params: p, tx, engine }) => {
    const after = [text(p['$after_day']), text(p['$after_account_id'])];
    const bucket = text(p['$bucket']);
    const rows = tx.range('account_day_versions', {
      start: [bucket, ...after],
      inRange: (v) => v['bucket'] === bucket && between(v['day'], p['$from'], p['$to']),
      past: (v) => compareTuples([text(v['bucket']), text(v['day'])], [bucket, text(p['$to'])]) > 0,
      filter: (v) => gt(v, ['day', 'account_id'], after),
      limit: limitOf(p),
    });
    return [
      project(
        engine,
        'account_day_versions',
        ['day', 'account_id', 'version', 'generation', 'source_key', 'apply_id', 'prev_version', 'prev_source_key', 'prev_generation'],
        rows,
      ),
    ];
  },
  select_ingest_log: ({ params, tx, engine }) => {
    const row = tx.get('ingest_log', { id: params['$id'] ?? null });
    return [project(engine, 'ingest_log', INGEST_COLUMNS, row ? [row] : [])];
  },
  insert_ingest_log: ({ params, tx }) => {
    for (const row of list(params['$rows'])) tx.insert('ingest_log', row);
    return [];
  },
  list_ingest_log_newest_page: (ctx) => {
    const p = ctx.params;
    const rows = indexRange(
      ctx,
      'ingest_log',
      ['newest_first', 'id'],
      () => true,
      [text(p['$after_newest_first']), text(p['$after_id'])],
      limitOf(p),
    );
    return [project(ctx.engine, 'ingest_log', INGEST_COLUMNS, rows)];
  },
  list_ingest_log_by_object_page: (ctx) => {
    const p = ctx.params;
    const order = ['object_key', 'newest_first', 'id'];
    const rows = indexRange(
      ctx,
      'ingest_log',
      order,
      (row) => row['object_key'] === p['$object_key'],
      [text(p['$object_key']), text(p['$after_newest_first']), text(p['$after_id'])],
      limitOf(p),
    );
    return [project(ctx.engine, 'ingest_log', INGEST_COLUMNS, rows)];
  },
  insert_link: links.insert!,
  select_link: links.select!,
  end_link: links.end!,
  list_links_page: links.list!,
  list_links_by_partner_page: links.byPartner!,
  list_links_by_subaccount_page: links.bySubject!,
  insert_specialization: periods.insert!,
  select_specialization: periods.select!,
  end_specialization: periods.end!,
  list_specializations_page: periods.list!,
  list_specializations_by_partner_page: periods.byPartner!,
  list_specializations_by_specialization_page: periods.bySubject!,
  check_ledger_append: ({ params: p, tx, engine }) => {
    const run = tx.get('accrual_runs', { quarter: p['$run_quarter'] ?? null, run_id: p['$run_id'] ?? null });
    const byKey = list(p['$keys']).flatMap((k): Row[] => {
      const row = tx.get('ledger_entries', k);
      return row ? [row] : [];
    });
    const ids = new Set(p['$ids'] as string[]);
    // `partner_id IN $partner_ids AND id IN $ids`: each partner's entries are a key prefix.
    const byId = (p['$partner_ids'] as string[]).flatMap((partner) =>
      tx.range('ledger_entries', {
        start: [partner],
        inRange: (row) => row['partner_id'] === partner,
        filter: (row) => ids.has(String(row['id'])),
      }),
    );
    return [
      project(engine, 'accrual_runs', ['run_id'], run ? [run] : []),
      project(engine, 'ledger_entries', ['id', 'run_id'], byKey),
      project(engine, 'ledger_entries', ['id', 'run_id'], byId),
    ];
  },
  insert_ledger_append: ({ params, tx }) => {
    for (const row of list(params['$entries'])) tx.insert('ledger_entries', row);
    for (const row of list(params['$runs'])) tx.insert('accrual_runs', row);
    return [];
  },
  list_ledger_page: (ctx) =>
    ledgerPage(ctx, {}, ['$after_partner_id', '$after_quarter', '$after_specialization', '$after_currency', '$after_seq']),
  list_ledger_by_partner_page: (ctx) =>
    ledgerPage(ctx, { partner_id: text(ctx.params['$partner_id']) }, [
      '$after_quarter',
      '$after_specialization',
      '$after_currency',
      '$after_seq',
    ]),
  list_ledger_by_partner_quarter_page: (ctx) =>
    ledgerPage(ctx, { partner_id: text(ctx.params['$partner_id']), quarter: text(ctx.params['$quarter']) }, [
      '$after_specialization',
      '$after_currency',
      '$after_seq',
    ]),
  list_ledger_by_quarter_page: (ctx) => {
    const p = ctx.params;
    const order = ['quarter', 'partner_id', 'specialization', 'currency', 'seq'];
    const after = [
      text(p['$quarter']),
      ...['$after_partner_id', '$after_specialization', '$after_currency', '$after_seq'].map((n) => text(p[n])),
    ];
    const rows = indexRange(ctx, 'ledger_entries', order, (row) => row['quarter'] === p['$quarter'], after, limitOf(p));
    return [project(ctx.engine, 'ledger_entries', LEDGER_COLUMNS, rows)];
  },
  list_runs_page: ({ params: p, tx, engine }) => {
    const after = [text(p['$after_quarter']), text(p['$after_run_id'])];
    const rows = tx.range('accrual_runs', {
      start: after,
      inRange: () => true,
      filter: (row) => gt(row, ['quarter', 'run_id'], after),
      limit: limitOf(p),
    });
    return [project(engine, 'accrual_runs', RUN_COLUMNS, rows)];
  },
  list_runs_by_quarter_page: ({ params: p, tx, engine }) => {
    const quarter = text(p['$quarter']);
    const rows = tx.range('accrual_runs', {
      start: [quarter, text(p['$after_run_id'])],
      inRange: (row) => row['quarter'] === quarter,
      filter: (row) => gt(row, ['run_id'], [text(p['$after_run_id'])]),
      limit: limitOf(p),
    });
    return [project(engine, 'accrual_runs', RUN_COLUMNS, rows)];
  },
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
    if (row)
      tx.upsert('portal_tokens', {
        ...row,
        revoked_actor: params['$revoked_actor'] ?? null,
        revoked_at: params['$revoked_at'] ?? null,
        revoked_note: params['$revoked_note'] ?? null,
      });
    return [];
  },
  list_tokens_page: ({ params: p, tx, engine }) => {
    const after = [text(p['$after_id'])];
    const rows = tx.range('portal_tokens', {
      start: after,
      inRange: () => true,
      filter: (row) => gt(row, ['id'], after),
      limit: limitOf(p),
    });
    return [project(engine, 'portal_tokens', TOKEN_COLUMNS, rows)];
  },
  list_tokens_by_partner_page: (ctx) => {
    const p = ctx.params;
    const rows = indexRange(
      ctx,
      'portal_tokens',
      ['partner_id', 'id'],
      (row) => row['partner_id'] === p['$partner_id'],
      [text(p['$partner_id']), text(p['$after_id'])],
      limitOf(p),
    );
    return [project(ctx.engine, 'portal_tokens', TOKEN_COLUMNS, rows)];
  },
};

/**
 * Statements of the real-YDB contract test (test/integration/ydb-store.test.ts): counting and
 * emptying a table, half an ended audit (the corruption rule), so that file can be exercised
 * against the fake as well.
 */
export function testHandler(name: string): Handler | undefined {
  const count = /^test_count_([a-z_]+)$/.exec(name)?.[1];
  if (count) return ({ tx }) => [{ columns: [['n', { kind: 'prim', name: 'Uint64' }]], rows: [[BigInt(tx.fullScan(count).length)]] }];
  const halfEnd = /^test_half_end_([a-z_]+)$/.exec(name)?.[1];
  if (halfEnd) {
    return ({ params, tx }) => {
      const row = tx.get(halfEnd, { id: params['$id'] ?? null });
      if (row) tx.upsert(halfEnd, { ...row, ended_note: null });
      return [];
    };
  }
  const wipe = /^test_wipe_([a-z_]+)$/.exec(name)?.[1];
  if (wipe) {
    return ({ tx }) => {
      for (const row of tx.fullScan(wipe)) tx.delete(wipe, row);
      return [];
    };
  }
  return undefined;
}
