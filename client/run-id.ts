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
    .update(`${stableStringify(identityView(config))}\n${engineFingerprint}\n${environmentHashes.join(',')}`)
    .digest('hex');
}

/**
 * The config as its identity sees it. Left out: settings that change how fast a run goes against a server, not
 * what it computes (`model.concurrency`, `model.retries`), so a run resumes under its id after they change; and
 * `acceptance.earlyStop` at its default (off), so configs written before the setting existed keep their ids.
 */
export function identityView(config: RunConfig): unknown {
  const { concurrency: _slots, retries: _retries, ...model } = config.model;
  const { earlyStop, ...acceptance } = config.acceptance;
  return { ...config, model, acceptance: earlyStop ? { ...acceptance, earlyStop } : acceptance };
}

export function runIdFor(config: RunConfig, engineFingerprint: string, environmentHashes: string[]): string {
  return `${config.name}-${runIdentity(config, engineFingerprint, environmentHashes).slice(0, 8)}`;
}

export { runWorkflowId } from '../core/ids.js';
