// The base image is content-addressed by its recipe, the build script, exactly as the script tags it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { projectRoot } from '../config/paths.js';

export const BASE_IMAGE_REPO = 'tasksynth-base';

export function baseImageScript(): string {
  return join(projectRoot(), 'scripts', 'build-base-image.sh');
}

/** `tasksynth-base:<first 12 hex of sha256(scripts/build-base-image.sh)>`. */
export function baseImageTag(): string {
  const digest = createHash('sha256').update(readFileSync(baseImageScript())).digest('hex');
  return `${BASE_IMAGE_REPO}:${digest.slice(0, 12)}`;
}

/** The base image is not on this Docker engine: retrying cannot help until someone runs setup. */
export class MissingBaseImageError extends Error {
  override readonly name = 'MissingBaseImageError';
}

/** The base image's tag once it is known to be on this engine; a clear error that says how to build it otherwise. */
export async function requireBaseImage(docker: Docker): Promise<string> {
  const tag = baseImageTag();
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    throw new MissingBaseImageError(`sandbox base image ${tag} is missing on this Docker engine; run \`npm run setup\``);
  }
}
