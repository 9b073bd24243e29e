// One synthesis run: every family of the config at once, each in its own workflow (family-run.ts) with its share
// of the run's task concurrency. A family that fails (its image cannot be built, its generator is broken) is
// reported and the others go on; the run fails only when every family did.
import { ApplicationFailure, CancellationScope, executeChild, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { StoreActivities } from '../activities/store-activities.js';
import { plannedTasks, type RunConfig } from '../config/run-config.js';
import { familyWorkflowId } from '../core/ids.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { EnvironmentRef } from '../schemas/types.js';
import { quick } from './activity-options.js';
import { familyRun, type FamilyRunResult } from './family-run.js';
import { failureMessage } from './failure-message.js';
import { emptyProgress, episodeFinishedSignal, progressQuery, taskFinishedSignal, type RunProgress } from './messages.js';
import type { RunQueues } from './run-queues.js';

export interface SynthesisRunInput {
  runId: string;
  config: RunConfig;
  /** Each family's package as loaded when the run started, in the order of config.families (hashes name images). */
  environments: EnvironmentRef[];
  limits: SandboxLimits;
  queues: RunQueues;
  /** The engine fingerprint of the model that answers (absent in histories recorded before it was kept). */
  model?: string;
}

export interface SynthesisRunResult {
  runId: string;
  families: Array<FamilyRunResult | { family: string; error: string }>;
  progress: RunProgress;
}

export async function synthesisRun(input: SynthesisRunInput): Promise<SynthesisRunResult> {
  const { config, runId } = input;
  const { recordRunStart, recordRunEnd } = proxyActivities<StoreActivities>({ ...quick, taskQueue: input.queues.store });
  const progress: RunProgress = { ...emptyProgress(), tasksTotal: config.families.reduce((n, f) => n + plannedTasks(f), 0) };
  setHandler(progressQuery, () => progress);
  setHandler(episodeFinishedSignal, ({ policy, passed }) => {
    progress.episodesDone++;
    if (passed) progress.episodesPassed++;
    if (policy === 'model') {
      progress.modelEpisodesDone++;
      if (passed) progress.modelEpisodesPassed++;
    }
  });
  setHandler(taskFinishedSignal, ({ accepted }) => {
    progress.tasksDone++;
    if (accepted) progress.tasksAccepted++;
    else progress.tasksRejected++;
  });

  const rootWorkflowId = workflowInfo().workflowId;
  // The run's task slots are shared among its families, at least one each.
  const concurrency = Math.max(1, Math.floor(config.concurrency.tasks / config.families.length));
  let families: SynthesisRunResult['families'];
  try {
    await recordRunStart(runId, config, { model: input.model, environmentHashes: input.environments.map((e) => e.hash) });
    families = await Promise.all(
      config.families.map(async (family, i) => {
        try {
          return await executeChild(familyRun, {
            args: [{ runId, rootWorkflowId, family, environment: input.environments[i], config, limits: input.limits, queues: input.queues, concurrency }],
            workflowId: familyWorkflowId(rootWorkflowId, family.name),
          });
        } catch (error) {
          if (isCancellation(error)) throw error;
          return { family: family.name, error: failureMessage(error) };
        }
      }),
    );
  } catch (error) {
    // A cancellation or a failure is recorded, even from a cancelled scope.
    const status = isCancellation(error) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(() => recordRunEnd(runId, status));
    throw error;
  }
  const failed = families.filter((f): f is { family: string; error: string } => 'error' in f);
  if (failed.length === families.length) {
    await recordRunEnd(runId, 'failed');
    // An ApplicationFailure fails the run; a plain Error would only fail the workflow task, retried for ever.
    throw ApplicationFailure.nonRetryable(`every family failed: ${failed.map((f) => `${f.family}: ${f.error}`).join('; ')}`, 'EveryFamilyFailed');
  }
  await recordRunEnd(runId, 'completed');
  return { runId, families, progress };
}
