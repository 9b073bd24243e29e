// One synthesis run: the family's environment, then every tier's tasks calibrated with bounded concurrency.
// Tasks are generated in batches from (seed, tier, index), so a long run can continue-as-new with only a cursor.
import {
  ContinueAsNew,
  continueAsNew,
  executeChild,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { StoreActivities } from '../activities/store-activities.js';
import type { TaskActivities } from '../activities/task-activities.js';
import type { RunConfig } from '../config/run-config.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { TaskResult } from '../schemas/types.js';
import { quick } from './activity-options.js';
import { buildEnvironment } from './build-environment.js';
import { calibrateTask } from './calibrate-task.js';
import { mapLimit } from './map-limit.js';
import { emptyProgress, episodeFinishedSignal, progressQuery, type RunProgress } from './messages.js';

export interface SynthesisRunInput {
  runId: string;
  config: RunConfig;
  limits: SandboxLimits;
  /** Set when the run continues as new: where to pick up, and what was counted so far. */
  resume?: { tierIndex: number; offset: number; image: string; progress: RunProgress };
}

export interface SynthesisRunResult {
  runId: string;
  image: string;
  progress: RunProgress;
}

const { generateTasks } = proxyActivities<TaskActivities>(quick);
const { recordRunStart, recordRunEnd } = proxyActivities<StoreActivities>(quick);

export async function synthesisRun(input: SynthesisRunInput): Promise<SynthesisRunResult> {
  const { config, runId } = input;
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

  let image = input.resume?.image;
  try {
    if (!image) {
      await recordRunStart(runId, config);
      const env = await executeChild(buildEnvironment, {
        args: [config.family],
        workflowId: `${workflowInfo().workflowId}/environment`,
      });
      image = env.image;
    }

    // A batch keeps every task slot busy for a while between continue-as-new checks.
    const batchSize = Math.max(config.concurrency.tasks * 4, 8);
    let tierIndex = input.resume?.tierIndex ?? 0;
    let offset = input.resume?.offset ?? 0;
    while (tierIndex < config.tiers.length) {
      const tier = config.tiers[tierIndex];
      const count = Math.min(batchSize, config.tasksPerTier - offset);
      const tasks = await generateTasks(runId, config.family, config.seed, tier, count, offset);
      const results = await mapLimit(tasks, config.concurrency.tasks, (task) =>
        executeChild(calibrateTask, {
          args: [{ runId, rootWorkflowId: workflowInfo().workflowId, task, image: image!, config, limits: input.limits }],
          workflowId: `task/${task.id}`,
        }),
      );
      results.forEach((r: TaskResult) => {
        progress.tasksDone++;
        if (r.accepted) progress.tasksAccepted++;
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
    // Continuing as new is not a failure; anything else marks the run failed in the store, then fails it.
    if (!(error instanceof ContinueAsNew)) await recordRunEnd(runId, 'failed');
    throw error;
  }

  await recordRunEnd(runId, 'completed');
  return { runId, image: image!, progress };
}
