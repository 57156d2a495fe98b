/**
 * A parse on two cores (issue 11): a worker thread scans the bytes into rows and checks every cell
 * (export-rows.ts, the same code a one-thread parse runs), while the calling thread folds the
 * valid rows into their groups (file-aggregation.ts). Of a 1M-row file of 600,000 account-days,
 * scanning and checking took 1.5 s and folding 2.3 s of a one-thread parse's 3.9 s (profiled).
 *
 * The file's bytes go to the worker in chunks of at most 1 MiB, each copied into a buffer that is
 * transferred there and back (at most `IN_FLIGHT` away at once, so memory stays bounded). The
 * worker answers each chunk with its valid rows packed as numbers: where the key and name cells
 * lie in that buffer — or in a copy of the few rows that straddle two chunks — and the line,
 * currency, version and money of the row. Problems are counted as they are found and listed once
 * at the end; the file's problems are then those of both threads, in line order (I2).
 *
 * A worker that fails or exits early fails the parse: the caller gets the error and nothing is staged.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { Currency } from '../domain/model';
import { CURRENCY_CODES, type MoneyCell } from './cell-parsers';
import { CsvRowScanner, type CsvRow } from './csv-row-scanner';
import { Problems, RowChecker, type ExportProblem, type ParseOptions, type RowSink } from './export-rows';
import type { FileAggregation, StagedExport } from './file-aggregation';
import { accountDayHash, groupHash } from './row-hash';
import type { KeyColumns } from './usage-aggregator';

/** How to start the worker thread that runs `parse-worker-entry` (bundled beside the CLI, or from source in tests). */
export interface ParseWorkerLauncher {
  start(data: ParseWorkerData): Worker;
}

/** What the worker is started with (`workerData`): the parse options, the time as milliseconds. */
export interface ParseWorkerData {
  fallbackVersion: number | null;
  nowMs: number | null;
  maxProblems: number;
}

/** The worker built as its own file (`parse-worker.cjs` beside the CLI bundle). */
export function parseWorkerFile(file: string): ParseWorkerLauncher {
  // No inherited node flags: the CLI may run under `-r` preloads meant for the main thread.
  return { start: (data) => new Worker(file, { workerData: data, execArgv: [] }) };
}

/**
 * The worker bundled into `directory` (`parse-worker.cjs`, built beside the CLI bundle), when
 * there is a second core for it; otherwise none, and files parse on one thread.
 */
export function parseWorkerBeside(directory: string): ParseWorkerLauncher | undefined {
  if (availableParallelism() < 2) return undefined;
  const file = join(directory, 'parse-worker.cjs');
  return existsSync(file) ? parseWorkerFile(file) : undefined;
}

/** Bytes per chunk sent to the worker. */
const CHUNK_BYTES = 1 << 20;
/** Chunks at the worker and not yet answered: bounds the memory the pipeline holds (4 MiB and their rows). */
const IN_FLIGHT = 4;
/**
 * Int32 per packed row: side (-1: the chunk), line, currency, the account-day's and the group's
 * hashes, then start and end of the six key and name cells.
 */
const INTS = 17;
/** Float64 per packed row: version, cost units and nanos, credit units and nanos. */
const FLOATS = 5;
/** Rows a batch's arrays hold at first (a 1 MiB chunk has ~2,500 rows of a real export). */
const BATCH_ROWS = 4096;

/** A chunk to scan, and the arrays of an answered batch, handed back for reuse (so the pipeline allocates nothing once running). */
type ToWorker = { chunk: ArrayBuffer; length: number; ints: ArrayBuffer | null; floats: ArrayBuffer | null } | { end: true };

interface RowsMessage {
  kind: 'rows';
  /** The chunk's buffer, handed back; null for the rows the end of the file completed. */
  chunk: ArrayBuffer | null;
  /** Set once, with the first batch after a usable header. */
  start: { columns: KeyColumns; width: number } | null;
  count: number;
  ints: Int32Array;
  floats: Float64Array;
  /** Copies of the buffers that rows straddling two chunks were read from. */
  sides: Uint8Array[];
  /** Problems the worker has found so far (a file with any writes no more spill runs). */
  problemCount: number;
}

