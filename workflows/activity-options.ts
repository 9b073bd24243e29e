// Timeouts and retry policies per kind of activity, in one place so every workflow uses the same ones.
import type { ActivityOptions } from '@temporalio/workflow';

/** Pure computation and SQLite writes: quick, safe to retry. */
export const quick: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
};

/** One model call. A retry re-runs the same seed, so a retried call yields the same tool call. */
export const modelCall: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidModelOutputError'] },
};

/**
 * Docker work: container start, tool calls, probes. A tool call is killed inside the sandbox at the run's own
 * timeout, so the activity gets that plus room for Docker; a worker that dies mid-call is noticed that soon.
 */
export const sandboxCall = (toolTimeoutMs: number): ActivityOptions => ({
  startToCloseTimeout: toolTimeoutMs + 20_000,
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['SandboxError'] },
});

/**
 * One gate rollout: a sandbox with its setup, up to `steps` tool calls, the probe and the removal, each bounded
 * by the run's tool timeout; room for Docker on top.
 */
export const gateRolloutCall = (toolTimeoutMs: number, steps: number): ActivityOptions => ({
  startToCloseTimeout: (steps + 3) * toolTimeoutMs + 30_000,
  retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['SandboxError'] },
});

/** Generating a batch of tasks: a throwaway container running the package's generator. */
export const generation: ActivityOptions = {
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['SandboxError'] },
};

/** Building an image layer can take a while the first time. */
export const imageBuild: ActivityOptions = {
  startToCloseTimeout: '20 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
};
