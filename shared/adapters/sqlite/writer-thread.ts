/**
 * A SQLite connection on a worker thread that runs the statements of one write transaction while
 * the main thread prepares the next ones (issue 11): a large apply builds contents on one core,
 * and hashes the first-seen ones and writes the B-tree on the other. It decides nothing. The apply (usage-store.ts)
 * reads, compares and tallies on its own connection and sends only writes, in order; the
 * transaction commits when the apply says so, and a failure anywhere rolls all of it back.
 *
 * A request's parameters travel packed in one transferred buffer (`ParamPack`), not structured
 * clones: a chunk of 500 account-days is 3,000 parameters.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * How a run's parameters are packed: a tag byte, then a float64, or a uint32 length and bytes —
 * or nothing, for the SHA-256 of the parameter before it, computed by the writer.
 */
const TAG = { number: 1, text: 2, bytes: 3, null: 4, sha256: 5 } as const;

/**
 * The worker's code, plain CommonJS run with `eval` so that it needs no file of its own beside
 * the CLI bundle or the TypeScript sources. It loads better-sqlite3 from the path the main thread
 * resolved, and answers every request with the changes of each run (or the error, with its code).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.busySliceMs });
db.pragma('cache_size = -' + workerData.cacheKib);
const statements = new Map();
function unpack(buffer, count, state) {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const params = new Array(count);
  let at = state.at;
  for (let i = 0; i < count; i++) {
    const tag = buffer[at++];
    if (tag === ${TAG.number}) { params[i] = view.getFloat64(at, true); at += 8; continue; }
    if (tag === ${TAG.null}) { params[i] = null; continue; }
    if (tag === ${TAG.sha256}) { params[i] = Buffer.from(hash('sha256', params[i - 1], 'hex'), 'hex'); continue; }
    const length = view.getUint32(at, true);
    at += 4;
    params[i] = tag === ${TAG.text} ? buffer.toString('utf8', at, at + length) : new Uint8Array(buffer.buffer, buffer.byteOffset + at, length);
    at += length;
  }
  state.at = at;
  return params;
}
parentPort.on('message', (request) => {
  try {
    const answer = [];
    if (request.op === 'begin') db.exec('BEGIN IMMEDIATE');
    else if (request.op === 'commit') db.exec('COMMIT');
    else if (request.op === 'rollback') { if (db.inTransaction) db.exec('ROLLBACK'); }
    else if (request.op === 'close') { db.close(); }
    else {
      const buffer = Buffer.from(request.pack, 0, request.length);
      const state = { at: 0 };
      for (const run of request.runs) {
        let statement = statements.get(run.sql);
        if (statement === undefined) statements.set(run.sql, (statement = db.prepare(run.sql)));
        const info = statement.run(unpack(buffer, run.params, state));
        answer.push(info.changes, Number(info.lastInsertRowid));
      }
    }
    // The pack goes back to be filled again: no buffer per chunk waits here for a collection.
    if (request.pack !== undefined) parentPort.postMessage({ id: request.id, ok: true, answer, pack: request.pack }, [request.pack]);
    else parentPort.postMessage({ id: request.id, ok: true, answer });
  } catch (error) {
    parentPort.postMessage({ id: request.id, ok: false, code: error && error.code, message: String(error && error.message || error) });
  }
});
`;

/** Packs kept for reuse: what may be in flight at once (usage-store.ts WRITER_IN_FLIGHT) and one. */
const SPARE_PACKS = 5;

/** One statement run of a request: its SQL and how many packed parameters it takes. */
export interface WriterRun {
  sql: string;
  params: number;
}

/** What a run did: the rows it changed and, for an insert, the last rowid. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** An error from the writer thread, with better-sqlite3's code (SQLITE_BUSY…) kept for the busy wait. */
export class WriterError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/** Parameters packed for the writer thread, in the order the runs take them. */
export class ParamPack {
  buffer: Buffer;
  used = 0;

  /** `spare`: buffers the writer gave back, filled again before a new one is allocated. */
  constructor(private readonly spare: ArrayBuffer[] = []) {
    this.buffer = this.next(1 << 16);
  }

  private next(bytes: number): Buffer {
    const reused = this.spare.pop();
    return reused !== undefined && reused.byteLength >= bytes ? Buffer.from(reused) : Buffer.allocUnsafe(bytes);
  }

