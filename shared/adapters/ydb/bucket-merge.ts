/**
 * Merges the buckets of a scan back into one order. Each bucket yields its rows in key order —
 * (day, account_id, generation, service_id, sku_id, currency), one live generation per
 * account-day — and an account lives in exactly one bucket, so the merged order is decided per
 * account-day: the bucket whose next account-day is the smallest (day, account_id), in YDB's
 * Utf8 order, hands out all of that account-day's rows (across its page boundaries), then the
 * choice is made again. A small heap keeps that at log2(BUCKETS) comparisons per account-day.
 * At most one page per bucket is held.
 */
import { compareUtf8 } from './account-day-key';
import type { Row } from './values';

interface Head {
  pages: AsyncIterator<Row[], void, undefined>;
  rows: Row[];
  at: number;
}

const sameAccountDay = (a: Row, b: Row) => a['day'] === b['day'] && a['account_id'] === b['account_id'];

function compareHeads(a: Head, b: Head): number {
  const x = a.rows[a.at] as Row;
  const y = b.rows[b.at] as Row;
  return compareUtf8(String(x['day']), String(y['day'])) || compareUtf8(String(x['account_id']), String(y['account_id']));
}

/** A binary min-heap of bucket heads. */
class HeadHeap {
  private readonly items: Head[] = [];

  get size(): number {
    return this.items.length;
  }

  push(head: Head): void {
    const items = this.items;
    items.push(head);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (compareHeads(items[i] as Head, items[parent] as Head) >= 0) break;
      [items[i], items[parent]] = [items[parent] as Head, items[i] as Head];
      i = parent;
    }
  }

  pop(): Head | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && compareHeads(items[left] as Head, items[least] as Head) < 0) least = left;
        if (right < items.length && compareHeads(items[right] as Head, items[least] as Head) < 0) least = right;
        if (least === i) break;
        [items[i], items[least]] = [items[least] as Head, items[i] as Head];
        i = least;
      }
    }
    return top;
  }
}

/** Reads pages until the head has a row; false when the bucket is exhausted. */
async function refill(head: Head): Promise<boolean> {
  while (head.at >= head.rows.length) {
    const next = await head.pages.next();
    if (next.done) return false;
    head.rows = next.value;
    head.at = 0;
  }
  return true;
}

/** The rows of every bucket in (day, account_id, …) order, in pages of about `pageSize` rows. */
export async function* mergeBuckets(
  buckets: readonly AsyncGenerator<Row[], void, undefined>[],
  pageSize: number,
): AsyncGenerator<Row[], void, undefined> {
  const heap = new HeadHeap();
  for (const pages of buckets) {
    const head: Head = { pages, rows: [], at: 0 };
    if (await refill(head)) heap.push(head);
  }
  let out: Row[] = [];
  for (let head = heap.pop(); head !== undefined; head = heap.pop()) {
    const first = head.rows[head.at] as Row;
    let more = true;
    for (;;) {
      while (head.at < head.rows.length && sameAccountDay(head.rows[head.at] as Row, first)) out.push(head.rows[head.at++] as Row);
      if (head.at < head.rows.length) break;
      // The page ended: the account-day may go on in the bucket's next page.
      more = await refill(head);
      if (!more || !sameAccountDay(head.rows[head.at] as Row, first)) break;
    }
    if (more) heap.push(head);
    if (out.length >= pageSize) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
