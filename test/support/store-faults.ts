/**
 * Faults injected into a real store's usage scan: the first `times` scans stop with `code` (after
 * yielding `rowsFirst` rows, as a scan cut off mid-way), the later ones run as the store does.
 * Returns the number of scans started so far.
 */
import { StoreError, type Store } from '../../shared/ports/store';

export type ScanFailure = 'YDB_SCAN_INTERRUPTED' | 'YDB_UNAVAILABLE';

export function interruptScans(store: Store, times: number, options: { code?: ScanFailure; rowsFirst?: number } = {}): () => number {
  const { code = 'YDB_SCAN_INTERRUPTED', rowsFirst = 0 } = options;
  const scan = store.usage.scanUsage.bind(store.usage);
  let calls = 0;
  store.usage.scanUsage = (range, filter) => {
    calls++;
    if (calls > times) return scan(range, filter);
    return (async function* () {
      let yielded = 0;
      if (rowsFirst > 0) {
        for await (const row of scan(range, filter)) {
          yield row;
          if (++yielded >= rowsFirst) break;
        }
      }
      throw new StoreError(code, 'snapshot changed under a retry');
    })();
  };
  return () => calls;
}
