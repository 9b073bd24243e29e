// Task queue names, derived from the run's task queue. Temporal routes each kind of activity to the workers that
// can serve it: sandboxes to the Docker host that holds the container, model calls to workers that loaded the
// run's model, store writes to the one process that owns the run's SQLite file.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { RunConfig } from '../config/run-config.js';

export type EngineChoice = Pick<RunConfig['model'], 'engine' | 'path' | 'baseUrl' | 'model'>;

/** Which model answers: the GGUF file's name, or the server and model name of an OpenAI-compatible engine. */
export function engineFingerprint(choice: EngineChoice): string {
  if (choice.engine === 'openai') {
    const hash = createHash('sha256').update(`${choice.baseUrl} ${choice.model}`).digest('hex').slice(0, 10);
    return `openai-${hash}`;
  }
  if (!choice.path) throw new Error('the embedded engine needs a model path to name its queue');
  return `embedded-${basename(choice.path).replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export const hostQueueName = (taskQueue: string) => `${taskQueue}/docker/${hostname()}`;
export const modelQueueName = (taskQueue: string, fingerprint: string) => `${taskQueue}/model/${fingerprint}`;
export const storeQueueName = (taskQueue: string) => `${taskQueue}/store`;