interface DoneMessage {
  kind: 'done';
  rows: number;
  bytes: number;
  headerSeen: boolean;
  problems: ExportProblem[];
  problemCount: number;
}

type FromWorker = RowsMessage | DoneMessage;

/** The key and name cells of a row, in packing order. */
function keyCells(columns: KeyColumns): number[] {
  return [columns.account, columns.day, columns.service, columns.sku, columns.serviceName, columns.skuName];
}

/** The worker's side: valid rows packed into the batch answering the current chunk. */
class RowPacker implements RowSink {
  private cells: number[] = [];
  private columns: KeyColumns | null = null;
  private pendingStart: RowsMessage['start'] = null;
  /** The chunk being scanned: rows inside it are sent as offsets into it. */
  private chunk: ArrayBuffer | null = null;
  private count = 0;
  private ints = new Int32Array(INTS * BATCH_ROWS);
  private floats = new Float64Array(FLOATS * BATCH_ROWS);
  private sides: Uint8Array[] = [];
  private lastSide: Buffer | null = null;
  /** Arrays of answered batches, handed back. */
  private readonly spareInts: ArrayBuffer[] = [];
  private readonly spareFloats: ArrayBuffer[] = [];

  begin(chunk: ArrayBuffer | null): void {
    this.chunk = chunk;
  }

  /** Takes back the arrays of a batch the other thread has folded. */
  recycle(ints: ArrayBuffer | null, floats: ArrayBuffer | null): void {
    if (ints !== null) this.spareInts.push(ints);
    if (floats !== null) this.spareFloats.push(floats);
  }

  start(columns: KeyColumns, width: number): void {
    this.cells = keyCells(columns);
    this.columns = columns;
    this.pendingStart = { columns, width };
  }

  add(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell): void {
    if ((this.count + 1) * INTS > this.ints.length || (this.count + 1) * FLOATS > this.floats.length) this.grow();
    const buf = row.buf;
    let side = -1;
    let base = 0;
    if (buf.buffer === this.chunk) base = buf.byteOffset;
    else {
      // A row completed from a carried tail: its buffer is small and new, sent as a copy.
      if (buf !== this.lastSide) {
        const copy = new Uint8Array(buf.length);
        copy.set(buf);
        this.sides.push(copy);
        this.lastSide = buf;
      }
      side = this.sides.length - 1;
    }
    const ints = this.ints;
    let i = this.count * INTS;
    ints[i++] = side;
    ints[i++] = row.line;
    ints[i++] = CURRENCY_CODES.indexOf(currency);
    const dayHash = accountDayHash(row, this.columns!);
    ints[i++] = dayHash;
    ints[i++] = groupHash(row, this.columns!, dayHash);
    for (const c of this.cells) {
      ints[i++] = c < 0 ? 0 : base + row.starts[c]!;
      ints[i++] = c < 0 ? 0 : base + row.ends[c]!;
    }
    const floats = this.floats;
    const f = this.count * FLOATS;
    floats[f] = version;
    floats[f + 1] = cost.units;
    floats[f + 2] = cost.nanos;
    floats[f + 3] = credit.units;
    floats[f + 4] = credit.nanos;
    this.count++;
  }

  /** The batch so far, its arrays transferred; the next starts empty. */
  take(problemCount: number): { message: RowsMessage; transfer: ArrayBuffer[] } {
    const message: RowsMessage = {
      kind: 'rows',
      chunk: this.chunk,
      start: this.pendingStart,
      count: this.count,
      ints: this.ints.subarray(0, this.count * INTS),
      floats: this.floats.subarray(0, this.count * FLOATS),
      sides: this.sides,
      problemCount,
    };
    const transfer = [this.ints.buffer, this.floats.buffer, ...this.sides.map((s) => s.buffer as ArrayBuffer)];
    if (this.chunk !== null) transfer.push(this.chunk);
    this.pendingStart = null;
    this.chunk = null;
    this.count = 0;
    const ints = this.spareInts.pop();
    const floats = this.spareFloats.pop();
    this.ints = ints === undefined ? new Int32Array(INTS * BATCH_ROWS) : new Int32Array(ints);
    this.floats = floats === undefined ? new Float64Array(FLOATS * BATCH_ROWS) : new Float64Array(floats);
    this.sides = [];
    this.lastSide = null;
    return { message, transfer };
  }

