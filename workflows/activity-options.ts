// Timeouts and retry policies per kind of activity, in one place so every workflow uses the same ones.
import type { ActivityOptions } from '@temporalio/workflow';

/** Pure computation and SQLite writes: quick, safe to retry. */
export const quick: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
};

/**
 * One model call. A retry re-runs the same seed, so a retried call yields the same tool call. Enough attempts to
 * outlast workers killed one after another mid-call (each noticed by the heartbeat), about a minute of waits in
 * all. An OpenAI-compatible engine first retries a busy or failing server itself, within one attempt
 * (`model.retries`); an attempt that overruns is cancelled, and the engine stops with it.
 */
export const modelCall: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 8,
    // A server that refused the request (400, 401, 404, ...) refuses it again. Matched by class name.
    nonRetryableErrorTypes: ['InvalidModelOutputError', 'ModelRequestRejectedError'],
  },
};

/**
 * Retries of Docker work: enough to ride out a Docker daemon restart (about half a minute in all), after which a
 * call still failing is a real failure.
 */
const dockerRetry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 6 };

/**
 * Docker work: container start, tool calls, probes. A tool call is killed inside the sandbox at the run's own
 * timeout, so the activity gets that plus room for Docker; a worker that dies mid-call is noticed that soon.
 */
export const sandboxCall = (toolTimeoutMs: number): ActivityOptions => ({
  startToCloseTimeout: toolTimeoutMs + 20_000,
  retry: { ...dockerRetry, nonRetryableErrorTypes: ['SandboxError', 'SandboxGone', 'HostFull'] },
});

/**
 * A task's gates, one activity: it heartbeats after each rollout, so a dead worker is noticed within one
 * rollout's bound (a sandbox's setup, the longest scripted or random rollout's calls and the probe, each bounded
 * by the run's tool timeout, plus room for Docker).
 */
export const gateSuite = (toolTimeoutMs: number, randomSteps: number, referenceSteps: number): ActivityOptions => ({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: (Math.max(randomSteps, referenceSteps) + 4) * toolTimeoutMs + 30_000,
  retry: { ...dockerRetry, nonRetryableErrorTypes: ['SandboxError'] },
});

/** Generating a batch of tasks: a throwaway container running the package's generator. */
export const generation: ActivityOptions = {
  startToCloseTimeout: '3 minutes',
  retry: { ...dockerRetry, nonRetryableErrorTypes: ['SandboxError'] },
};

/**
 * Reading the final state: the agent's processes stopped, then the probe, retried while any is left (within one
 * tool timeout, see SandboxManager.probe): twice a tool call's bound, with room for Docker.
 */
export const probeCall = (toolTimeoutMs: number): ActivityOptions => ({
  startToCloseTimeout: 2 * toolTimeoutMs + 40_000,
  retry: { ...dockerRetry, nonRetryableErrorTypes: ['SandboxError', 'SandboxGone'] },
});

/** Building an image layer can take a while the first time. */
export const imageBuild: ActivityOptions = {
  startToCloseTimeout: '20 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
};

/**
 * Training: one long activity that heartbeats at least every 5 s while its trainer lives (loading the model takes
 * about 20 s, so the trainer's own events alone would be too sparse). A worker killed mid-training is noticed
 * within the heartbeat timeout, and the next attempt resumes from the newest checkpoint.
 */
export const training: ActivityOptions = {
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  retry: {
    // Long enough to outwait a trainer that still holds its folder's lock (a worker cut off from Temporal whose
    // trainer runs on): about half an hour.
    initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 35,
    nonRetryableErrorTypes: ['TrainingDataError', 'AdapterNameTaken'],
  },
};

/** Preparing data (the store read once), converting and registering an adapter: minutes at most. */
export const trainingStep: ActivityOptions = {
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 4, nonRetryableErrorTypes: ['TrainingDataError', 'AdapterNameTaken'] },
};
