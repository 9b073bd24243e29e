// One family of a run: its environment, then its tasks in batches whose tiers the curriculum picks (or, in fixed
// mode, every listed tier's count in order), each calibrated with bounded concurrency. The family continues as new
// with only its cursor when its history grows long.
import {
  ApplicationFailure,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { EnvironmentActivities } from '../activities/environment-activities.js';
import type { StoreActivities } from '../activities/store-activities.js';
import { observeBatch, planBatch, startCurriculum, type CurriculumState, type TaskOutcomeAtTier } from '../calibration/curriculum.js';
import { plannedTasks, type FamilyPlan, type RunConfig } from '../config/run-config.js';
import { environmentWorkflowId, taskWorkflowId } from '../core/ids.js';
import { mapLimit } from '../core/map-limit.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { EnvironmentRef, TaskResult, TaskSpec } from '../schemas/types.js';
import { generation, quick } from './activity-options.js';
import { buildEnvironment } from './build-environment.js';
import { calibrateTask } from './calibrate-task.js';
import { failureMessage } from './failure-message.js';
import { taskFinishedSignal } from './messages.js';
import type { RunQueues } from './run-queues.js';

export interface FamilyRunInput {
  runId: string;
  rootWorkflowId: string;
  family: FamilyPlan;
  environment: EnvironmentRef;
  config: RunConfig;
  limits: SandboxLimits;
  queues: RunQueues;
  /** Tasks of this family in flight at once. */
  concurrency: number;
  resume?: FamilyCursor;
}

/** Where a family stands: enough to continue as new. */
export interface FamilyCursor {
  image: string;
  /** Tasks planned so far. */
  done: number;
  /** The next generator index at each tier. */
  offsets: Record<number, number>;
  /** Adaptive mode only. */
  curriculum: CurriculumState | null;
  accepted: number;
  /** Tasks rejected because something broke, and the first such reason (absent in older histories). */
  broken?: number;
  firstBreak?: string;
}

export interface FamilyRunResult {
  family: string;
  tasks: number;
  accepted: number;
  /** The tier the curriculum reached (adaptive), or the highest tier run (fixed). */
  lastTier: number;
}

const { generateTasks } = proxyActivities<EnvironmentActivities>(generation);

/** Fixed mode: the k-th task's tier, every tier's count in the listed order. */
const fixedTier = (family: FamilyPlan, k: number) => family.tiers[Math.floor(k / family.tasksPerTier!)];

export async function familyRun(input: FamilyRunInput): Promise<FamilyRunResult> {
  const { config, family, runId } = input;
  const { recordTaskResult } = proxyActivities<StoreActivities>({ ...quick, taskQueue: input.queues.store });
  const root = getExternalWorkflowHandle(input.rootWorkflowId);
  const total = plannedTasks(family);
  const adaptive = family.tasks !== undefined;

  const cursor: FamilyCursor = input.resume ?? {
    image: '',
    done: 0,
    offsets: {},
    curriculum: adaptive ? startCurriculum(family.tiers) : null,
    accepted: 0,
  };
  if (!cursor.image) {
    const env = await executeChild(buildEnvironment, {
      args: [input.environment, input.queues.store],
      workflowId: environmentWorkflowId(input.rootWorkflowId, family.name),
    });
    cursor.image = env.image;
  }

  /** A task whose calibration failed outright counts as rejected, with the reason stored when the store answers. */
  const calibrate = async (task: TaskSpec): Promise<TaskResult> => {
    try {
      return await executeChild(calibrateTask, {
        args: [{ runId, rootWorkflowId: input.rootWorkflowId, task, image: cursor.image, config, limits: input.limits, queues: input.queues }],
        workflowId: taskWorkflowId(task.id),
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      const result: TaskResult = {
        taskId: task.id, passRate: null, episodes: 0, passed: 0, accepted: false,
        reason: `calibration failed: ${failureMessage(error)}`, broken: true,
      };
      await recordTaskResult(runId, result).catch(() => undefined);
      return result;
    }
  };

  // Adaptive batches are small so the curriculum reacts; fixed ones only need to keep every slot busy.
  const batchSize = adaptive ? Math.max(1, input.concurrency) : Math.min(Math.max(input.concurrency * 2, 8), 32);
  while (cursor.done < total) {
    const size = Math.min(batchSize, total - cursor.done);
    const tiers = cursor.curriculum
      ? planBatch(cursor.curriculum, size)
      : Array.from({ length: size }, (_, i) => fixedTier(family, cursor.done + i));
    const tasks: TaskSpec[] = [];
    for (const tier of [...new Set(tiers)]) {
      const count = tiers.filter((t) => t === tier).length;
      const offset = cursor.offsets[tier] ?? 0;
      tasks.push(...(await generateTasks(input.environment, { scope: runId, seed: family.seed, tier, count, offset })));
      cursor.offsets[tier] = offset + count;
    }
    const outcomes: TaskOutcomeAtTier[] = await mapLimit(tasks, input.concurrency, async (task) => {
      const result = await calibrate(task);
      if (result.accepted) cursor.accepted++;
      if (result.broken) {
        cursor.broken = (cursor.broken ?? 0) + 1;
        cursor.firstBreak ??= result.reason ?? 'unknown';
      }
      await root.signal(taskFinishedSignal, { family: family.name, accepted: result.accepted });
      return { tier: task.tier, episodes: result.episodes, passed: result.passed };
    });
    cursor.done += size;
    if (cursor.curriculum) cursor.curriculum = observeBatch(cursor.curriculum, outcomes);
    if (cursor.done < total && workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof familyRun>({ ...input, resume: cursor });
    }
  }
  // A family none of whose tasks could even be measured did not run: fail with the cause instead of reporting
  // every task "rejected" (a dead model server, a broken package, a lost Docker host).
  if (cursor.done > 0 && cursor.broken === cursor.done) {
    throw ApplicationFailure.nonRetryable(`every one of its ${cursor.done} tasks broke; the first: ${cursor.firstBreak}`, 'EveryTaskBroke');
  }
  const lastTier = cursor.curriculum
    ? cursor.curriculum.tiers[cursor.curriculum.level]
    : Math.max(...Object.keys(cursor.offsets).map(Number));
  return { family: family.name, tasks: cursor.done, accepted: cursor.accepted, lastTier };
}
