// An environment package as an image layer: the verifier runtime, the public tools and the private verifier
// programs at their places (environments/layout.ts), and the package's Debian packages.
import { join } from 'node:path';
import type Docker from 'dockerode';
import { ensureLayerImage, layerImageContext, type LayerImageSpec } from '../sandboxes/layer-image.js';
import { builtinEnvironmentsDir } from './catalog.js';
import { privateDir, publicDir, RUNTIME_DIR } from './layout.js';
import { folderFiles, type EnvironmentPackage } from './package.js';

export const LABEL_ENVIRONMENT = 'tasksynth.environment';

/** The runtime every environment image carries (run_verifier.py, tasksynth_state.py). */
const runtimeFiles = () => folderFiles(join(builtinEnvironmentsDir(), '_runtime'));

export function environmentImageSpec(pkg: EnvironmentPackage, baseTag: string): LayerImageSpec {
  return {
    repo: `tasksynth-env-${pkg.name}`,
    baseTag,
    folders: [
      { dest: RUNTIME_DIR, files: runtimeFiles(), access: 'public' },
      { dest: publicDir(pkg.name), files: pkg.publicFiles, access: 'public' },
      { dest: privateDir(pkg.name), files: pkg.privateFiles, access: 'private' },
    ],
    debianPackages: pkg.debianPackages,
    labels: { 'tasksynth.image': 'environment', [LABEL_ENVIRONMENT]: `${pkg.name}@${pkg.version}` },
  };
}

/** The tag the package's image has (or will have) on any host. */
export const environmentImageTag = (pkg: EnvironmentPackage, baseTag: string) => layerImageContext(environmentImageSpec(pkg, baseTag)).tag;

export const ensureEnvironmentImage = (docker: Docker, pkg: EnvironmentPackage, baseTag: string) =>
  ensureLayerImage(docker, environmentImageSpec(pkg, baseTag));
