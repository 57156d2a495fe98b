/**
 * A full garbage collection on demand, for the moment a large ingest has just let go of most of
 * its memory (a run of groups written to disk). Left alone, V8 grows its heap lazily and collects
 * late, so a process whose live data stays small still reaches a large resident size; collecting
 * after each spill keeps the peak near the live data (issue 11: measured in `npm run bench`).
 *
 * `gc` is exposed once, at run time (the functions' runtime passes no node flags); where that is
 * refused, nothing is collected and only the memory figure suffers.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
