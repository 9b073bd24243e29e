// Scheduled synthesis jobs as Temporal Schedules: the server keeps the timetable, fires each run as a
// scheduledRun workflow (workflows/scheduled-run.ts), and remembers what it started. Nothing here keeps time.
import { msToNumber } from '@temporalio/common/lib/time.js';
import {
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleSpec,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { sandboxLimitsOf, type RunConfig } from '../config/run-config.js';
import { UsageError } from '../core/usage-error.js';
import { failureMessage } from '../workflows/failure-message.js';
import { scheduleWorkflowIdPrefix } from '../core/ids.js';
import type { EnvironmentRef } from '../schemas/types.js';
import { modelQueueName, storeQueueName } from '../worker/queue-names.js';
import type { ScheduledRunInput, ScheduledRunResult, ScheduleOrigin } from '../workflows/scheduled-run.js';


export const OVERLAP_POLICIES = { skip: ScheduleOverlapPolicy.SKIP, 'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE, allow: ScheduleOverlapPolicy.ALLOW_ALL } as const;
export type OverlapName = keyof typeof OVERLAP_POLICIES;

/** When a schedule fires: exactly one of an interval and a cron expression, plus optional jitter. */
export interface Timing {
  every?: string;
  cron?: string;
  jitter?: string;
}

export type { ScheduleOrigin };

/** A duration option (`6h`, `90m`, `1 day`) in milliseconds, or a usage error naming the option. */
export function durationMs(option: string, value: string, { min = 1 }: { min?: number } = {}): number {
  let ms: number;
  try {
    ms = msToNumber(value as never);
  } catch {
    throw new UsageError(`--${option} ${JSON.stringify(value)} is not a duration (examples: 30s, 15m, 6h, 1d)`);
  }
  if (!Number.isFinite(ms) || ms < min) {
    throw new UsageError(`--${option} ${JSON.stringify(value)} must be at least ${min / 1000} s`);
  }
  return ms;
}

export function scheduleSpec(timing: Timing): ScheduleSpec {
  if ((timing.every === undefined) === (timing.cron === undefined)) {
    throw new UsageError('give exactly one of --every and --cron');
  }
  const jitter = timing.jitter === undefined ? undefined : durationMs('jitter', timing.jitter, { min: 0 });
  if (timing.every !== undefined) return { intervals: [{ every: durationMs('every', timing.every, { min: 1000 }) }], jitter };
  const fields = timing.cron!.trim().split(/\s+/);
  // Temporal also takes @daily-style names; a plain expression must have the five (or six, with seconds) fields.
  if (!timing.cron!.trim().startsWith('@') && (fields.length < 5 || fields.length > 7)) {
    throw new UsageError(`--cron ${JSON.stringify(timing.cron)} needs five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"`);
  }
  return { cronExpressions: [timing.cron!.trim()], jitter };
}

export function overlapPolicy(name: string): ScheduleOverlapPolicy {
  const policy = OVERLAP_POLICIES[name as OverlapName];
  if (!policy) throw new UsageError(`--overlap ${JSON.stringify(name)}: choose one of ${Object.keys(OVERLAP_POLICIES).join(', ')}`);
  return policy;
}

/** Schedule names become workflow and run ids: keep them to characters that read well in both. */
export function checkScheduleName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    throw new UsageError(`schedule name ${JSON.stringify(name)}: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return name;
}

export interface ScheduledJob {
  name: string;
  config: RunConfig;
  environments: EnvironmentRef[];
  taskQueue: string;
  engineFingerprint: string;
  /** The id of the store the firings write to (see Store.storeId). */
  storeId: string;
  exportDir: string | null;
}

/** The action a schedule takes at each firing: start one scheduledRun on the job's task queue. */
export function scheduleAction(job: ScheduledJob, origin: ScheduleOrigin) {
  const input: ScheduledRunInput = {
    schedule: job.name,
    origin,
    config: job.config,
    environments: job.environments,
    limits: sandboxLimitsOf(job.config.sandbox),
    queues: { model: modelQueueName(job.taskQueue, job.engineFingerprint), store: storeQueueName(job.taskQueue, job.storeId) },
    exportDir: job.exportDir,
  };
  return {
    type: 'startWorkflow' as const,
    workflowType: 'scheduledRun',
    workflowId: scheduleWorkflowIdPrefix(job.name),
    taskQueue: job.taskQueue,
    args: [input],
  };
}

export interface CreateScheduleOptions {
  timing: Timing;
  overlap: ScheduleOverlapPolicy;
  catchupWindow?: string;
  origin: ScheduleOrigin;
  paused?: boolean;
  note?: string;
}

export async function createSchedule(client: Client, job: ScheduledJob, opts: CreateScheduleOptions) {
  const options: ScheduleOptions = {
    scheduleId: job.name,
    spec: scheduleSpec(opts.timing),
    action: scheduleAction(job, opts.origin),
    policies: {
      overlap: opts.overlap,
      catchupWindow: opts.catchupWindow === undefined ? undefined : durationMs('catchup-window', opts.catchupWindow, { min: 10_000 }),
    },
    state: { paused: opts.paused ?? false, note: opts.note },
  };
  return client.schedule.create(options);
}

/** The action's input of a schedule tasksynth made, or null for one some other tool made. */
function scheduledRunInput(description: Pick<ScheduleDescription, 'action'>): ScheduledRunInput | null {
  const action = description.action;
  if (action.type !== 'startWorkflow' || action.workflowType !== 'scheduledRun') return null;
  const [input] = action.args as [ScheduledRunInput | undefined];
  return input && typeof input === 'object' && input.origin ? input : null;
}

/** How a tasksynth schedule was made (its timetable, config file, model, queue, export), or null. */
export const originOf = (description: Pick<ScheduleDescription, 'action'>): ScheduleOrigin | null => scheduledRunInput(description)?.origin ?? null;

export interface ScheduleChanges {
  /** A new job (config, packages, model, queue, export directory) for the firings to come. */
  job?: ScheduledJob;
  /** Only the export directory of the current job. */
  exportDir?: string | null;
  /** Only the task queue of the current job (its model and store queues follow). */
  taskQueue?: string;
  /** Only the store the current job writes to. */
  storeId?: string;
  timing?: Timing;
  overlap?: ScheduleOverlapPolicy;
  catchupWindow?: string;
  origin?: Partial<ScheduleOrigin>;
}

/** Applies changes to a schedule, keeping everything not named (Temporal's update replaces the whole schedule). */
export async function updateSchedule(client: Client, name: string, changes: ScheduleChanges): Promise<void> {
  const spec = changes.timing ? scheduleSpec(changes.timing) : undefined;
  const catchupWindow = changes.catchupWindow === undefined ? undefined : durationMs('catchup-window', changes.catchupWindow, { min: 10_000 });
  await client.schedule.getHandle(name).update((previous): ScheduleUpdateOptions => {
    const input = scheduledRunInput(previous);
    if (!input) throw new UsageError(`schedule ${JSON.stringify(name)} was not made by tasksynth; change it with the temporal CLI`);
    const origin = { ...input.origin, ...changes.origin };
    const taskQueue = changes.taskQueue ?? previous.action.taskQueue;
    const storeId = changes.storeId ?? input.origin.storeId;
    const requeue = changes.taskQueue !== undefined || changes.storeId !== undefined;
    if (requeue && !changes.job && !storeId) {
      throw new UsageError(`schedule ${JSON.stringify(name)} was made before stores had ids: give --store-id (\`tasksynth worker --store\` prints it)`);
    }
    const queues = requeue ? { model: modelQueueName(taskQueue, input.origin.model), store: storeQueueName(taskQueue, storeId) } : input.queues;
    const action = changes.job
      ? scheduleAction(changes.job, origin)
      : { ...previous.action, taskQueue, args: [{ ...input, origin, queues, exportDir: changes.exportDir === undefined ? input.exportDir : changes.exportDir }] };
    return {
      ...previous,
      spec: spec ?? previous.spec,
      action,
      policies: {
        ...previous.policies,
        overlap: changes.overlap ?? previous.policies.overlap,
        catchupWindow: catchupWindow ?? previous.policies.catchupWindow,
      },
    } as ScheduleUpdateOptions;
  });
}

/** One firing as `describe` reports it: when, which run, and how it ended. */
export interface FiringReport {
  scheduledAt: Date;
  workflowId: string;
  status: string;
  result: ScheduledRunResult | null;
  failure: string | null;
}

export async function recentFirings(client: Client, description: ScheduleDescription): Promise<FiringReport[]> {
  const firings = description.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt, workflowId: a.action.workflow.workflowId, runId: a.action.workflow.firstExecutionRunId }));
  return Promise.all(
    firings.map(async (f): Promise<FiringReport> => {
      const handle = client.workflow.getHandle(f.workflowId, f.runId);
      try {
        const status = (await handle.describe()).status.name;
        if (status === 'RUNNING') return { ...f, status, result: null, failure: null };
        const result = await handle.result().then(
          (r) => ({ result: r as ScheduledRunResult, failure: null }),
          // The innermost cause says what went wrong (not "Child Workflow execution failed").
          (e: unknown) => ({ result: null, failure: failureMessage(e) }),
        );
        return { ...f, status, ...result };
      } catch (error) {
        // A firing whose history the server no longer keeps (retention) is still listed, without its outcome.
        return { ...f, status: 'UNKNOWN', result: null, failure: (error as Error).message };
      }
    }),
  );
}
