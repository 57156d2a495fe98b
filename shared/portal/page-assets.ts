/**
 * The page's files as text, read from portal/ beside the sources. A function bundle has no files
 * beside it: scripts/build.ts replaces this module with one that returns the same files inlined
 * at build time (esbuild plugin `inlinePageAssets`), so both paths serve identical bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAGE_FILES } from './page-files';

export function readPageFiles(dir: string = fileURLToPath(new URL('../../portal/', import.meta.url))): Record<string, string> {
  return Object.fromEntries(PAGE_FILES.map((f) => [f.file, readFileSync(join(dir, f.file), 'utf8')]));
}

export function loadPageAssets(): Record<string, string> {
  return readPageFiles();
}
