/**
 * The fake's RPC methods: discovery ListEndpoints and the table service calls the SDK makes for
 * the adapter (sessions, data queries in transactions, scheme queries, BulkUpsert, DescribeTable).
 */
import type { Ydb } from 'ydb-sdk-proto';
import { YdbProto } from '../../../shared/adapters/ydb/sdk';
import { Meter } from './cost-meter';
import { FakeStatusError, resultType, type Column } from './engine';
import type { FakeSession, FakeYdb, MethodSpec } from './fake-ydb';
import { HANDLERS, testHandler, type ResultSetSpec } from './queries';
import { decodeValue, encodeValue, typeFromProto, typeToProto, type FakeValue } from './yql-types';

const T = YdbProto.Table;
const TABLE = '/Ydb.Table.V1.TableService';
const ROW_LIMIT = 1000;

interface Encodable<M> {
  encode(message: M): { finish(): Uint8Array };
  create(properties?: object): M;
}

function ok<M>(type?: Encodable<M>, typeName?: string, result?: object) {
  const operation: Ydb.Operations.IOperation = { id: '', ready: true, status: YdbProto.StatusIds.StatusCode.SUCCESS };
  if (type && typeName)
    operation.result = { type_url: `type.googleapis.com/${typeName}`, value: type.encode(type.create(result)).finish() };
  return { operation };
}

function method<Req>(
  request: { decode(buf: Uint8Array): Req },
  response: { encode(m: never): { finish(): Uint8Array } },
  handle: (req: Req) => Promise<unknown>,
): MethodSpec {
  return { request, response, handle: handle as (req: never) => Promise<unknown> };
}

/** The table name of a full path (`/local/usage_aggregates` → `usage_aggregates`). */
const tableName = (path: string | null | undefined) => (path ?? '').split('/').filter(Boolean).pop() ?? '';

function encodeResultSet(spec: ResultSetSpec, limit: number): Ydb.IResultSet {
  const truncated = spec.rows.length > limit;
  const rows = truncated ? spec.rows.slice(0, limit) : spec.rows;
  return {
    columns: spec.columns.map(([name, type]) => ({ name, type: typeToProto(type) })),
    rows: rows.map((row) => ({ items: row.map((cell, i) => encodeValue(spec.columns[i]?.[1] ?? { kind: 'prim', name: 'Utf8' }, cell)) })),
    truncated,
  };
}

