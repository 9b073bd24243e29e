// Bounded concurrency: at most `limit` calls in flight, results in input order. Hand-written because workflow
// code may only use deterministic, sandbox-safe code (no p-limit timers); the CLI's gate runner shares it.
export function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  return mapLimitUntil(items, limit, fn, () => false);
}

/**
 * Bounded concurrency that starts no further item once `stop()` holds (checked before each start); items already started
 * finish. Returns the results of the items that ran, in input order (a prefix of the items).
 */
export async function mapLimitUntil<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>, stop: () => boolean): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  return results.slice(0, next);
}
