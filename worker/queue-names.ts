// Task queue names, derived from the run's task queue. Temporal routes each kind of activity to the workers that
// can serve it: sandboxes to the Docker host that holds the container, model calls to workers that loaded the
// run's model, store writes to the one process that owns the run's SQLite file.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { RunConfig } from '../config/run-config.js';
import { checkGgufHeader } from '../inference/model-check.js';

export type EngineChoice = Pick<RunConfig['model'], 'engine' | 'path' | 'baseUrl' | 'model' | 'adapter' | 'adapterScale'>;

/**
 * Which model answers: the GGUF file's name and the hash of its content (a file replaced under the same name is
 * another model, and two copies of one file are the same), with its LoRA adapter's hash when it has one; or the
 * server and model name of an OpenAI-compatible engine.
 */
export function engineFingerprint(choice: EngineChoice): string {
  if (choice.engine === 'openai') {
    const hash = createHash('sha256').update(`${choice.baseUrl} ${choice.model}`).digest('hex').slice(0, 10);
    return `openai-${hash}`;
  }
  if (!choice.path) throw new Error('the embedded engine needs a model path to name its queue');
  const name = basename(choice.path).replace(/\.gguf$/i, '').replace(/[^A-Za-z0-9._-]/g, '_');
  const base = `embedded-${name}-${modelFileHash(choice.path).slice(0, 12)}`;
  if (!choice.adapter) return base;
  // A model with an adapter is another model: by the adapter's content, and its scale when not 1.
  const scale = (choice.adapterScale ?? 1) === 1 ? '' : `-x${choice.adapterScale}`;
  return `${base}-lora-${modelFileHash(choice.adapter).slice(0, 12)}${scale}`;
}

const fileHashes = new Map<string, string>();

/** sha256 of a model file, read once per process for each (path, size, mtime). */
export function modelFileHash(path: string): string {
  checkGgufHeader(path); // a missing or non-GGUF file is named before it is read whole
  const stat = statSync(path);
  const key = `${path}\0${stat.size}\0${stat.mtimeMs}`;
  let hex = fileHashes.get(key);
  if (!hex) {
    const hash = createHash('sha256');
    const buf = Buffer.alloc(4 << 20);
    const fd = openSync(path, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    hex = hash.digest('hex');
    fileHashes.set(key, hex);
  }
  return hex;
}

/** A Docker host's own queue; the host is this machine unless named (several workers in one test stand for hosts). */
export const hostQueueName = (taskQueue: string, host = hostname()) => `${taskQueue}/docker/${host}`;
export const modelQueueName = (taskQueue: string, fingerprint: string) => `${taskQueue}/model/${fingerprint}`;
/** Keyed by the store's own id: two stores polling one queue would split a run's writes between two databases. */
export const storeQueueName = (taskQueue: string, storeId: string) => `${taskQueue}/store/${storeId}`;
/** Training jobs (workflow and activities) of one store: its data is read there and its adapters registered. */
export const trainingQueueName = (taskQueue: string, storeId: string) => `${taskQueue}/training/${storeId}`;
