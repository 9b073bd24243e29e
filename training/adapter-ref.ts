// What `model.adapter` (or --adapter) names: a GGUF file (a value ending in .gguf or holding a "/"), or an adapter
// `tasksynth train` registered in the store by that name. A registered adapter is checked against the base model
// it is served with: weights trained on another base would load (same shapes) and mean nothing.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { statePaths } from '../config/paths.js';
import { Store } from '../data/store.js';
import { modelFileHash } from '../worker/queue-names.js';

export const isAdapterFile = (value: string) => /\.gguf$/i.test(value) || value.includes('/') || isAbsolute(value);

/**
 * The adapter file `value` names; `relativeTo` anchors a relative file path, `basePath` gives the model it will be
 * applied to (asked only for a registered name). Throws an Error that says what is wrong.
 */
export function resolveAdapter(value: string, relativeTo: string, basePath: () => string): string {
  if (isAdapterFile(value)) {
    const path = resolve(relativeTo, value);
    if (!existsSync(path)) throw new Error(`no adapter file at ${path}`);
    return path;
  }
  const database = statePaths.database();
  if (!existsSync(database)) throw new Error(`no adapter named "${value}": no tasksynth database at ${database} (a file needs its .gguf name)`);
  const store = Store.open(database);
  try {
    const known = store.adapters.get(value);
    if (!known) {
      const names = store.adapters.list().map((a) => a.name);
      throw new Error(`no adapter named "${value}" in ${database} (registered: ${names.join(', ') || 'none'}; a file needs its .gguf name)`);
    }
    if (!existsSync(known.path)) throw new Error(`adapter "${value}" is registered at ${known.path}, which is gone`);
    if (modelFileHash(known.path) !== known.sha256) {
      throw new Error(`adapter "${value}": ${known.path} is no longer the file registered (sha256 ${known.sha256.slice(0, 12)}); it was changed after training`);
    }
    const model = basePath();
    const base = modelFileHash(model);
    if (base !== known.baseSha256) {
      throw new Error(`adapter "${value}" was trained on ${known.basePath} (sha256 ${known.baseSha256.slice(0, 12)}), not on ${model} (sha256 ${base.slice(0, 12)})`);
    }
    return known.path;
  } finally {
    store.close();
  }
}
