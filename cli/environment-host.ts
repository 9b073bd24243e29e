// What the `envs` commands that run packages need: a Docker engine with the base image, the catalog (built-in
// packages plus --env-dir folders) and a package's image layer, built when missing.
import { EnvironmentCatalog } from '../environments/catalog.js';
import { ensureEnvironmentImage } from '../environments/image.js';
import type { EnvironmentPackage } from '../environments/package.js';
import { requireBaseImage } from '../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { DEFAULT_LIMITS, LABEL_RUN, type SandboxLimits } from '../sandboxes/profile.js';
import { SandboxManager } from '../sandboxes/sandbox.js';

/** The limits `envs try` and `envs check` run rollouts with: the run config's defaults. */
export const VETTING_LIMITS: SandboxLimits = { ...DEFAULT_LIMITS, memoryMb: 256, pidsLimit: 64, timeoutMs: 10_000, outputLimitBytes: 4096 };

export async function environmentHost(envDirs: string[]) {
  const catalog = new EnvironmentCatalog(envDirs);
  const docker = connectDocker();
  await pingDocker(docker);
  const base = await requireBaseImage(docker);
  const sandboxes = new SandboxManager(docker, VETTING_LIMITS);
  const labels = { [LABEL_RUN]: `envs-${process.pid}` };
  return {
    catalog,
    sandboxes,
    labels,
    image: (pkg: EnvironmentPackage) => ensureEnvironmentImage(docker, pkg, base),
    /** Removes whatever this command left (an interrupted rollout's sandbox). */
    cleanup: () => sandboxes.reap(0, labels).then(() => undefined),
  };
}

export const envDirOption = {
  type: 'string' as const,
  array: true as const,
  describe: 'a folder of your own environment packages, or one package folder (repeatable)',
};
