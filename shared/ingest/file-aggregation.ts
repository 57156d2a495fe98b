/**
 * The fold side of a parse (I4): valid rows folded into their (account, day, service, sku,
 * currency) groups, in bounded memory — past `maxGroups` the groups go to a sorted run on disk and
 * a fresh aggregator takes over — and, once every row is checked, the file's account-days staged
 * for the apply (I1: each with its version), or the file rejected (I2).
 */
import type { Currency } from '../domain/model';
import type { AccountDayBatch } from '../ports/store';
import type { MoneyCell } from './cell-parsers';
import type { CsvRow } from './csv-row-scanner';
import type { ExportProblem, Problems, RowSink } from './export-rows';
import { RawTextTable } from './raw-text';
import { accountDayBatches, type MergeProblem, type SpillRuns } from './spill-runs';
import { accountDayHash, groupHash } from './row-hash';
import { UsageAggregator, type KeyColumns } from './usage-aggregator';

type Rejected = { ok: false; rows: number; bytes: number; problems: ExportProblem[]; problemCount: number };

/**
 * A valid file's account-days, ready to apply: in memory, or merged from spill runs as they are
 * read (then iterating twice merges twice). Ascending (day, accountId), as the store applies them.
 * `dispose` removes the runs; call it once the apply is done, whatever its outcome.
 */
export interface StagedAccountDays extends Iterable<AccountDayBatch> {
  count: number;
  /** The largest version of any account-day (I1), null when there are none. */
  version: number | null;
  /** How many sorted runs the file was spilled into (0: it fitted in memory). */
  runs: number;
  /** Removes the runs, or gives back the aggregator's memory: the account-days cannot be read after. */
  dispose(): void;
}

export type StagedExport = { ok: true; rows: number; bytes: number; accountDays: StagedAccountDays } | Rejected;

export interface SpillOptions {
  /** Where the runs go (a private directory is made inside it): the function's /tmp, or the OS's. */
  directory: string;
  /**
   * Groups plus account-days held in memory before they are written to a run (bounds the parse's
   * memory: an account-day costs about as much as a group).
   */
  maxGroups: number;
  /**
   * Called after each run is written, when the groups it held have become garbage: the ingest
   * passes a full garbage collection, so the heap shrinks back instead of growing lazily.
   */
  afterSpill?: () => void;
}

export class FileAggregation implements RowSink {
  /** Created once the header is known to be usable. */
  private aggregator: UsageAggregator | null = null;
  private columns: KeyColumns | null = null;
  private readonly maxGroups: number;
  /** Ids and names seen, shared by every aggregator of the file (bounded by its own limit). */
  private readonly texts = new RawTextTable();

  /**
   * `anyProblem` tells whether the file already has a problem, wherever it was found: a file that
   * will be rejected writes no more runs.
   */
  constructor(
    private readonly problems: Problems,
    private readonly runs: SpillRuns | null,
    private readonly spill: SpillOptions | undefined,
    private readonly anyProblem: () => boolean = () => problems.count > 0,
  ) {
    this.maxGroups = spill?.maxGroups ?? Number.POSITIVE_INFINITY;
  }

  start(columns: KeyColumns): void {
    this.columns = columns;
    this.aggregator = this.newAggregator();
  }

  add(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell): void {
    const dayHash = accountDayHash(row, this.columns!);
    this.addHashed(row, currency, version, cost, credit, dayHash, groupHash(row, this.columns!, dayHash));
  }

  /** `add` with the row's hashes computed already (by the parse worker). */
  addHashed(row: CsvRow, currency: Currency, version: number, cost: MoneyCell, credit: MoneyCell, dayHash: number, hash: number): void {
    const aggregator = this.aggregator!;
    const problem = aggregator.addHashed(row, currency, version, cost, credit, dayHash, hash);
    if (problem !== null) this.problems.add(row.line, problem.column, problem.reason);
    // Bounded memory (I4): a full aggregator goes to a sorted run and a fresh one takes over. A
    // file with problems is rejected anyway: its groups are dropped instead (rows are still
    // checked; a second currency is then only caught within what is held).
    if (aggregator.groups + aggregator.accountDayCount >= this.maxGroups) {
      if (!this.anyProblem() && this.runs !== null) this.runs.write(aggregator.partials());
      aggregator.dispose();
      this.aggregator = this.newAggregator();
      this.spill?.afterSpill?.();
    }
  }

  /** The file after its last row: staged, or rejected with every problem found (`problems` holds them all by now). */
  finish(rows: number, bytes: number, headerSeen: boolean): StagedExport {
    if (!headerSeen) this.problems.add(1, null, 'empty file: no header row');
    if (this.problems.count > 0) return this.rejected(rows, bytes);
    if (this.runs !== null && this.runs.count > 0) return this.finishRuns(this.runs, rows, bytes);
    const finished = this.aggregator?.finish() ?? null;
    // A group whose sum does not fit Decimal(22,9) cannot be stored: the file is rejected (I2).
    for (const o of finished?.overflows ?? []) {
      this.problems.add(
        o.line,
        o.column,
        `the sum of ${o.column} of ${o.accountId} ${o.day} ${o.serviceId}/${o.skuId} (first row here) does not fit Decimal(22,9)`,
      );
    }
    if (this.problems.count > 0) return this.rejected(rows, bytes);
    const aggregator = this.aggregator;
    const accountDays: StagedAccountDays = {
      count: finished?.accountDays ?? 0,
      version: finished?.version ?? null,
      runs: 0,
      [Symbol.iterator]: () => finished?.batches() ?? [][Symbol.iterator](),
      dispose: () => aggregator?.dispose(),
    };
    return { ok: true, rows, bytes, accountDays };
  }

  /**
   * A spilled file: the last groups become a run too, then one merge checks what only merged sums
   * can show (currencies, Decimal(22,9)) and counts; applying merges again, as the store reads.
   */
  private finishRuns(runs: SpillRuns, rows: number, bytes: number): StagedExport {
    if (this.aggregator !== null) runs.write(this.aggregator.partials());
    this.dispose();
    const onProblem = (p: MergeProblem) => this.problems.add(p.line, p.column, p.reason);
    let count = 0;
    let version: number | null = null;
    for (const batch of accountDayBatches(runs.merged(), onProblem)) {
      count++;
      if (version === null || batch.version > version) version = batch.version;
    }
    if (this.problems.count > 0) return this.rejected(rows, bytes);
    const accountDays: StagedAccountDays = {
      count,
      version,
      runs: runs.count,
      [Symbol.iterator]: () =>
        accountDayBatches(runs.merged(), (p) => {
          throw new Error(`spill runs changed between two merges: ${p.reason}`);
        }),
      dispose: () => runs.dispose(),
    };
    return { ok: true, rows, bytes, accountDays };
  }

  private rejected(rows: number, bytes: number): Rejected {
    this.dispose();
    // Problems found by the merge come after the rows'; an operator reads them in line order.
    const problems = [...this.problems.list].sort((a, b) => a.line - b.line);
    return { ok: false, rows, bytes, problems, problemCount: this.problems.count };
  }

  /** Gives back the aggregator's memory (a garbage collection does not count it, see resizable-column.ts). */
  dispose(): void {
    this.aggregator?.dispose();
    this.aggregator = null;
  }

  /** Its columns reserve room for the most entries it can hold before spilling (none without a spill bound). */
  private newAggregator(): UsageAggregator {
    return new UsageAggregator(this.columns!, this.texts, Number.isFinite(this.maxGroups) ? this.maxGroups + 1 : undefined);
  }
}
