// An episode's sandbox, step by step. These run on the host's own task queue (see host-queue-activities): the
// container lives on one Docker host, so every step of an episode goes to the worker that owns it.
import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import type Docker from 'dockerode';
import type { EnvironmentCatalog } from '../environments/catalog.js';
import { ensureEnvironmentImage } from '../environments/image.js';
import { probeTaskState, runToolCall, startTaskSandbox, type ProbeReading } from '../environments/task-sandbox.js';
import { MissingBaseImageError, requireBaseImage } from '../sandboxes/base-image.js';
import { DEFAULT_LIMITS, LABEL_EPISODE, LABEL_MANAGED, type SandboxLimits } from '../sandboxes/profile.js';
import { HostSlots } from '../sandboxes/host-slots.js';
import type { RemovalQueue } from '../sandboxes/removal-queue.js';
import { SandboxError, SandboxManager, sandboxName } from '../sandboxes/sandbox.js';
import type { WarmPool } from '../sandboxes/warm-pool.js';
import stableStringify from 'fast-json-stable-stringify';
import { hashFields } from '../core/content-hash.js';
import type { EnvironmentRef, TaskSpec, ToolCall, ToolResult } from '../schemas/types.js';

export interface SandboxUpInput {
  /** Names the container: a retried sandboxUp replaces its earlier attempt's container instead of leaking it. */
  id: string;
  task: TaskSpec;
  /** The image the run's environment was built as; every host builds the same content-addressed tag. */
  image: string;
  labels: Record<string, string>;
  limits: SandboxLimits;
  /** Why this sandbox replaces an earlier one of the episode (kept in the history), when it does. */
  replaces?: string;
  /** How many more sandboxes of the same task are expected soon (the task's later episodes): a warm pool's hint. */
  ahead?: number;
}

const nonRetryable = (message: string) => ApplicationFailure.nonRetryable(message, 'SandboxError');

/** The failure type an episode moves to a fresh sandbox on (see agentEpisode): the container is gone or stopped. */
export const SANDBOX_GONE = 'SandboxGone';

/**
 * Runs `fn` on a container; when it fails and the container is no longer running (removed, or stopped by a Docker
 * daemon restart), the failure says so and is not retried: no retry can bring the agent's state back. Any other
 * failure (a daemon that does not answer yet) is retried as usual.
 */
async function onContainer<T>(docker: Docker, containerId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const state = await docker.getContainer(containerId).inspect().then(
      (info) => (info.State.Running ? 'running' : `stopped (${info.State.Status})`),
      (e: unknown) => ((e as { statusCode?: number }).statusCode === 404 ? 'removed' : null),
    );
    if (state === null || state === 'running') throw error;
    throw ApplicationFailure.nonRetryable(`sandbox ${containerId.slice(0, 12)} is ${state}: ${(error as Error).message}`, SANDBOX_GONE);
  }
}

/** The failure type of a sandbox start refused because the host has its cap of live sandboxes (the episode waits). */
export const HOST_FULL = 'HostFull';

export interface SandboxActivityOptions {
  /** Labels naming the Temporal service whose workflows own the containers made here (see LABEL_TEMPORAL). */
  owner?: Record<string, string>;
  /**
   * Live episode sandboxes this Docker host holds at most for the owner's Temporal service (counted on the daemon,
   * so across the host's workers of that service).
   */
  maxLiveSandboxes?: number;
  /** Warm sandboxes handed to episodes (see sandboxes/warm-pool.ts); without one every start is cold. */
  pool?: WarmPool;
  /** Removals done in the background and drained when the worker stops; without it each removal is waited for. */
  removals?: RemovalQueue;
  /** The host's slots, shared with its warm pool (default: counted here alone, under maxLiveSandboxes). */
  slots?: HostSlots;
}

/** How long a start at the host's cap waits for background removals before it reports the host full. */
const REMOVALS_WAIT_MS = 10_000;

export const DEFAULT_MAX_LIVE_SANDBOXES = 16;

