// Which GGUF file the embedded engine loads: an explicit override, or the pinned default model.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot, statePaths } from '../config/paths.js';

/** The pinned default model, as described by inference/default-model.json. */
export interface DefaultModelManifest {
  name: string;
  file: string;
  sha256: string;
  license: string;
  source: { pypi: string; member: string };
}

export function defaultModelManifest(): DefaultModelManifest {
  // Read at run time rather than imported, so the same file serves the fetch script and dist/.
  const path = join(projectRoot(), 'inference', 'default-model.json');
  return JSON.parse(readFileSync(path, 'utf8')) as DefaultModelManifest;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** The model file to load: TASKSYNTH_MODEL when set, else the default model in the state directory. */
export function resolveModelPath(): string {
  const override = process.env.TASKSYNTH_MODEL;
  if (override !== undefined && override !== '') {
    const path = resolve(override);
    if (!isFile(path)) {
      throw new Error(`TASKSYNTH_MODEL is set to "${override}", but there is no model file at ${path}`);
    }
    return path;
  }
  const { file } = defaultModelManifest();
  const path = join(statePaths.models(), file);
  if (!isFile(path)) {
    throw new Error(
      `The default model is missing: ${path}. Run \`npm run setup\` to fetch it (or set TASKSYNTH_MODEL to a GGUF file).`,
    );
  }
  return path;
}
