// One firing of a schedule (`tasksynth schedule create`): a synthesis run named after the schedule and the time it
// fired, whose family seeds derive from both, so every firing draws new tasks instead of the previous firing's.
// The run itself is an ordinary synthesisRun child; after it ends, the store's process summarizes it and, when
// the schedule names a directory, exports its accepted trajectories there.
import { SearchAttributeType, WorkflowIdReusePolicy, defineSearchAttributeKey } from '@temporalio/common';
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StoreActivities } from '../activities/store-activities.js';
import type { RunConfig } from '../config/run-config.js';
import { runWorkflowId, scheduledRunId } from '../core/ids.js';
import { seedFor } from '../core/seed.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { EnvironmentRef } from '../schemas/types.js';
import { quick } from './activity-options.js';
import type { RunQueues } from './run-queues.js';
import { synthesisRun } from './synthesis-run.js';

/**
 * How the schedule was made: its timetable and where its job came from. Kept in the action's input, since Temporal
 * cannot update a schedule's memo; `schedule describe` shows it, and each firing's history records it.
 */
export interface ScheduleOrigin {
  configFile: string;
  every: string | null;
  cron: string | null;
  jitter: string | null;
  exportDir: string | null;
  model: string;
  taskQueue: string;
  /** The store the firings write to (its id names the store queue). */
  storeId: string;
  /** The --env-dir folders the config was loaded with (absolute), so an update reloads it the same way. */
  envDirs?: string[];
}

export interface ScheduledRunInput {
  schedule: string;
  origin: ScheduleOrigin;
  config: RunConfig;
  environments: EnvironmentRef[];
  limits: SandboxLimits;
  queues: RunQueues;
  /** Absolute directory for one openai-chat JSONL per firing, on the host of the store's worker. */
  exportDir: string | null;
}

export interface ScheduledRunResult {
  runId: string;
  firedAt: string;
  seeds: Record<string, number>;
  tasks: { total: number; accepted: number; rejected: number };
  episodes: { done: number; passed: number };
  /** The run's closing tables, as `tasksynth run` prints them. */
  summary: string;
  export: { file: string; lines: number } | null;
}

// Temporal stamps every workflow a schedule starts with the time it was due (a manual trigger: the time it was asked).
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** The firing's own seed for each family: from the schedule, the fire time and the family's configured seed. */
export function firingConfig(config: RunConfig, schedule: string, firedAt: string): RunConfig {
  return { ...config, families: config.families.map((f) => ({ ...f, seed: seedFor('schedule', schedule, firedAt, f.name, f.seed) })) };
}

export async function scheduledRun(input: ScheduledRunInput): Promise<ScheduledRunResult> {
  const info = workflowInfo();
  // Started by hand (not by the schedule), the workflow's own start time stands in for the fire time.
  const fired = info.typedSearchAttributes.get(scheduledStartTime) ?? info.startTime;
  const firedAt = fired.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const runId = scheduledRunId(input.schedule, firedAt);
  const config = firingConfig(input.config, input.schedule, firedAt);

  const result = await executeChild(synthesisRun, {
    workflowId: runWorkflowId(runId),
    // A second firing at the same second (a backfill, a reset) must not merge into the first one's run.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ runId, config, environments: input.environments, limits: input.limits, queues: input.queues, model: input.origin.model }],
  });

  const { summarizeRun, exportRun } = proxyActivities<StoreActivities>({ ...quick, startToCloseTimeout: '10 minutes', taskQueue: input.queues.store });
  const summary = await summarizeRun(runId, config.acceptance, config.episodesPerTask);
  const exported = input.exportDir === null ? null : await exportRun(runId, input.exportDir);
  const p = result.progress;
  return {
    runId,
    firedAt,
    seeds: Object.fromEntries(config.families.map((f) => [f.name, f.seed])),
    tasks: { total: p.tasksDone, accepted: p.tasksAccepted, rejected: p.tasksRejected },
    episodes: { done: p.modelEpisodesDone, passed: p.modelEpisodesPassed },
    summary,
    export: exported,
  };
}
