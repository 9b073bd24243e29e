// Calibrates one task: gates first (the reference solution must pass, the null policy must fail), then k model
// episodes give its pass rate; the task is accepted when the model solves it at least sometimes (within range).
// An episode that fails outright (a dead model server, a broken probe) rejects its task with the reason; the
// run goes on with the other tasks.
import { executeChild, ParentClosePolicy, proxyActivities } from '@temporalio/workflow';
import type { StoreActivities } from '../activities/store-activities.js';
import type { RunConfig } from '../config/run-config.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { Policy, TaskResult, TaskSpec } from '../schemas/types.js';
import { quick } from './activity-options.js';
import { agentEpisode, episodeId, type AgentEpisodeInput, type EpisodeSummary } from './agent-episode.js';
import { failureMessage } from './failure-message.js';
import { mapLimit } from './map-limit.js';
import type { RunQueues } from './run-queues.js';

export interface CalibrateTaskInput {
  runId: string;
  rootWorkflowId: string;
  task: TaskSpec;
  image: string;
  config: Pick<RunConfig, 'episodesPerTask' | 'maxSteps' | 'acceptance' | 'model' | 'concurrency'>;
  limits: SandboxLimits;
  queues: RunQueues;
}

type EpisodeOutcome = EpisodeSummary | { failed: string };

export async function calibrateTask(input: CalibrateTaskInput): Promise<TaskResult> {
  const { task, config } = input;
  const { recordTask, recordTaskResult } = proxyActivities<StoreActivities>({ ...quick, taskQueue: input.queues.store });
  await recordTask(input.runId, task);

  const episode = async (policy: Policy, index: number): Promise<EpisodeOutcome> => {
    const args: AgentEpisodeInput = {
      runId: input.runId,
      rootWorkflowId: input.rootWorkflowId,
      task,
      image: input.image,
      policy,
      index,
      maxSteps: policy === 'reference' ? task.reference.length : config.maxSteps,
      model: { temperature: config.model.temperature, maxTokens: config.model.maxTokens },
      limits: input.limits,
      queues: input.queues,
    };
    try {
      return await executeChild(agentEpisode, {
        args: [args],
        workflowId: `episode/${episodeId(task.id, policy, index)}`,
        // A cancelled task cancels its episodes, whose cleanup then removes their sandboxes.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
    } catch (error) {
      return { failed: `${policy} episode ${index} failed: ${failureMessage(error)}` };
    }
  };

  const decide = async (result: Omit<TaskResult, 'taskId'>): Promise<TaskResult> => {
    const full = { taskId: task.id, ...result };
    await recordTaskResult(input.runId, full);
    return full;
  };
  const reject = (reason: string) => decide({ passRate: null, episodes: 0, passed: 0, accepted: false, reason });

  const reference = await episode('reference', 0);
  if ('failed' in reference) return reject(reference.failed);
  if (!reference.passed) return reject(`reference solution fails: ${reference.errors.join('; ')}`);
  const nullRun = await episode('null', 0);
  if ('failed' in nullRun) return reject(nullRun.failed);
  if (nullRun.passed) return reject('null policy passes: submitting without acting solves the task');

  const indexes = Array.from({ length: config.episodesPerTask }, (_, i) => i);
  const runs = await mapLimit(indexes, config.concurrency.episodes, (i) => episode('model', i));
  const failed = runs.filter((r): r is { failed: string } => 'failed' in r);
  // A pass rate over fewer episodes than asked would be a different measurement: reject instead.
  if (failed.length > 0) return reject(`${failed.length} of ${runs.length} model episodes failed; first: ${failed[0].failed}`);

  const passed = runs.filter((r) => 'passed' in r && r.passed).length;
  const passRate = passed / runs.length;
  const { minPassRate, maxPassRate } = config.acceptance;
  const accepted = passRate >= minPassRate && passRate <= maxPassRate;
  return decide({
    passRate,
    episodes: runs.length,
    passed,
    accepted,
    reason: accepted ? null : `pass rate ${passRate.toFixed(2)} outside [${minPassRate}, ${maxPassRate}]`,
  });
}
