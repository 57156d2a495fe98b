/**
 * An in-process fake of the YDB gRPC API (discovery + table service) on @grpc/grpc-js with the
 * real `ydb-sdk-proto` messages, so the adapter runs through the real SDK and wire format.
 *
 * It records every request; checks for every data query that each `$param` used is DECLAREd
 * with exactly the type sent (a mismatch fails the call and is kept in `violations`); executes
 * the adapter's fixed query set over in-memory tables; and can inject statuses, truncate results
 * and pause calls so tests can act "between the steps" of an adapter operation.
 */
import { Server, ServerCredentials, type Metadata, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { queryName } from '../../../shared/adapters/ydb/queries';
import { YdbProto } from '../../../shared/adapters/ydb/sdk';
import { declaredParams, usedParams } from '../yql-lint';
import type { RequestCost } from './cost-meter';
import { FakeEngine, FakeStatusError, type FakeTx } from './engine';
import { tableService } from './table-service';
import { parseType, renderType, typeFromProto, decodeValue, type FakeValue } from './yql-types';

export type StatusName =
  | 'OVERLOADED'
  | 'UNAVAILABLE'
  | 'ABORTED'
  | 'BAD_SESSION'
  | 'SCHEME_ERROR'
  | 'PRECONDITION_FAILED'
  | 'INTERNAL_ERROR'
  | 'GENERIC_ERROR';

export interface RecordedRequest {
  method: string;
  /** The `-- name:` of an ExecuteDataQuery, or the table of a BulkUpsert. */
  target?: string;
  request: Record<string, unknown>;
  /** The `x-ydb-auth-ticket` header the call carried (the token credentials send). */
  authTicket?: string;
}

interface Rule {
  method: string;
  target?: string;
  remaining: number;
  /** Matching calls to let through before the rule applies. */
  skip?: number;
}

export interface FakeSession {
  txs: Map<string, FakeTx>;
}

/** A unary method: decode request, run handler, encode response (an Operation wrapper). */
interface MethodSpec {
  request: { decode(buf: Uint8Array): unknown };
  response: { encode(m: never): { finish(): Uint8Array } };
  handle(request: never): Promise<unknown>;
}

export class FakeYdb {
  readonly engine = new FakeEngine();
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  /** The estimated cost of every data query and BulkUpsert served (see cost-meter.ts). */
  readonly costs: RequestCost[] = [];
  readonly sessions = new Map<string, FakeSession>();
  private readonly failures: (Rule & { status: StatusName })[] = [];
  private readonly failuresAfter: (Rule & { status: StatusName })[] = [];
  private readonly truncations: (Rule & { rows: number })[] = [];
  private readonly pauses: (Rule & { reached: () => void; release: Promise<void> })[] = [];
  private server: Server | undefined;
  private nextId = 1;
  private callTicket: string | undefined;
  port = 0;

  /**
   * `record: false` keeps no requests (`requests` and `calls` stay empty): a standalone server
   * (serve-fake.ts) that nobody inspects, whose BulkUpsert payloads would otherwise pile up.
   */
  constructor(
    readonly database = '/local',
    private readonly options: { record?: boolean } = {},
  ) {}

  get endpoint(): string {
    return `grpc://127.0.0.1:${this.port}`;
  }

  newId(prefix: string): string {
    return `${prefix}-${this.nextId++}`;
  }

  /** Fails the next `times` calls of `method` (optionally only for one query / table, after `skip` matching calls) with `status`. */
  fail(method: string, status: StatusName, options: { target?: string; times?: number; skip?: number } = {}): void {
    this.failures.push({ method, status, target: options.target, remaining: options.times ?? 1, skip: options.skip ?? 0 });
  }

  /** Executes (and commits) the next matching call, then answers `status`: an answer lost in transit. */
  failAfter(method: string, status: StatusName, options: { target?: string; times?: number } = {}): void {
    this.failuresAfter.push({ method, status, target: options.target, remaining: options.times ?? 1 });
  }

  /** Called by a method after it did its work: throws the "lost answer" status if one is due. */
  afterWork(method: string, target: string | undefined): void {
    const failure = this.take(this.failuresAfter, method, target);
    if (failure)
      throw new FakeStatusError(failure.status, `injected ${failure.status} after ${method}${target ? ` ${target}` : ''} was done`);
  }

  /** Cuts the next results of a query to `rows` rows, flagged truncated, as YDB does past its limit. */
  truncate(target: string, rows: number, times = Number.POSITIVE_INFINITY): void {
    this.truncations.push({ method: 'ExecuteDataQuery', target, rows, remaining: times });
  }

  /** Holds the next matching call until `release()`; `reached` resolves when it arrives. */
  pause(method: string, target?: string): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.pauses.push({ method, target, remaining: 1, reached, release: released });
    return { reached: reachedPromise, release };
  }

  calls(method: string, target?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (target === undefined || r.target === target));
  }

  private take<T extends Rule>(rules: T[], method: string, target: string | undefined): T | undefined {
    const rule = rules.find((r) => r.remaining > 0 && r.method === method && (r.target === undefined || r.target === target));
    if (rule && (rule.skip ?? 0) > 0) {
      rule.skip = (rule.skip ?? 0) - 1;
      return undefined;
    }
    if (rule) rule.remaining -= 1;
    return rule;
  }

  /** Every request passes here first: recorded, possibly paused, possibly failed. */
  async intercept(method: string, target: string | undefined, request: Record<string, unknown>): Promise<void> {
    if (this.options.record !== false)
      this.requests.push({ method, target, request, ...(this.callTicket === undefined ? {} : { authTicket: this.callTicket }) });
    const pause = this.take(this.pauses, method, target);
    if (pause) {
      pause.reached();
      await pause.release;
    }
    const failure = this.take(this.failures, method, target);
    if (failure) throw new FakeStatusError(failure.status, `injected ${failure.status} on ${method}${target ? ` ${target}` : ''}`);
  }

  truncationFor(target: string): number | undefined {
    return this.take(this.truncations, 'ExecuteDataQuery', target)?.rows;
  }

  /** DECLARE check: every used $param declared, every sent one declared with exactly its type. */
  checkParameters(text: string, parameters: Record<string, { type?: unknown; value?: unknown }>): Record<string, FakeValue> {
    const name = queryName(text);
    const declared = declaredParams(text);
    const problems: string[] = [];
    for (const used of usedParams(text)) if (!declared.has(used)) problems.push(`${used} is used but not DECLAREd`);
    const values: Record<string, FakeValue> = {};
    for (const [param, typeText] of declared) {
      const sent = parameters[param];
      if (!sent?.type) {
        problems.push(`${param} is DECLAREd as ${typeText} but was not sent`);
        continue;
      }
      const want = renderType(parseType(typeText));
      const type = typeFromProto(sent.type as never);
      if (renderType(type) !== want) problems.push(`${param} is DECLAREd as ${want} but sent as ${renderType(type)}`);
      else values[param] = decodeValue(type, (sent.value ?? {}) as never);
    }
    for (const param of Object.keys(parameters)) if (!declared.has(param)) problems.push(`${param} was sent but is not DECLAREd`);
    if (problems.length > 0) {
      this.violations.push(...problems.map((p) => `${name}: ${p}`));
      throw new FakeStatusError('GENERIC_ERROR', `${name}: ${problems.join('; ')}`);
    }
    return values;
  }

  async start(): Promise<this> {
    const server = new Server();
    const methods = tableService(this);
    const definition: Record<string, ServiceDefinition[string]> = {};
    const implementation: UntypedServiceImplementation = {};
    for (const [path, spec] of Object.entries(methods)) {
      definition[path] = {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: unknown) => Buffer.from(value as Uint8Array),
        requestDeserialize: (bytes: Buffer) => spec.request.decode(bytes),
        responseSerialize: (value: unknown) => Buffer.from(spec.response.encode(value as never).finish()),
        responseDeserialize: (bytes: Buffer) => bytes,
      };
      implementation[path] = (call: { request: unknown; metadata: Metadata }, callback: (error: null, value: unknown) => void) => {
        // Read synchronously by intercept(), before the handler's first await.
        const ticket = call.metadata.get('x-ydb-auth-ticket')[0];
        this.callTicket = ticket === undefined ? undefined : String(ticket);
        spec.handle(call.request as never).then(
          (value) => callback(null, value),
          (error: unknown) => callback(null, operationFailure(error)),
        );
      };
    }
    server.addService(definition, implementation);
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
}

/** Any failure becomes an operation with a YDB status (what the SDK turns into a YdbError). */
export function operationFailure(error: unknown): { operation: unknown } {
  const status = error instanceof FakeStatusError ? error.status : 'INTERNAL_ERROR';
  const message = error instanceof Error ? error.message : String(error);
  const code = YdbProto.StatusIds.StatusCode[status as keyof typeof YdbProto.StatusIds.StatusCode];
  return { operation: { id: '', ready: true, status: code, issues: [{ message, severity: 1 }] } };
}

export type { MethodSpec };
