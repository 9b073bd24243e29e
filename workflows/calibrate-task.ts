// Calibrates one task: the gates first (the reference passes; the reference without any state-changing step, the
// null policy, N random rollouts and the package's mutants fail; a guess passes at most 1% of the time), each
// recorded with its outcome; then k model episodes give its pass rate, and the task is kept when the model
// solves it at least sometimes (within the configured band). A task that fails a gate is rejected with the
// reason; a rollout or episode that fails outright (a broken setup, a dead model server) rejects its task too,
// and the run goes on with the others.
import { executeChild, ParentClosePolicy, proxyActivities } from '@temporalio/workflow';
import type { EnvironmentActivities, GateRolloutResult } from '../activities/environment-activities.js';
import type { StoreActivities } from '../activities/store-activities.js';
import type { TaskActivities } from '../activities/task-activities.js';
import type { RunConfig } from '../config/run-config.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { TaskResult, TaskSpec } from '../schemas/types.js';
import { gateFailure, planGates, type GateOutcome, type RolloutPlan } from '../verification/gates.js';
import { gateRolloutCall, quick } from './activity-options.js';
import { agentEpisode, episodeId, type AgentEpisodeInput, type EpisodeSummary } from './agent-episode.js';
import { failureMessage } from './failure-message.js';
import { mapLimit } from '../core/map-limit.js';
import type { RunQueues } from './run-queues.js';

export interface CalibrateTaskInput {
  runId: string;
  rootWorkflowId: string;
  task: TaskSpec;
  image: string;
  config: Pick<RunConfig, 'episodesPerTask' | 'maxSteps' | 'acceptance' | 'model' | 'concurrency' | 'gates'>;
  limits: SandboxLimits;
  queues: RunQueues;
}

type EpisodeOutcome = EpisodeSummary | { failed: string };

const { guessGate } = proxyActivities<TaskActivities>(quick);

export async function calibrateTask(input: CalibrateTaskInput): Promise<TaskResult> {
  const { task, config } = input;
  const { recordTask, recordTaskResult, recordGates } = proxyActivities<StoreActivities>({ ...quick, taskQueue: input.queues.store });
  const plans = planGates(task, config.gates);
  const longest = Math.max(...plans.map((p) => p.calls?.length ?? p.random?.steps ?? 0));
  const { gateRollout } = proxyActivities<EnvironmentActivities>(gateRolloutCall(input.limits.timeoutMs, longest));
  await recordTask(input.runId, task);

  const decide = async (result: Omit<TaskResult, 'taskId'>): Promise<TaskResult> => {
    const full = { taskId: task.id, ...result };
    await recordTaskResult(input.runId, full);
    return full;
  };
  const reject = (reason: string) => decide({ passRate: null, episodes: 0, passed: 0, accepted: false, reason });

  const rollout = (plan: RolloutPlan): Promise<GateRolloutResult | { failed: string }> =>
    gateRollout({ runId: input.runId, task, image: input.image, plan, limits: input.limits }).catch((error: unknown) => ({
      failed: `gate rollout "${plan.name}" failed: ${failureMessage(error)}`,
    }));

  // The reference first: when it fails there is nothing to gate.
  const reference = await rollout(plans[0]);
  if ('failed' in reference) return reject(reference.failed);
  const outcomes: GateOutcome[] = [reference.outcome];
  if (reference.outcome.passed) {
    const rest = await mapLimit(plans.slice(1), config.concurrency.episodes, rollout);
    const broken = rest.find((r): r is { failed: string } => 'failed' in r);
    if (broken) return reject(broken.failed);
    outcomes.push(...rest.map((r) => (r as GateRolloutResult).outcome));
    const guess = await guessGate(task, reference.state);
    if (guess) outcomes.push(guess);
  }
  await recordGates(input.runId, task.id, outcomes);
  const failure = gateFailure(outcomes);
  if (failure) return reject(failure);

  const episode = async (index: number): Promise<EpisodeOutcome> => {
    const args: AgentEpisodeInput = {
      runId: input.runId,
      rootWorkflowId: input.rootWorkflowId,
      task,
      image: input.image,
      index,
      maxSteps: config.maxSteps,
      model: { temperature: config.model.temperature, maxTokens: config.model.maxTokens },
      limits: input.limits,
      queues: input.queues,
    };
    try {
      return await executeChild(agentEpisode, {
        args: [args],
        workflowId: `episode/${episodeId(task.id, index)}`,
        // A cancelled task cancels its episodes, whose cleanup then removes their sandboxes.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
    } catch (error) {
      return { failed: `model episode ${index} failed: ${failureMessage(error)}` };
    }
  };

  const indexes = Array.from({ length: config.episodesPerTask }, (_, i) => i);
  const runs = await mapLimit(indexes, config.concurrency.episodes, episode);
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