  /** Room for twice the rows (a chunk of short rows holds more than BATCH_ROWS). */
  private grow(): void {
    const rows = 2 * Math.max(this.count, 1);
    const ints = new Int32Array(INTS * rows);
    ints.set(this.ints.subarray(0, this.count * INTS));
    this.ints = ints;
    const floats = new Float64Array(FLOATS * rows);
    floats.set(this.floats.subarray(0, this.count * FLOATS));
    this.floats = floats;
  }
}

/** Runs in the worker: scans and checks each chunk it is sent, answering with its valid rows. */
export function runParseWorker(port: MessagePort, data: ParseWorkerData): void {
  const options: ParseOptions = {
    fallbackVersion: data.fallbackVersion,
    maxProblems: data.maxProblems,
    ...(data.nowMs === null ? {} : { now: new Date(data.nowMs) }),
  };
  const problems = new Problems(data.maxProblems);
  const packer = new RowPacker();
  const checker = new RowChecker(options, problems, packer);
  const scanner = new CsvRowScanner((row) => checker.onRow(row));
  port.on('message', (message: ToWorker) => {
    if ('chunk' in message) {
      packer.recycle(message.ints, message.floats);
      packer.begin(message.chunk);
      scanner.push(Buffer.from(message.chunk, 0, message.length));
      const { message: rows, transfer } = packer.take(problems.count);
      port.postMessage(rows, transfer);
      return;
    }
    scanner.end();
    const { message: rows, transfer } = packer.take(problems.count);
    port.postMessage(rows, transfer);
    const done: DoneMessage = {
      kind: 'done',
      rows: checker.rows,
      bytes: scanner.bytes,
      headerSeen: checker.headerSeen,
      problems: problems.list,
      problemCount: problems.count,
    };
    port.postMessage(done);
  });
}

/** The calling thread's side: each batch's rows, unpacked into one reused row, folded in order. */
class RowUnpacker {
  private cells: number[] = [];
  private readonly row: CsvRow = {
    buf: Buffer.alloc(0),
    line: 0,
    fieldCount: 0,
    starts: new Int32Array(0),
    ends: new Int32Array(0),
    escaped: new Uint8Array(0),
    malformed: null,
  };
  private readonly cost: MoneyCell = { units: 0, nanos: 0 };
  private readonly credit: MoneyCell = { units: 0, nanos: 0 };

  constructor(private readonly aggregation: FileAggregation) {}

  fold(batch: RowsMessage): void {
    const row = this.row;
    if (batch.start !== null) {
      const { columns, width } = batch.start;
      this.cells = keyCells(columns);
      row.fieldCount = width;
      row.starts = new Int32Array(width);
      row.ends = new Int32Array(width);
      row.escaped = new Uint8Array(width);
      this.aggregation.start(columns);
    }
    const chunk = batch.chunk === null ? null : Buffer.from(batch.chunk);
    const sides = batch.sides.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength));
    const { ints, floats, count } = batch;
    const { cells, cost, credit } = this;
    for (let r = 0; r < count; r++) {
      let i = r * INTS;
      const side = ints[i++]!;
      row.buf = side === -1 ? chunk! : sides[side]!;
      row.line = ints[i++]!;
      const currency = CURRENCY_CODES[ints[i++]!]!;
      const dayHash = ints[i++]!;
      const hash = ints[i++]!;
      for (const c of cells) {
        if (c >= 0) {
          row.starts[c] = ints[i]!;
          row.ends[c] = ints[i + 1]!;
        }
        i += 2;
      }
      const f = r * FLOATS;
      cost.units = floats[f + 1]!;
      cost.nanos = floats[f + 2]!;
      credit.units = floats[f + 3]!;
      credit.nanos = floats[f + 4]!;
      this.aggregation.addHashed(row, currency, floats[f]!, cost, credit, dayHash, hash);
    }
  }
}

