// A run's identity is a hash of its whole configuration (evaluation files by content), the content of every
// family's environment package and the model that answers (by its file's content hash); its default id is the
// config's name plus the start of that hash. The same config, packages and model name the same run, so a restarted
// command attaches to it and store writes stay idempotent; a changed config, package or model names a new one. The
// store keeps each run's identity and refuses an id (e.g. a reused --run-id) that stands for another.
import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import type { RunConfig } from '../config/run-config.js';

export function runIdentity(config: RunConfig, engineFingerprint: string, environmentHashes: string[]): string {
  return createHash('sha256')
    .update(`${stableStringify(config)}\n${engineFingerprint}\n${environmentHashes.join(',')}`)
    .digest('hex');
}

export function runIdFor(config: RunConfig, engineFingerprint: string, environmentHashes: string[]): string {
  return `${config.name}-${runIdentity(config, engineFingerprint, environmentHashes).slice(0, 8)}`;
}

export { runWorkflowId } from '../core/ids.js';
