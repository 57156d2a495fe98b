/**
 * Typed columns that grow in place, for the aggregator's groups and account-days (I4).
 *
 * A column is a length-tracking view of a resizable ArrayBuffer (ES2024, in Node since 20): the
 * buffer reserves address space for `reserve` entries up front and commits memory as it is
 * resized. Growing copies nothing and leaves no old array behind for the garbage collector, so a
 * column holds its entries' bytes rounded up to one `COLUMN_STEP`, whatever its size — where an
 * array grown by copying holds up to 1.5× its entries, and old + new while it grows. Reads and
 * writes stay plain `column[i]` (each costs a little more than on a fixed-length array: a few per
 * cent of a parse, measured).
 *
 * V8 does not count this memory towards its collections (`process.memoryUsage().arrayBuffers`
 * leaves it out), so an unreachable column could hold it for long: `released` gives it back at
 * once, and its owner calls that when done.
 *
 * Only a column asked for more than its reservation is copied, once per doubling: an aggregator
 * given no bound (a parse without spilling) reserves `DEFAULT_RESERVE` entries.
 */

/** Entries a column grows by: 4,096 (a 4 KiB page of a byte column, 16 KiB of an Int32 one). A power of two. */
export const COLUMN_STEP = 1 << 12;
/** Entries reserved when the caller states no bound. Address space only: nothing is committed. */
export const DEFAULT_RESERVE = 1 << 20;
/** The most entries a column reserves at once (512 MiB of address space for a Float64 column). */
const MAX_RESERVE = 1 << 26;

export type Column = Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** ES2024's resizable ArrayBuffer, which this project's ES2023 lib does not declare. */
interface ResizableArrayBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}

const ResizableArrayBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;

type ColumnType<T extends Column> = { new (buffer: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/** An empty column that can grow in place to `reserve` entries (rounded up to a step, at most MAX_RESERVE). */
export function column<T extends Column>(type: ColumnType<T>, reserve: number): T {
  return reserved(type, steps(Math.max(1, Math.min(reserve, MAX_RESERVE))));
}

/** `array`, able to hold `size` entries: grown in place by whole steps, new entries 0. */
export function grown<T extends Column>(array: T, size: number): T {
  if (size <= array.length) return array;
  const buffer = array.buffer as ResizableArrayBuffer;
  const bytes = steps(size) * array.BYTES_PER_ELEMENT;
  if (bytes > buffer.maxByteLength) {
    // Past the reservation: a new column with twice the room, copied once.
    const next = reserved(array.constructor as ColumnType<T>, steps(Math.max(size, (2 * buffer.maxByteLength) / array.BYTES_PER_ELEMENT)));
    (next.buffer as ResizableArrayBuffer).resize(bytes);
    next.set(array);
    return next;
  }
  buffer.resize(bytes);
  return array;
}

/** Gives a column's memory back to the system at once (no garbage collection needed); it is then empty. */
export function released(array: Column): void {
  (array.buffer as ResizableArrayBuffer).resize(0);
}

function reserved<T extends Column>(type: ColumnType<T>, entries: number): T {
  return new type(new ResizableArrayBuffer(0, { maxByteLength: entries * type.BYTES_PER_ELEMENT }));
}

/** `size` rounded up to whole steps: what a column grown to `size` entries holds. */
export function steps(size: number): number {
  return Math.ceil(size / COLUMN_STEP) * COLUMN_STEP;
}