/** The worker's answers, one at a time; a failure of the worker fails the wait. */
class Inbox {
  private readonly queue: FromWorker[] = [];
  private failure: Error | null = null;
  private waiting: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | null = null;
  private finished = false;

  constructor(worker: Worker) {
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'done') this.finished = true;
      if (this.waiting !== null) {
        const waiting = this.waiting;
        this.waiting = null;
        waiting.resolve(message);
      } else this.queue.push(message);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.reject(this.failure);
    };
    worker.on('error', (error) => fail(new Error(`the parse worker failed: ${error.message}`, { cause: error })));
    worker.on('messageerror', (error) => fail(new Error(`a message from the parse worker could not be read: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.finished) fail(new Error(`the parse worker exited (code ${code}) before the end of the file`));
    });
  }

  next(): Promise<FromWorker> {
    const message = this.queue.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}

/**
 * Parses a file with the scan and checks on a worker and the folding here. `aggregation` makes the
 * file's folding (with its spill runs) from the problems found here and a test for any problem
 * found on either thread.
 */
export async function stageOnWorker(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ParseOptions,
  launcher: ParseWorkerLauncher,
  aggregation: (problems: Problems, anyProblem: () => boolean) => FileAggregation,
): Promise<StagedExport> {
  const maxProblems = options.maxProblems ?? 20;
  const problems = new Problems(maxProblems);
  let workerProblems = 0;
  const folding = aggregation(problems, () => problems.count + workerProblems > 0);
  const unpacker = new RowUnpacker(folding);
  const worker = launcher.start({ fallbackVersion: options.fallbackVersion, nowMs: options.now?.getTime() ?? null, maxProblems });
  const inbox = new Inbox(worker);
  const free: ArrayBuffer[] = [];
  const freeInts: ArrayBuffer[] = [];
  const freeFloats: ArrayBuffer[] = [];
  let inFlight = 0;
  let done: DoneMessage | null = null;
  const receive = async () => {
    const message = await inbox.next();
    if (message.kind === 'done') {
      done = message;
      return;
    }
    workerProblems = message.problemCount;
    unpacker.fold(message);
    freeInts.push(message.ints.buffer as ArrayBuffer);
    freeFloats.push(message.floats.buffer as ArrayBuffer);
    if (message.chunk !== null) {
      free.push(message.chunk);
      inFlight--;
    }
  };
  const post = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  try {
    for await (const chunk of chunks) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError('parseUsageExport expects byte chunks (Uint8Array), not decoded text');
      // Copied now: the source may reuse its buffer for the next chunk.
      for (let at = 0; at < chunk.byteLength; ) {
        while (inFlight >= IN_FLIGHT) await receive();
        const buffer = free.pop() ?? new ArrayBuffer(CHUNK_BYTES);
        const length = Math.min(buffer.byteLength, chunk.byteLength - at);
        new Uint8Array(buffer, 0, length).set(chunk.subarray(at, at + length));
        const ints = freeInts.pop() ?? null;
        const floats = freeFloats.pop() ?? null;
        post({ chunk: buffer, length, ints, floats }, [buffer, ...(ints === null ? [] : [ints]), ...(floats === null ? [] : [floats])]);
        inFlight++;
        at += length;
      }
    }
    post({ end: true });
    while (done === null) await receive();
    const finished: DoneMessage = done;
    problems.merge({ list: finished.problems, count: finished.problemCount });
    return folding.finish(finished.rows, finished.bytes, finished.headerSeen);
  } finally {
    await worker.terminate();
  }
}
