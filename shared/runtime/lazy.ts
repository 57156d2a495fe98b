/**
 * Builds a value once, on first use, and reuses it across invocations (one instance serves one
 * request at a time). A failed build is not cached, so the next invocation tries again.
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= build().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
