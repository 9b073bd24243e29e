// A Docker host's sandbox side as one worker process holds it: its cap of live sandboxes, its warm pool, its
// background removals, and the sandbox activities over them. createWorkers serves these; a bare loop that runs
// episodes without Temporal (bench/pipeline-vs-bare.ts) builds the very same.
import type Docker from 'dockerode';
import { createSandboxActivities, DEFAULT_MAX_LIVE_SANDBOXES, liveSandboxes } from '../activities/sandbox-activities.js';
import type { EnvironmentCatalog } from '../environments/catalog.js';
import { HostSlots } from '../sandboxes/host-slots.js';
import { DEFAULT_LIMITS } from '../sandboxes/profile.js';
import { RemovalQueue } from '../sandboxes/removal-queue.js';
import { SandboxManager } from '../sandboxes/sandbox.js';
import { DEFAULT_WARM_IDLE_MS, DEFAULT_WARM_SANDBOXES, WarmPool } from '../sandboxes/warm-pool.js';

const DRAIN_WITHIN_MS = 60_000;

export interface HostSandboxOptions {
  /** Labels naming the Temporal service whose workflows own the containers (see LABEL_TEMPORAL). */
  owner: Record<string, string>;
  /** Live episode sandboxes the host holds at most (default 16). */
  maxLiveSandboxes?: number;
  /** Sandboxes kept warm for the next episodes of a task (default 2; 0: none). */
  warmSandboxes?: number;
}

export function createHostSandboxes(docker: Docker, catalog: EnvironmentCatalog, opts: HostSandboxOptions) {
  const cap = opts.maxLiveSandboxes ?? DEFAULT_MAX_LIVE_SANDBOXES;
  const sandboxes = new SandboxManager(docker, DEFAULT_LIMITS);
  const removals = new RemovalQueue(sandboxes, (id, error) =>
    console.error(`removing sandbox ${id.slice(0, 12)} failed (${(error as Error).message}); the sweep removes it later`),
  );
  // One count of the host's slots for cold and warm starts alike.
  const slots = new HostSlots(() => liveSandboxes(docker, opts.owner), cap);
  const warmSize = opts.warmSandboxes ?? DEFAULT_WARM_SANDBOXES;
  const pool =
    warmSize > 0
      ? new WarmPool(sandboxes, removals, {
          size: warmSize,
          idleMs: DEFAULT_WARM_IDLE_MS,
          reserve: () => slots.reserve(),
          onError: (error) => console.error(`a warm sandbox failed to start (the next episode starts its own): ${(error as Error).message}`),
        })
      : undefined;
  return {
    cap,
    pool,
    removals,
    activities: createSandboxActivities(docker, catalog, { owner: opts.owner, maxLiveSandboxes: cap, pool, removals, slots }),
    /**
     * Removes what the pool holds and waits for every removal, once no sandbox activity runs any more; a daemon
     * that does not answer within a minute leaves the rest to the sweep.
     */
    drain: () => (pool ? pool.drain(DRAIN_WITHIN_MS) : removals.drain(DRAIN_WITHIN_MS)),
  };
}
