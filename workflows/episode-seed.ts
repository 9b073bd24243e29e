// Sampling seeds derived from names, so a retried or replayed model call samples exactly as before.
// FNV-1a (32 bit) is hand-written: a few lines, and the workflow sandbox should not pull in a hashing library.
export function seedFor(...parts: Array<string | number>): number {
  let hash = 0x811c9dc5;
  for (const ch of parts.join('#')) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}
