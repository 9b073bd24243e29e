// A run's id is its name plus a hash of its whole configuration (evaluation files by content), the content of
// every family's environment package and the model
// that answers: the same config, package and model name the same run (so a restarted command attaches to it and store writes stay idempotent); a
// changed config, or another model, names a new one.
import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import type { RunConfig } from '../config/run-config.js';

export function runIdFor(config: RunConfig, engineFingerprint: string, environmentHashes: string[]): string {
  const hash = createHash('sha256')
    .update(`${stableStringify(config)}\n${engineFingerprint}\n${environmentHashes.join(',')}`)
    .digest('hex')
    .slice(0, 8);
  return `${config.name}-${hash}`;
}

export { runWorkflowId } from '../core/ids.js';
