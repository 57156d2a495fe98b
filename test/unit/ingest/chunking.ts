/** Test helpers: feed the same bytes in chunks of every awkward size. */

export const CHUNK_SIZES = [1, 2, 3, 7, 64] as const;

/** Splits bytes into chunks of `size` (the last one shorter); copies, so no chunk shares memory. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Uint8Array.from(bytes.subarray(i, i + size)));
  return chunks;
}

export async function* asAsync(chunks: Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}
