// Seeds derived from names: a model call's sampling seed (so a retried or replayed call samples exactly as
// before) and a task's generator stream (so tasks never collide across seeds, tiers and indexes).
// FNV-1a (32 bit) is hand-written: a few lines, and the workflow sandbox should not pull in a hashing library.
export function seedFor(...parts: Array<string | number>): number {
  let hash = 0x811c9dc5;
  for (const ch of parts.join('#')) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}
