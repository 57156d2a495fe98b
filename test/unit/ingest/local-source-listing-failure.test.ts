/**
 * A directory that cannot be listed. Tests run as root here, and root lists any directory whatever
 * its permissions, so readdir's failure comes from a test double; stat and the directory are real.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExportPathError, listLocalExports } from '../../../shared/ingest/local-source';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, readdir: vi.fn(actual.readdir) };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-source-listing-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('listLocalExports of a directory it cannot list', () => {
  it('rejects with an ExportPathError naming the directory and the reason, keeping the cause (readdir failure from a test double)', async () => {
    const denied = Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' });
    vi.mocked(readdir).mockRejectedValueOnce(denied);

    const error = await listLocalExports(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExportPathError);
    expect(error).toMatchObject({ code: 'EXPORT_PATH', message: `${dir}: cannot list the directory: permission denied` });
    expect((error as Error).cause).toBe(denied);
  });
});
