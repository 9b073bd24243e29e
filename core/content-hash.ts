// Content hashes that name things built from content (environment packages, image layers): sha256 over
// length-prefixed fields, so no two different lists of fields hash alike.
import { createHash } from 'node:crypto';

export function hashFields(fields: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const f of fields) {
    const buf = Buffer.isBuffer(f) ? f : Buffer.from(f, 'utf8');
    hash.update(`${buf.length}:`).update(buf);
  }
  return hash.digest('hex');
}