export function createSandboxActivities(docker: Docker, catalog: EnvironmentCatalog, opts: SandboxActivityOptions = {}) {
  const { owner = {}, pool, removals } = opts;
  const cap = opts.maxLiveSandboxes ?? DEFAULT_MAX_LIVE_SANDBOXES;
  const slots = opts.slots ?? new HostSlots(() => liveSandboxes(docker, owner), cap);
  const manager = (limits: SandboxLimits = DEFAULT_LIMITS) => new SandboxManager(docker, limits);
  const packageOf = (ref: EnvironmentRef) => {
    try {
      return catalog.resolve(ref);
    } catch (error) {
      throw nonRetryable((error as Error).message);
    }
  };

  return {
    /** Starts the episode's sandbox with the task's initial state; a host without the image builds it first. */
    async sandboxUp(input: SandboxUpInput): Promise<string> {
      const pkg = packageOf(input.task.environment);
      // Checked before any start, not before a warm handover: a warm sandbox of this image shows it is there.
      let checked: Promise<string> | undefined;
      const imageReady = () =>
        (checked ??= (async () => {
          const base = await requireBaseImage(docker).catch((error: unknown) => {
            throw error instanceof MissingBaseImageError ? nonRetryable(error.message) : error;
          });
          const image = await ensureEnvironmentImage(docker, pkg, base);
          if (image !== input.image) {
            throw nonRetryable(`this worker builds ${pkg.name} as ${image} but the run uses ${input.image}: workers run different tasksynth versions`);
          }
          return image;
        })());
      const name = sandboxName(input.id);
      const labels = { ...input.labels, ...owner };
      const start = async (as: string, withLabels: Record<string, string>) =>
        startTaskSandbox(manager(input.limits), pkg, await imageReady(), input.task, withLabels, as);
      // A cold start takes a slot under the host's cap; a warm sandbox holds one already.
      const cold = async (): Promise<string> => {
        let waitedForRemovals = false;
        for (;;) {
          const slot = await slots.reserve(name);
          if (slot.ok) {
            try {
              return await start(name, labels);
            } finally {
              slot.release();
            }
          }
          // Warm sandboxes are a guess at the next episode; this one is here now.
          if (await pool?.evictOne()) continue;
          // Sandboxes being removed in the background still count; their slots free within moments.
          if (!waitedForRemovals && removals && removals.size > 0) {
            waitedForRemovals = true;
            await removals.drain(REMOVALS_WAIT_MS);
            continue;
          }
          throw ApplicationFailure.nonRetryable(`this host holds ${slot.live} live sandboxes (its cap is ${cap}); the episode waits for a slot`, HOST_FULL);
        }
      };
      try {
        if (!pool) return await cold();
        const { [LABEL_EPISODE]: _episode, ...shared } = labels;
        const key = hashFields([input.image, JSON.stringify(input.limits), stableStringify(shared), stableStringify(input.task)]);
        return (await pool.take({ key, name, labels, ahead: input.ahead ?? 0, start }, cold)).id;
      } catch (error) {
        if (error instanceof SandboxError) throw nonRetryable(error.message);
        throw error;
      }
    },

    /** Runs one tool call inside the container; a failing tool is a result the agent sees, not an error. */
    async toolStep(containerId: string, task: TaskSpec, call: ToolCall, limits: SandboxLimits): Promise<ToolResult> {
      // An earlier attempt may have run the call already (its worker died, its stream broke): running it again in
      // the same container could apply it twice. The episode moves to a fresh sandbox and replays its calls instead.
      if (activityInfo().attempt > 1) {
        throw ApplicationFailure.nonRetryable(`the call ${call.name} may have run already in sandbox ${containerId.slice(0, 12)} (attempt ${activityInfo().attempt})`, SANDBOX_GONE);
      }
      return onContainer(docker, containerId, () => runToolCall(manager(limits), packageOf(task.environment), containerId, task, call));
    },

    /**
     * Reads the final state through the package's probe, once the agent's processes are gone. A probe that fails
     * here fails the episode (what the agent left made it fail; the reference gate has shown the probe works).
     */
    async probeState(containerId: string, task: TaskSpec, limits: SandboxLimits): Promise<ProbeReading> {
      return onContainer(docker, containerId, () => probeTaskState(manager(limits), packageOf(task.environment), containerId, task));
    },

    /** Removes the sandbox; with a removal queue, in the background (the episode does not wait for Docker). */
    async sandboxDown(containerId: string): Promise<void> {
      if (removals) removals.later(containerId);
      else await manager().remove(containerId);
    },

    /** Removes an episode's sandbox by the name its start gives it: for a start that was cancelled or failed midway. */
    async sandboxDiscard(id: string): Promise<void> {
      if (!removals) return manager().remove(sandboxName(id));
      // Resolved to an id now, so a later sandbox under the same name is never the one removed.
      const found = await manager().idOf(sandboxName(id));
      if (found) removals.later(found);
    },
  };
}

/** The running episode sandboxes (warm ones included) of the owner's Temporal service on this host. */
export function liveSandboxes(docker: Docker, owner: Record<string, string>) {
  const ownedBy = Object.entries(owner).map(([k, v]) => `${k}=${v}`);
  return docker.listContainers({ filters: { label: [`${LABEL_MANAGED}=true`, LABEL_EPISODE, ...ownedBy], status: ['running'] } });
}

export type SandboxActivities = ReturnType<typeof createSandboxActivities>;
