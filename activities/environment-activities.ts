// Environment work that needs a Docker host but no particular one: building a package's image layer, generating
// tasks (the generator runs in a container) and the gates' rollouts (each self-contained, sandbox up to down).
// Any worker with Docker serves them, so they spread over every host.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type Docker from 'dockerode';
import type { EnvironmentCatalog } from '../environments/catalog.js';
import { generateTasks, GeneratorError, type GenerateRequest } from '../environments/generate.js';
import { ensureEnvironmentImage } from '../environments/image.js';
import { baseImageTag } from '../sandboxes/base-image.js';
import { imageExists } from '../sandboxes/layer-image.js';
import { DEFAULT_LIMITS, LABEL_RUN, LABEL_TASK, type SandboxLimits } from '../sandboxes/profile.js';
import { SandboxError, SandboxManager } from '../sandboxes/sandbox.js';
import type { EnvironmentRef, TaskSpec } from '../schemas/types.js';
import type { GateOutcome, RolloutPlan } from '../verification/gates.js';
import { gateOutcomeOf, runRollout } from '../verification/rollout.js';

export interface GateRolloutInput {
  runId: string;
  task: TaskSpec;
  image: string;
  plan: RolloutPlan;
  limits: SandboxLimits;
}

export interface GateRolloutResult {
  outcome: GateOutcome;
  /** The probe's reading, for the reference only (the guess gate checks candidates against it). */
  state: unknown;
}

/** A broken package or a refusal that retrying cannot fix. */
const nonRetryable = (error: unknown) =>
  ApplicationFailure.nonRetryable(error instanceof Error ? error.message : String(error), 'SandboxError');

export function createEnvironmentActivities(docker: Docker, catalog: EnvironmentCatalog) {
  /** The package's image layer on this host, built on the base image when missing (cached by content hash). */
  const environmentImage = async (ref: EnvironmentRef): Promise<string> => {
    const base = baseImageTag();
    if (!(await imageExists(docker, base))) {
      throw nonRetryable(`sandbox base image ${base} is missing on this Docker host; run \`npm run setup\``);
    }
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
      const id = await sandboxes.create(image, { [LABEL_RUN]: request.scope });
      try {
        return await generateTasks(sandboxes, id, pkg, request);
      } catch (error) {
        if (error instanceof GeneratorError) throw nonRetryable(error);
        throw error;
      } finally {
        await sandboxes.remove(id);
      }
    },

    /** One gate rollout: sandbox up, scripted or random calls, probe, verdict, sandbox down. */
    async gateRollout(input: GateRolloutInput): Promise<GateRolloutResult> {
      heartbeat();
      const image = await environmentImage(input.task.environment);
      const pkg = catalog.resolve(input.task.environment);
      const labels = { [LABEL_RUN]: input.runId, [LABEL_TASK]: input.task.id };
      try {
        const trace = await runRollout(new SandboxManager(docker, input.limits), pkg, image, input.task, input.plan, labels);
        return { outcome: gateOutcomeOf(trace), state: input.plan.gate === 'reference' ? trace.outcome.state : null };
      } catch (error) {
        if (error instanceof SandboxError) throw nonRetryable(error);
        throw error;
      }
    },
  };
}

export type EnvironmentActivities = ReturnType<typeof createEnvironmentActivities>;
