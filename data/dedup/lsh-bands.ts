// Locality-sensitive hashing of MinHash signatures into bands, so a near-duplicate is found with a few indexed
// lookups instead of a comparison with every stored task. Hand-written (a few lines) because the index lives in
// SQLite across runs; the `minhash` package's LshIndex keeps it in memory only.
//
// 16 bands of 8 rows: two tasks with Jaccard 0.9 share a band with probability 1 - (1 - 0.9^8)^16 > 0.9999, tasks
// at 0.5 with probability 0.06; candidates are then confirmed on the whole signature.
import { createHash } from 'node:crypto';
import { SIGNATURE_SIZE } from './fingerprint.js';

export const BANDS = 16;
const ROWS = SIGNATURE_SIZE / BANDS;

/** One bucket key per band. */
export function bandKeys(signature: number[]): string[] {
  if (signature.length !== SIGNATURE_SIZE) throw new Error(`a signature has ${SIGNATURE_SIZE} values, not ${signature.length}`);
  return Array.from({ length: BANDS }, (_, b) =>
    createHash('sha1').update(signature.slice(b * ROWS, (b + 1) * ROWS).join(',')).digest('hex').slice(0, 16),
  );
}
