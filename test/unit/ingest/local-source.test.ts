/**
 * Export files on the local disk (shared/ingest/local-source.ts): real files, directories and
 * symlinks in a temporary directory.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportPathError, describeFsError, listLocalExports } from '../../../shared/ingest/local-source';
import { ExportReadError, type ExportObject } from '../../../shared/ports/export-source';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-source-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function read(object: ExportObject): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of object.open()) chunks.push(Buffer.from(chunk));
  return chunks;
}

async function readError(object: ExportObject): Promise<unknown> {
  try {
    await read(object);
  } catch (error) {
    return error;
  }
  throw new Error(`${object.key} was read although it should fail`);
}

async function listError(path: string): Promise<unknown> {
  try {
    await listLocalExports(path);
  } catch (error) {
    return error;
  }
  throw new Error(`${path} was listed although it should fail`);
}

describe('describeFsError', () => {
  it('names each file-system error code an operator meets in words', () => {
    const codes = ['ENOENT', 'ELOOP', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR'];
    expect(codes.map((code) => describeFsError(Object.assign(new Error(`raw ${code}`), { code })))).toEqual([
      'no such file or directory',
      'symbolic link loop (the link points back at itself)',
      'permission denied',
      'permission denied',
      'is a directory',
      'a part of the path is not a directory',
    ]);
  });

  it("falls back to an unknown error's own message, or its text when it is not an Error", () => {
    expect(describeFsError(Object.assign(new Error('disk on fire'), { code: 'EIO' }))).toBe('disk on fire');
    expect(describeFsError('plain text')).toBe('plain text');
    expect(describeFsError(null)).toBe('null');
    expect(describeFsError(undefined)).toBe('undefined');
  });
});

describe('listLocalExports of a file', () => {
  it('versions the file by size and mtime and streams its exact bytes in chunks of at most 1 MiB', async () => {
    const path = join(dir, 'export.csv');
    const content = Buffer.alloc(3 * (1 << 20) + 5, 'x');
    content.write('header\n', 0);
    writeFileSync(path, content);
    // A modification time with a fraction of a millisecond: both versions are whole numbers.
    utimesSync(path, 1773565200.7004, 1773565200.7004);

    const objects = await listLocalExports(path);
    expect(objects).toHaveLength(1);
    const [object] = objects as [ExportObject];
    expect(object.key).toBe(path);
    expect(object.etag).toBe(`${content.length}-1773565200700`);
    expect(object.lastModified).toBe(1773565200);

    const chunks = await read(object);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(chunks.map((c) => c.length)).toEqual([1 << 20, 1 << 20, 1 << 20, 5]);
    // Each open() reads the file afresh.
    expect(Buffer.concat(await read(object)).equals(content)).toBe(true);
  });

  it('fails the read, not the listing, with an ExportReadError when the file is gone by then', async () => {
    const path = join(dir, 'gone.csv');
    writeFileSync(path, 'a\n');
    const [object] = (await listLocalExports(path)) as [ExportObject];
    rmSync(path);

    const error = await readError(object);
    expect(error).toBeInstanceOf(ExportReadError);
    expect((error as Error).message).toBe(`cannot read ${path}: no such file or directory`);
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a path that does not exist with an ExportPathError that keeps the cause', async () => {
    const path = join(dir, 'missing.csv');
    const error = await listError(path);
    expect(error).toBeInstanceOf(ExportPathError);
    expect(error).toMatchObject({ code: 'EXPORT_PATH', message: `${path}: no such file or directory` });
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a path that is neither a file nor a directory (a device)', async () => {
    const error = await listError('/dev/null');
    expect(error).toBeInstanceOf(ExportPathError);
    expect((error as Error).message).toBe('/dev/null: not a file or directory');
  });

  it('rejects a path through a file as if it were a directory', async () => {
    writeFileSync(join(dir, 'plain'), 'x');
    const path = join(dir, 'plain', 'export.csv');
    expect(await listError(path)).toMatchObject({ message: `${path}: a part of the path is not a directory` });
  });
});

describe('listLocalExports of a directory', () => {
  it('lists the *.csv entries only, any case of the extension, sorted by name', async () => {
    for (const name of ['m.csv', 'B.CSV', 'z.csv', 'a.txt', 'csv', 'c.csv.gz', 'a.Csv', 'k.csv']) writeFileSync(join(dir, name), name);

    const objects = await listLocalExports(dir);
    expect(objects.map((o) => o.key)).toEqual(['B.CSV', 'a.Csv', 'k.csv', 'm.csv', 'z.csv'].map((n) => join(dir, n)));
    expect((await Promise.all(objects.map(read))).map((chunks) => Buffer.concat(chunks).toString())).toEqual([
      'B.CSV',
      'a.Csv',
      'k.csv',
      'm.csv',
      'z.csv',
    ]);
    expect(objects.every((o) => o.etag !== null && o.lastModified !== null)).toBe(true);
  });

  it('sorts names as strings, not in the byte order the file system lists them in', async () => {
    // U+FF21 sorts after U+1F600 as UTF-16 (0xFF21 > 0xD83D) but before it as UTF-8 (EF < F0).
    for (const name of ['\uFF21.csv', '\u{1F600}.csv', 'a.csv']) writeFileSync(join(dir, name), name);
    const objects = await listLocalExports(dir);
    expect(objects.map((o) => o.key)).toEqual(['a.csv', '\u{1F600}.csv', '\uFF21.csv'].map((n) => join(dir, n)));
  });

  it('keeps an entry it cannot read as an object whose read fails with the reason, without a version', async () => {
    mkdirSync(join(dir, 'a-dir.csv'));
    symlinkSync(join(dir, 'b-loop.csv'), join(dir, 'b-loop.csv'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'c-dangling.csv'));
    writeFileSync(join(dir, 'd-good.csv'), 'ok\n');

    const objects = await listLocalExports(dir);
    expect(objects.map((o) => [o.key, o.etag, o.lastModified])).toEqual([
      [join(dir, 'a-dir.csv'), null, null],
      [join(dir, 'b-loop.csv'), null, null],
      [join(dir, 'c-dangling.csv'), null, null],
      [join(dir, 'd-good.csv'), expect.stringMatching(/^3-\d+$/), expect.any(Number)],
    ]);
    const errors = await Promise.all(objects.slice(0, 3).map(readError));
    for (const error of errors) expect(error).toBeInstanceOf(ExportReadError);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      `cannot read ${join(dir, 'a-dir.csv')}: not a regular file`,
      `cannot read ${join(dir, 'b-loop.csv')}: symbolic link loop (the link points back at itself)`,
      `cannot read ${join(dir, 'c-dangling.csv')}: no such file or directory`,
    ]);
    expect(Buffer.concat(await read(objects[3]!)).toString()).toBe('ok\n');
  });

  it('lists an empty directory as no exports', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(await listLocalExports(dir)).toEqual([]);
  });
});
