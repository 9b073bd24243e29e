// Environment work that needs a Docker host but no particular one: building a package's image layer, generating
// tasks (the generator runs in a container) and a task's gates (self-contained: sandboxes up to down).
// Any worker with Docker serves them, so they spread over every host.
import { activityInfo, ApplicationFailure, heartbeat } from '@temporalio/activity';
import type Docker from 'dockerode';
import type { EnvironmentCatalog } from '../environments/catalog.js';
import { generateTasks, GeneratorError, type GenerateRequest } from '../environments/generate.js';
import { ensureEnvironmentImage } from '../environments/image.js';
import { MissingBaseImageError, requireBaseImage } from '../sandboxes/base-image.js';
import { DEFAULT_LIMITS, LABEL_RUN, LABEL_TASK, type SandboxLimits } from '../sandboxes/profile.js';
import { SandboxError, SandboxManager } from '../sandboxes/sandbox.js';
import type { EnvironmentRef, TaskSpec } from '../schemas/types.js';
import type { GateOutcome, GateSettings } from '../verification/gates.js';
import { runGates } from '../verification/run-gates.js';
import type { TaskFingerprint } from '../data/dedup/fingerprint.js';
import { taskFingerprint } from '../environments/task-fingerprint.js';

export interface TaskGatesInput {
  runId: string;
  task: TaskSpec;
  limits: SandboxLimits;
  settings: GateSettings;
  /** Rollouts in flight at once. */
  concurrency: number;
}

export interface TaskGatesResult {
  outcomes: GateOutcome[];
  /** Why the task is rejected, or null when every gate held. */
  failure: string | null;
}

/** Which activity made a container, so a retry finds what an earlier attempt of the same activity left. */
const LABEL_WORK = 'tasksynth.work';

/**
 * Labels for the containers of one activity; on a retry, what its earlier attempts left (a worker killed mid-way,
 * a Docker daemon restart) is removed first. Attempts of one activity never overlap, so none of those is in use.
 */
async function workLabels(docker: Docker, labels: Record<string, string>, work: string): Promise<Record<string, string>> {
  const mine = { ...labels, [LABEL_WORK]: work };
  if (activityInfo().attempt > 1) await new SandboxManager(docker, DEFAULT_LIMITS).reap(0, mine);
  return mine;
}

/** A broken package or a refusal that retrying cannot fix. */
const nonRetryable = (error: unknown) =>
  ApplicationFailure.nonRetryable(error instanceof Error ? error.message : String(error), 'SandboxError');

/** `owner`: labels naming the Temporal service whose workflows own the containers made here (see LABEL_TEMPORAL). */
export function createEnvironmentActivities(docker: Docker, catalog: EnvironmentCatalog, owner: Record<string, string> = {}) {
  /** The package's image layer on this host, built on the base image when missing (cached by content hash). */
  const environmentImage = async (ref: EnvironmentRef): Promise<string> => {
    const base = await requireBaseImage(docker).catch((error: unknown) => {
      throw error instanceof MissingBaseImageError ? nonRetryable(error) : error;
    });
    let pkg;
    try {
      pkg = catalog.resolve(ref);
    } catch (error) {
      throw nonRetryable(error);
    }
    return ensureEnvironmentImage(docker, pkg, base);
  };

  return {
    ensureEnvironmentImage: environmentImage,

    /** Runs the package's generator in a throwaway sandbox; a generator that prints bad tasks fails for good. */
    async generateTasks(ref: EnvironmentRef, request: GenerateRequest): Promise<TaskSpec[]> {
      const image = await environmentImage(ref);
      const pkg = catalog.resolve(ref);
      const sandboxes = new SandboxManager(docker, DEFAULT_LIMITS);
      const labels = await workLabels(docker, { ...owner, [LABEL_RUN]: request.scope }, `generate/${request.seed}/${request.tier}/${request.offset}`);
      const id = await sandboxes.create(image, labels);
      try {
        return await generateTasks(sandboxes, id, pkg, request);
      } catch (error) {
        if (error instanceof GeneratorError) throw nonRetryable(error);
        throw error;
      } finally {
        await sandboxes.remove(id);
      }
    },

    /**
     * The task's fingerprint for dedup: a sandbox is set up as for an episode and its /work read back, so the
     * initial state is hashed exactly as the agent would find it.
     */
    async fingerprintTask(input: { runId: string; task: TaskSpec; limits: SandboxLimits }): Promise<TaskFingerprint> {
      const image = await environmentImage(input.task.environment);
      const pkg = catalog.resolve(input.task.environment);
      const sandboxes = new SandboxManager(docker, input.limits);
      const labels = await workLabels(docker, { ...owner, [LABEL_RUN]: input.runId, [LABEL_TASK]: input.task.id }, 'fingerprint');
      try {
        return await taskFingerprint(sandboxes, pkg, image, input.task, labels);
      } catch (error) {
        if (error instanceof SandboxError) throw nonRetryable(error);
        throw error;
      }
    },

    /**
     * Every gate of a task (verification/run-gates.ts, as `envs check` runs them): the reference, then the other
     * rollouts in `concurrency` reused sandboxes, then the guess gate. Deterministic and model-free, so a retry
     * simply runs them again; a heartbeat after each rollout shows it is alive.
     */
    async taskGates(input: TaskGatesInput): Promise<TaskGatesResult> {
      heartbeat();
      // A host that lacks the image builds it first, which may take longer than one rollout's heartbeat bound.
      const beat = setInterval(() => heartbeat({ building: true }), 5_000);
      const image = await environmentImage(input.task.environment).finally(() => clearInterval(beat));
      const pkg = catalog.resolve(input.task.environment);
      const labels = await workLabels(docker, { ...owner, [LABEL_RUN]: input.runId, [LABEL_TASK]: input.task.id }, 'gates');
      try {
        const report = await runGates(new SandboxManager(docker, input.limits), pkg, image, input.task, input.settings, {
          concurrency: input.concurrency,
          labels,
          onRollout: (done, total) => heartbeat({ done, total }),
        });
        return { outcomes: report.outcomes, failure: report.failure };
      } catch (error) {
        if (error instanceof SandboxError) throw nonRetryable(error);
        throw error;
      }
    },
  };
}

export type EnvironmentActivities = ReturnType<typeof createEnvironmentActivities>;