export function tableService(fake: FakeYdb): Record<string, MethodSpec> {
  const session = (id: string | null | undefined): FakeSession => {
    const found = fake.sessions.get(id ?? '');
    if (!found) throw new FakeStatusError('BAD_SESSION', `Session not found: ${id ?? ''}`);
    return found;
  };
  /** Recording + injection; an injected BAD_SESSION also kills the session, as on a real node. */
  const intercept = async (name: string, target: string | undefined, request: object, sessionId?: string | null) => {
    try {
      await fake.intercept(name, target, request as Record<string, unknown>);
    } catch (error) {
      if (error instanceof FakeStatusError && error.status === 'BAD_SESSION' && sessionId) fake.sessions.delete(sessionId);
      throw error;
    }
  };

  return {
    '/Ydb.Discovery.V1.DiscoveryService/ListEndpoints': method(
      YdbProto.Discovery.ListEndpointsRequest,
      YdbProto.Discovery.ListEndpointsResponse,
      async (req) => {
        await intercept('ListEndpoints', undefined, req);
        return ok(YdbProto.Discovery.ListEndpointsResult, 'Ydb.Discovery.ListEndpointsResult', {
          endpoints: [{ address: '127.0.0.1', port: fake.port, ssl: false }],
          selfLocation: 'fake',
        });
      },
    ),

    [`${TABLE}/CreateSession`]: method(T.CreateSessionRequest, T.CreateSessionResponse, async (req) => {
      await intercept('CreateSession', undefined, req);
      const sessionId = fake.newId('ydb://session/fake');
      fake.sessions.set(sessionId, { txs: new Map() });
      return ok(T.CreateSessionResult, 'Ydb.Table.CreateSessionResult', { sessionId });
    }),

    [`${TABLE}/DeleteSession`]: method(T.DeleteSessionRequest, T.DeleteSessionResponse, async (req) => {
      await intercept('DeleteSession', undefined, req);
      fake.sessions.delete(req.sessionId);
      return ok();
    }),

    [`${TABLE}/KeepAlive`]: method(T.KeepAliveRequest, T.KeepAliveResponse, async (req) => {
      await intercept('KeepAlive', undefined, req, req.sessionId);
      session(req.sessionId);
      return ok(T.KeepAliveResult, 'Ydb.Table.KeepAliveResult', { sessionStatus: T.KeepAliveResult.SessionStatus.SESSION_STATUS_READY });
    }),

    [`${TABLE}/ExecuteSchemeQuery`]: method(T.ExecuteSchemeQueryRequest, T.ExecuteSchemeQueryResponse, async (req) => {
      await intercept('ExecuteSchemeQuery', undefined, req, req.sessionId);
      session(req.sessionId);
      fake.engine.createTable(req.yqlText);
      return ok();
    }),

    [`${TABLE}/CreateTable`]: method(T.CreateTableRequest, T.CreateTableResponse, async (req) => {
      const name = tableName(req.path);
      await intercept('CreateTable', name, req, req.sessionId);
      session(req.sessionId);
      const columns: Column[] = (req.columns ?? []).map((c) => {
        const type = typeFromProto(c.type ?? {});
        return type.kind === 'optional'
          ? { name: c.name ?? '', type: type.item, notNull: false }
          : { name: c.name ?? '', type, notNull: true };
      });
      const key = req.primaryKey ?? [];
      if (key.length === 0 || key.some((k) => !columns.some((c) => c.name === k)))
        throw new FakeStatusError('SCHEME_ERROR', `table ${name}: primary key (${key.join(', ')}) must name declared columns`);
      const indexes = (req.indexes ?? []).map((i) => ({ name: i.name ?? '', columns: i.indexColumns ?? [] }));
      for (const index of indexes) {
        if (index.columns.some((c) => !columns.some((col) => col.name === c)))
          throw new FakeStatusError('SCHEME_ERROR', `table ${name}: index ${index.name} names an unknown column`);
      }
      fake.engine.createFromSchema({
        name,
        columns,
        key,
        indexes,
        partitioning: (req.partitioningSettings ?? {}) as Record<string, unknown>,
      });
      return ok();
    }),

    [`${TABLE}/DescribeTable`]: method(T.DescribeTableRequest, T.DescribeTableResponse, async (req) => {
      await intercept('DescribeTable', tableName(req.path), req, req.sessionId);
      session(req.sessionId);
      const schema = fake.engine.schema(tableName(req.path));
      return ok(T.DescribeTableResult, 'Ydb.Table.DescribeTableResult', {
        self: { name: schema.name },
        columns: schema.columns.map((c) => ({ name: c.name, type: typeToProto(resultType(c)) })),
        primaryKey: schema.key,
        indexes: (schema.indexes ?? []).map((i) => ({ name: i.name, indexColumns: i.columns })),
        ...(schema.partitioning ? { partitioningSettings: schema.partitioning } : {}),
      });
    }),

    [`${TABLE}/BeginTransaction`]: method(T.BeginTransactionRequest, T.BeginTransactionResponse, async (req) => {
      await intercept('BeginTransaction', undefined, req, req.sessionId);
      const id = fake.newId('tx');
      session(req.sessionId).txs.set(id, fake.engine.begin(req.txSettings?.serializableReadWrite ? 'serializable' : 'snapshot'));
      return ok(T.BeginTransactionResult, 'Ydb.Table.BeginTransactionResult', { txMeta: { id } });
    }),

    [`${TABLE}/CommitTransaction`]: method(T.CommitTransactionRequest, T.CommitTransactionResponse, async (req) => {
      await intercept('CommitTransaction', undefined, req, req.sessionId);
      const txs = session(req.sessionId).txs;
      const tx = txs.get(req.txId);
      if (!tx) throw new FakeStatusError('NOT_FOUND', `Transaction not found: ${req.txId}`);
      txs.delete(req.txId);
      tx.commit();
      return ok(T.CommitTransactionResult, 'Ydb.Table.CommitTransactionResult', {});
    }),

    [`${TABLE}/RollbackTransaction`]: method(T.RollbackTransactionRequest, T.RollbackTransactionResponse, async (req) => {
      await intercept('RollbackTransaction', undefined, req, req.sessionId);
      const txs = session(req.sessionId).txs;
      txs.get(req.txId)?.rollback();
      txs.delete(req.txId);
      return ok();
    }),

    [`${TABLE}/BulkUpsert`]: method(T.BulkUpsertRequest, T.BulkUpsertResponse, async (req) => {
      const name = tableName(req.table);
      await intercept('BulkUpsert', name, req);
      const listType = req.rows?.type ? typeFromProto(req.rows.type) : undefined;
      if (listType?.kind !== 'list') throw new FakeStatusError('BAD_REQUEST', 'BulkUpsert rows must be a list');
      const rows = decodeValue(listType, req.rows?.value ?? {}) as Record<string, FakeValue>[];
      const meter = new Meter();
      fake.engine.bulkUpsert(name, listType.item, rows, meter);
      fake.costs.push(meter.cost('BulkUpsert', name));
      fake.afterWork('BulkUpsert', name);
      return ok(T.BulkUpsertResult, 'Ydb.Table.BulkUpsertResult', {});
    }),

    [`${TABLE}/ExecuteDataQuery`]: method(T.ExecuteDataQueryRequest, T.ExecuteDataQueryResponse, async (req) => {
      const text = req.query?.yqlText ?? '';
      const name = /^-- name: ([a-z0-9_]+)\n/.exec(text)?.[1];
      await intercept('ExecuteDataQuery', name, req, req.sessionId);
      const owner = session(req.sessionId);
      const params = fake.checkParameters(text, req.parameters as Record<string, Ydb.ITypedValue>);
      const handler = name ? (HANDLERS[name] ?? testHandler(name)) : undefined;
      if (!handler) throw new FakeStatusError('GENERIC_ERROR', `the fake does not know query "${name ?? text.slice(0, 40)}"`);
      const control = req.txControl;
      let txId = control?.txId ?? undefined;
      let tx = txId ? owner.txs.get(txId) : undefined;
      if (txId && !tx) throw new FakeStatusError('NOT_FOUND', `Transaction not found: ${txId}`);
      if (!tx) {
        if (!control?.beginTx) throw new FakeStatusError('BAD_REQUEST', 'tx_control has neither tx_id nor begin_tx');
        tx = fake.engine.begin(control.beginTx.serializableReadWrite ? 'serializable' : 'snapshot');
        txId = fake.newId('tx');
        owner.txs.set(txId, tx);
      }
      let sets: ResultSetSpec[];
      const meter = new Meter();
      tx.meter = meter;
      try {
        sets = handler({ params, tx, engine: fake.engine });
        if (control?.commitTx) {
          owner.txs.delete(txId ?? '');
          tx.commit();
        }
      } catch (error) {
        // A failed query invalidates its transaction, as in YDB.
        tx.rollback();
        owner.txs.delete(txId ?? '');
        throw error;
      } finally {
        fake.costs.push(meter.cost('ExecuteDataQuery', name));
      }
      fake.afterWork('ExecuteDataQuery', name);
      const limit = Math.min(ROW_LIMIT, fake.truncationFor(name ?? '') ?? ROW_LIMIT);
      return ok(T.ExecuteQueryResult, 'Ydb.Table.ExecuteQueryResult', {
        resultSets: sets.map((set) => encodeResultSet(set, limit)),
        txMeta: control?.commitTx ? undefined : { id: txId },
      });
    }),
  };
}
