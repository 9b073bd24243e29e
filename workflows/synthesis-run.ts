// One synthesis run: the family's environment, then every tier's tasks calibrated with bounded concurrency.
// Tasks are generated in batches from (seed, tier, index), so a long run can continue-as-new with only a cursor.
import {
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { EnvironmentActivities } from '../activities/environment-activities.js';
import type { StoreActivities } from '../activities/store-activities.js';
import type { RunConfig } from '../config/run-config.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { EnvironmentRef, TaskResult, TaskSpec } from '../schemas/types.js';
import { environmentWorkflowId, taskWorkflowId } from '../core/ids.js';
import { generation, quick } from './activity-options.js';
import { buildEnvironment } from './build-environment.js';
import { calibrateTask } from './calibrate-task.js';
import { failureMessage } from './failure-message.js';
import { mapLimit } from '../core/map-limit.js';
import { emptyProgress, episodeFinishedSignal, progressQuery, type RunProgress } from './messages.js';
import type { RunQueues } from './run-queues.js';

export interface SynthesisRunInput {
  runId: string;
  config: RunConfig;
  /** The package the config's `family` named, as loaded when the run started (its hash names the image). */
  environment: EnvironmentRef;
  limits: SandboxLimits;
  queues: RunQueues;
  /** Set when the run continues as new: where to pick up, and what was counted so far. */
  resume?: { tierIndex: number; offset: number; image: string; progress: RunProgress };
}

export interface SynthesisRunResult {
  runId: string;
  image: string;
  progress: RunProgress;
}

/**
 * Tasks per batch between continue-as-new checks: enough to keep every task slot busy, few enough that a
 * batch's events (children, and a signal per episode) stay far below Temporal's history limits.
 */
const batchSizeFor = (config: RunConfig) => Math.min(Math.max(config.concurrency.tasks * 2, 8), 32);

const { generateTasks } = proxyActivities<EnvironmentActivities>(generation);

export async function synthesisRun(input: SynthesisRunInput): Promise<SynthesisRunResult> {
  const { config, runId } = input;
  const { recordRunStart, recordRunEnd, recordTaskResult } = proxyActivities<StoreActivities>({
    ...quick,
    taskQueue: input.queues.store,
  });
  const progress: RunProgress = input.resume?.progress ?? {
    ...emptyProgress(),
    tasksTotal: config.tiers.length * config.tasksPerTier,
  };
  setHandler(progressQuery, () => progress);
  setHandler(episodeFinishedSignal, ({ policy, passed }) => {
    progress.episodesDone++;
    if (passed) progress.episodesPassed++;
    if (policy === 'model') {
      progress.modelEpisodesDone++;
      if (passed) progress.modelEpisodesPassed++;
    }
  });

  /** A task whose calibration failed outright counts as rejected, with the reason stored when the store answers. */
  const calibrate = async (task: TaskSpec): Promise<TaskResult> => {
    try {
      return await executeChild(calibrateTask, {
        args: [{ runId, rootWorkflowId: workflowInfo().workflowId, task, image: image!, config, limits: input.limits, queues: input.queues }],
        workflowId: taskWorkflowId(task.id),
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      const result: TaskResult = {
        taskId: task.id, passRate: null, episodes: 0, passed: 0, accepted: false,
        reason: `calibration failed: ${failureMessage(error)}`,
      };
      await recordTaskResult(runId, result).catch(() => undefined);
      return result;
    }
  };

  let image = input.resume?.image;
  try {
    if (!image) {
      await recordRunStart(runId, config);
      const env = await executeChild(buildEnvironment, {
        args: [input.environment, input.queues.store],
        workflowId: environmentWorkflowId(workflowInfo().workflowId),
      });
      image = env.image;
    }

    const batchSize = batchSizeFor(config);
    let tierIndex = input.resume?.tierIndex ?? 0;
    let offset = input.resume?.offset ?? 0;
    while (tierIndex < config.tiers.length) {
      const tier = config.tiers[tierIndex];
      const count = Math.min(batchSize, config.tasksPerTier - offset);
      const tasks = await generateTasks(input.environment, { scope: runId, seed: config.seed, tier, count, offset });
      await mapLimit(tasks, config.concurrency.tasks, async (task) => {
        const result = await calibrate(task);
        progress.tasksDone++;
        if (result.accepted) progress.tasksAccepted++;
        else progress.tasksRejected++;
      });
      offset += count;
      if (offset >= config.tasksPerTier) {
        tierIndex++;
        offset = 0;
      }
      if (tierIndex < config.tiers.length && workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof synthesisRun>({ ...input, resume: { tierIndex, offset, image, progress } });
      }
    }
  } catch (error) {
    // Continuing as new is not an end; a cancellation or a failure is recorded, even from a cancelled scope.
    if (!(error instanceof ContinueAsNew)) {
      const status = isCancellation(error) ? 'cancelled' : 'failed';
      await CancellationScope.nonCancellable(() => recordRunEnd(runId, status));
    }
    throw error;
  }

  await recordRunEnd(runId, 'completed');
  return { runId, image: image!, progress };
}
