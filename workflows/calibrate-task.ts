// Calibrates one task: gates first (the reference solution must pass, the null policy must fail), then k model
// episodes give its pass rate; the task is accepted when the model solves it at least sometimes (within range).
import { executeChild, proxyActivities } from '@temporalio/workflow';
import type { StoreActivities } from '../activities/store-activities.js';
import type { RunConfig } from '../config/run-config.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { Policy, TaskResult, TaskSpec } from '../schemas/types.js';
import { quick } from './activity-options.js';
import { agentEpisode, episodeId, type AgentEpisodeInput, type EpisodeSummary } from './agent-episode.js';
import { mapLimit } from './map-limit.js';

export interface CalibrateTaskInput {
  runId: string;
  rootWorkflowId: string;
  task: TaskSpec;
  image: string;
  config: Pick<RunConfig, 'episodesPerTask' | 'maxSteps' | 'acceptance' | 'model' | 'concurrency'>;
  limits: SandboxLimits;
}

const { recordTask, recordTaskResult } = proxyActivities<StoreActivities>(quick);

export async function calibrateTask(input: CalibrateTaskInput): Promise<TaskResult> {
  const { task, config } = input;
  await recordTask(input.runId, task);

  const episode = (policy: Policy, index: number): Promise<EpisodeSummary> => {
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
    };
    return executeChild(agentEpisode, {
      args: [args],
      workflowId: `episode/${episodeId(task.id, policy, index)}`,
    });
  };

  const reject = async (reason: string): Promise<TaskResult> => {
    const result: TaskResult = { taskId: task.id, passRate: null, episodes: 0, passed: 0, accepted: false, reason };
    await recordTaskResult(input.runId, result);
    return result;
  };

  const reference = await episode('reference', 0);
  if (!reference.passed) return reject(`reference solution fails: ${reference.errors.join('; ')}`);
  const nullRun = await episode('null', 0);
  if (nullRun.passed) return reject('null policy passes: submitting without acting solves the task');

  const indexes = Array.from({ length: config.episodesPerTask }, (_, i) => i);
  const runs = await mapLimit(indexes, config.concurrency.episodes, (i) => episode('model', i));
  const passed = runs.filter((r) => r.passed).length;
  const passRate = passed / runs.length;
  const { minPassRate, maxPassRate } = config.acceptance;
  const accepted = passRate >= minPassRate && passRate <= maxPassRate;
  const result: TaskResult = {
    taskId: task.id,
    passRate,
    episodes: runs.length,
    passed,
    accepted,
    reason: accepted ? null : `pass rate ${passRate.toFixed(2)} outside [${minPassRate}, ${maxPassRate}]`,
  };
  await recordTaskResult(input.runId, result);
  return result;
}
