// Everything that touches a Docker host. These run on the host's own task queue (see host-queue-activities).
import { ApplicationFailure } from '@temporalio/activity';
import type Docker from 'dockerode';
import { baseImageTag } from '../sandboxes/base-image.js';
import { ensureFamilyImage, probeArgv, toolArgv } from '../sandboxes/family-image.js';
import { DEFAULT_LIMITS, type SandboxLimits } from '../sandboxes/profile.js';
import { SandboxManager, sandboxName } from '../sandboxes/sandbox.js';
import type { ToolCall, ToolResult } from '../schemas/types.js';

export interface SandboxUpInput {
  /** Names the container: a retried sandboxUp replaces its earlier attempt's container instead of leaking it. */
  id: string;
  family: string;
  /** The image the run's environment was built as; every host builds the same content-addressed tag. */
  image: string;
  files: Record<string, string>;
  labels: Record<string, string>;
  limits: SandboxLimits;
}

export function createSandboxActivities(docker: Docker) {
  const manager = (limits: SandboxLimits = DEFAULT_LIMITS) => new SandboxManager(docker, limits);

  /** The family's image layer on this host, built on the base image when missing (cached by content hash). */
  const ensureEnvironmentImage = async (family: string): Promise<string> => {
    const base = baseImageTag();
    const present = await docker
      .getImage(base)
      .inspect()
      .then(() => true, () => false);
    if (!present) {
      throw ApplicationFailure.nonRetryable(
        `sandbox base image ${base} is missing on this Docker host; run \`npm run setup\``,
        'SandboxError',
      );
    }
    return ensureFamilyImage(docker, family, base);
  };

  return {
    ensureEnvironmentImage,

    /** Starts the episode's sandbox; a host that has not built the environment yet builds it first. */
    async sandboxUp(input: SandboxUpInput): Promise<string> {
      const image = await ensureEnvironmentImage(input.family);
      if (image !== input.image) {
        throw ApplicationFailure.nonRetryable(
          `this worker builds ${input.family} as ${image} but the run uses ${input.image}: workers run different tasksynth versions`,
          'SandboxError',
        );
      }
      return manager(input.limits).create(image, input.labels, input.files, sandboxName(input.id));
    },

    /** Runs one tool call inside the container; a failing tool is a result the agent sees, not an error. */
    async toolStep(containerId: string, family: string, call: ToolCall, limits: SandboxLimits): Promise<ToolResult> {
      return manager(limits).exec(containerId, toolArgv(family, call));
    },

    /** Reads the sandbox's final state as JSON through the family's probe. */
    async probeState(containerId: string, family: string, limits: SandboxLimits): Promise<unknown> {
      // The probe's output is bounded by the probe itself; allow it more room than a tool's output.
      const result = await manager(limits).exec(containerId, probeArgv(family), {
        outputLimitBytes: Math.max(limits.outputLimitBytes, 256 * 1024),
      });
      if (result.exitCode !== 0 || result.truncated) {
        throw ApplicationFailure.nonRetryable(
          `probe of family ${family} failed (exit ${result.exitCode}${result.truncated ? ', output truncated' : ''}): ${result.output.slice(0, 500)}`,
          'SandboxError',
        );
      }
      try {
        return JSON.parse(result.output);
      } catch {
        throw ApplicationFailure.nonRetryable(
          `probe of family ${family} printed something that is not JSON: ${result.output.slice(0, 200)}`,
          'SandboxError',
        );
      }
    },

    async sandboxDown(containerId: string): Promise<void> {
      await manager().remove(containerId);
    },
  };
}

export type SandboxActivities = ReturnType<typeof createSandboxActivities>;
