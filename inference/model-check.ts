// Checks the model before any task starts: a file that is not a GGUF model (a text file, an HTML error page, a
// truncated download) must stop a run within seconds with a clear reason, not after every task has failed.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError } from '../core/usage-error.js';
import type { EngineProvider } from '../worker/engine-provider.js';

const GGUF_MAGIC = 'GGUF';

/** Cheap first look: the file exists, is a regular file and starts with the GGUF magic. */
export function checkGgufHeader(path: string): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`model ${path}: no such file`);
  if (!stat.isFile()) throw new UsageError(`model ${path}: not a regular file`);
  const head = Buffer.alloc(8);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 8, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new UsageError(`model ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (head.subarray(0, 4).toString('latin1') !== GGUF_MAGIC) {
    const shown = JSON.stringify(head.subarray(0, Math.min(8, stat.size)).toString('latin1'));
    throw new UsageError(`model ${path}: not a GGUF file (it starts with ${shown}, a GGUF model with "GGUF"); give a .gguf model file`);
  }
}

/**
 * Everything about the engine that can be wrong is found before any task starts: the embedded model file loads,
 * or the OpenAI-compatible server answers, accepts the key and serves the model.
 */
export async function checkEngine(engine: { provider: EngineProvider; modelPath: string | null }): Promise<void> {
  if (engine.modelPath) return checkModelLoads(engine.modelPath, engine.provider);
  const served = await engine.provider.get();
  await served.check?.();
}

/** Loads the model once, as the worker will; a load failure (a truncated or corrupt file) is named. */
export async function checkModelLoads(path: string, provider: EngineProvider): Promise<void> {
  checkGgufHeader(path);
  try {
    await provider.get();
  } catch (error) {
    throw new UsageError(`model ${path} does not load: ${(error as Error).message}`);
  }
}
