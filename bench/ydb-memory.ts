/**
 * `npm run bench -- --ydb-memory [ROWS]` (bench/ingest-bench.ts): the CLI ingest's peak RSS into
 * YDB — the protocol fake (test/ydb/serve-fake.ts) in a process of its own, so only the CLI's
 * memory is measured — for two files, each into a fresh store:
 * - the first ROWS rows (default 200,000) of the `backfill` export: nearly one account-day per
 *   row, held in memory whole (below the YDB spill bound);
 * - the whole `backfill-wide` export: 600,030 account-days of one group each, past the spill bound,
 *   so it is applied from merged runs.
 * The fake's speed says nothing about a real server's; the peak RSS is the CLI's own.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import type { ShapeName } from './export-generator';

/** One measured YDB ingest: what `--ydb-memory` reports per file (the JSON's `ydbMemory`, `ydbMemoryWide`). */
export interface YdbMemoryResult {
  shape: ShapeName;
  /** Data rows of the file ingested. */
  rows: number;
  accountDays: number;
  status: string;
  /** Wall time of the CLI ingest against the fake. */
  seconds: number;
  peakRssMb: number;
}

/** A CLI run from its bundle (ingest-bench.ts runCli): wall seconds, peak RSS, JSON answer. */
export type RunCli = (
  args: string[],
  storeEnv: Record<string, string>,
) => { seconds: number; peakRssMb: number; json: Record<string, unknown> };

/** `file` cut to its header and first `rows` rows, written once beside it. */
export function firstRowsOf(file: string, rows: number): string {
  const cut = file.replace(/\.csv$/, `-first-${rows}.csv`);
  if (!existsSync(cut)) writeFileSync(cut, firstLines(file, rows + 1));
  return cut;
}

/** The first `count` lines of a file (the header and rows), read only as far as they go. */
function firstLines(path: string, count: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let lines = 0;
    for (;;) {
      const chunk = Buffer.alloc(1 << 20);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      for (let i = chunk.indexOf(10); i !== -1 && i < read; i = chunk.indexOf(10, i + 1))
        if (++lines === count) {
          chunks.push(chunk.subarray(0, i + 1));
          return Buffer.concat(chunks);
        }
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** Migrates a fresh fake and ingests `file` into it with the CLI; the fake is stopped after. */
export async function measureYdbIngest(
  root: string,
  runCli: RunCli,
  file: string,
  shape: ShapeName,
  rows: number,
): Promise<YdbMemoryResult> {
  // No heap flag: the fake of a 600,000-account-day store peaks near 1.1 GB RSS, within Node's default.
  const server = spawn(process.execPath, ['--import', 'tsx', `${root}/test/ydb/serve-fake.ts`], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const address = await new Promise<string>((resolvePromise, reject) => {
      let out = '';
      server.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolvePromise(out.trim());
      });
      server.on('exit', (code) => reject(new Error(`the YDB fake exited with ${code}`)));
    });
    const env = {
      REBATES_STORE: 'ydb',
      YDB_ENDPOINT: address.replace(/\/local$/, ''),
      YDB_DATABASE: '/local',
      YDB_ANONYMOUS_CREDENTIALS: '1',
    };
    runCli(['migrate'], env);
    const ingest = runCli(['ingest', file], env);
    const files = ingest.json['files'] as { status: string; accountDaysApplied: number }[];
    return {
      shape,
      rows,
      accountDays: files[0]?.accountDaysApplied ?? 0,
      status: files[0]?.status ?? 'none',
      seconds: Math.round(ingest.seconds * 100) / 100,
      peakRssMb: Math.round(ingest.peakRssMb * 10) / 10,
    };
  } finally {
    server.kill('SIGTERM');
  }
}