  /** Makes room for `bytes` more. */
  reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    const larger = this.next(Math.max(this.buffer.length * 2, this.used + bytes));
    this.buffer.copy(larger, 0, 0, this.used);
    this.buffer = larger;
  }

  number(value: number): void {
    this.reserve(9);
    this.buffer[this.used] = TAG.number;
    this.buffer.writeDoubleLE(value, this.used + 1);
    this.used += 9;
  }

  text(value: string): void {
    this.encoded(TAG.text, value, 'utf8', value.length * 3);
  }

  /**
   * Text as its UTF-8 bytes, for a parameter the statement casts to TEXT: the writer binds the
   * bytes as they are, with no string made on its side.
   */
  utf8Bytes(value: string): void {
    this.encoded(TAG.bytes, value, 'utf8', value.length * 3);
  }

  /** Bytes given as a latin1 string, one byte per character (content-bytes.ts); returns their view. */
  latin1Bytes(value: string): Buffer {
    const start = this.encoded(TAG.bytes, value, 'latin1', value.length);
    return this.buffer.subarray(start, this.used);
  }

  /**
   * The SHA-256 of the parameter packed just before (bytes), as its 32 bytes: computed by the
   * writer, so a first-seen content is hashed on its core (the digest of I1; `contentDigest` in hex).
   */
  sha256OfPrevious(): void {
    this.reserve(1);
    this.buffer[this.used++] = TAG.sha256;
  }

  /** Bytes given as hex text (a digest). */
  hexBytes(value: string): void {
    this.encoded(TAG.bytes, value, 'hex', value.length / 2);
  }

  /** A tagged, length-prefixed parameter: `value` written in `encoding` (at most `most` bytes); returns where its bytes start. */
  private encoded(tag: number, value: string, encoding: BufferEncoding, most: number): number {
    this.reserve(5 + most);
    const start = this.used + 5;
    const length = this.buffer.write(value, start, encoding);
    this.buffer[this.used] = tag;
    this.buffer.writeUInt32LE(length, this.used + 1);
    this.used = start + length;
    return start;
  }

  /**
   * The packed bytes, and an empty pack. The buffer itself is handed over (transferred to the
   * writer, not copied: a chunk of large account-days is megabytes); the pack starts a new one.
   * A buffer of this size owns its memory (Node pools only small ones), so no other view loses it.
   */
  take(): { bytes: ArrayBuffer; length: number } {
    const taken = { bytes: this.buffer.buffer as ArrayBuffer, length: this.used };
    this.buffer = this.next(this.buffer.length);
    this.used = 0;
    return taken;
  }
}

export interface WriterOptions {
  path: string;
  cacheKib: number;
  busySliceMs: number;
}

/**
 * Where better-sqlite3 is, for the worker to load the same copy: resolved from this module in the
 * CLI bundle (CommonJS), else from the main script or the working directory (the TypeScript
 * sources under tsx or vitest, run from the project).
 */
function sqliteModulePath(): string {
  const bases = [typeof __filename === 'string' ? __filename : undefined, process.argv[1], join(process.cwd(), 'index.js')];
  for (const base of bases) {
    if (base === undefined) continue;
    try {
      return createRequire(base).resolve('better-sqlite3');
    } catch {
      // not resolvable from there: the next base
    }
  }
  throw new Error(`cannot find better-sqlite3 for the SQLite writer thread (looked from ${bases.filter(Boolean).join(', ')})`);
}

/**
 * The main thread's end of the writer: requests go out in order and are answered in order; the
 * caller awaits an answer when it needs it (or to keep a bounded number in flight).
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (answer: number[]) => void; reject: (error: Error) => void }>();
  private failed: Error | null = null;
  /** Packs the thread has answered and given back, for `new ParamPack(writer.spare)` to reuse. */
  readonly spare: ArrayBuffer[] = [];

  constructor(options: WriterOptions) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...options, sqlite: sqliteModulePath() },
      // Not the parent's flags: under --input-type=module (or a TypeScript loader) the source
      // above would not run as the CommonJS it is.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.worker.on(
      'message',
      (message: { id: number; ok: boolean; answer?: number[]; pack?: ArrayBuffer; code?: string; message?: string }) => {
        if (message.pack !== undefined && this.spare.length < SPARE_PACKS) this.spare.push(message.pack);
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiting?.resolve(message.answer ?? []);
        else waiting?.reject(new WriterError(message.message ?? 'the SQLite writer thread failed', message.code));
      },
    );
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the SQLite writer thread exited (code ${code})`)));
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  private request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<number[]> {
    if (this.failed !== null) return Promise.reject(this.failed);
    const id = this.next++;
    const answer = new Promise<number[]>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ ...message, id }, transfer);
    return answer;
  }

  begin(): Promise<unknown> {
    return this.request({ op: 'begin' });
  }

  /** Runs statements with the packed parameters, in order after every earlier request. */
  async run(runs: readonly WriterRun[], pack: { bytes: ArrayBuffer; length: number }): Promise<RunResult[]> {
    const answer = await this.request({ op: 'run', runs, pack: pack.bytes, length: pack.length }, [pack.bytes]);
    const results: RunResult[] = [];
    for (let i = 0; i < answer.length; i += 2) results.push({ changes: answer[i]!, lastInsertRowid: answer[i + 1]! });
    return results;
  }

  commit(): Promise<unknown> {
    return this.request({ op: 'commit' });
  }

  rollback(): Promise<unknown> {
    return this.request({ op: 'rollback' });
  }

  /** Closes the connection and ends the thread. */
  async close(): Promise<void> {
    try {
      if (this.failed === null) await this.request({ op: 'close' });
    } finally {
      await this.worker.terminate();
    }
  }
}
