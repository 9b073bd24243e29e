// Calibrates one task: screening first (decontamination against the user's evaluation files, then exact and
// near duplicates of any task in the store, from a fingerprint of prompt, tools and initial state), then the gates (the reference passes; the reference without any state-changing step, the
// null policy, N random rollouts and the package's mutants fail; a guess passes at most 1% of the time), each
// recorded with its outcome; then k model episodes give its pass rate, and the task is kept when the model
// solves it at least sometimes (within the configured band). A task that fails a gate is rejected with the
// reason; gates or an episode that fail outright (a broken setup, a dead model server) reject the task too, and
// the run goes on with the others. The gates are one activity (verification/run-gates.ts, as `envs check` runs
// them): model-free and deterministic, so a retry runs them again at a cost of seconds.
import { executeChild, ParentClosePolicy, proxyActivities } from '@temporalio/workflow';
import type { EnvironmentActivities } from '../activities/environment-activities.js';
import type { StoreActivities } from '../activities/store-activities.js';
import type { RunConfig } from '../config/run-config.js';
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { TaskResult, TaskSpec } from '../schemas/types.js';
import { gateSuite, generation, quick } from './activity-options.js';
import { episodeId, episodeWorkflowId } from '../core/ids.js';
import { agentEpisode, type AgentEpisodeInput, type EpisodeSummary } from './agent-episode.js';
import { failureMessage } from './failure-message.js';
import { mapLimitUntil } from '../core/map-limit.js';
import { bandText, inBand } from '../calibration/acceptance.js';
import { decisionSettled } from '../calibration/early-stop.js';
import type { RunQueues } from './run-queues.js';

export interface CalibrateTaskInput {
  runId: string;
  rootWorkflowId: string;
  task: TaskSpec;
  image: string;
  config: Pick<RunConfig, 'episodesPerTask' | 'maxSteps' | 'acceptance' | 'model' | 'concurrency' | 'gates' | 'dedup' | 'decontamination' | 'purpose'>;
  limits: SandboxLimits;
  queues: RunQueues;
}

type EpisodeOutcome = EpisodeSummary | { failed: string };

export async function calibrateTask(input: CalibrateTaskInput): Promise<TaskResult> {
  const { task, config } = input;
  const { recordTask, recordTaskResult, recordGates, screenTask } = proxyActivities<StoreActivities>({ ...quick, taskQueue: input.queues.store });
  const { taskGates } = proxyActivities<EnvironmentActivities>(gateSuite(input.limits.timeoutMs, config.gates.randomSteps, task.reference.length));
  const { fingerprintTask } = proxyActivities<EnvironmentActivities>(generation);
  await recordTask(input.runId, task);

  const decide = async (result: Omit<TaskResult, 'taskId'>): Promise<TaskResult> => {
    const full = { taskId: task.id, ...result };
    await recordTaskResult(input.runId, full);
    return full;
  };
  const reject = (reason: string) => decide({ passRate: null, episodes: 0, passed: 0, accepted: false, reason });
  /** Rejected because something broke, not on the task's merits (a run where every task broke fails). */
  const broke = (reason: string) => decide({ passRate: null, episodes: 0, passed: 0, accepted: false, reason, broken: true });

  let screening;
  try {
    const fingerprint = await fingerprintTask({ runId: input.runId, task, limits: input.limits });
    screening = await screenTask({ runId: input.runId, task, fingerprint, dedup: config.dedup, decontamination: config.decontamination, heldOut: config.purpose === 'evaluation' });
  } catch (error) {
    return broke(`screening failed: ${failureMessage(error)}`);
  }
  if (screening.verdict !== 'kept') return reject(`${screening.verdict}: ${screening.detail}`);

  let gates;
  try {
    gates = await taskGates({ runId: input.runId, task, limits: input.limits, settings: config.gates, concurrency: config.concurrency.episodes });
  } catch (error) {
    return broke(`gates failed: ${failureMessage(error)}`);
  }
  await recordGates(input.runId, task.id, gates.outcomes);
  if (gates.failure) return reject(gates.failure);

  const episode = async (index: number): Promise<EpisodeOutcome> => {
    const args: AgentEpisodeInput = {
      runId: input.runId,
      rootWorkflowId: input.rootWorkflowId,
      task,
      image: input.image,
      index,
      laterEpisodes: config.episodesPerTask - 1 - index,
      maxSteps: config.maxSteps,
      model: { temperature: config.model.temperature, maxTokens: config.model.maxTokens, resampleRepeats: config.model.resampleRepeats, resampleInvalid: config.model.resampleInvalid },
      limits: input.limits,
      queues: input.queues,
    };
    try {
      return await executeChild(agentEpisode, {
        args: [args],
        workflowId: episodeWorkflowId(episodeId(task.id, index)),
        // A cancelled task cancels its episodes, whose cleanup then removes their sandboxes.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
    } catch (error) {
      return { failed: `model episode ${index} failed: ${failureMessage(error)}` };
    }
  };

  const indexes = Array.from({ length: config.episodesPerTask }, (_, i) => i);
  const band = config.acceptance;
  let passedSoFar = 0;
  let failedSoFar = 0;
  const counted = async (index: number): Promise<EpisodeOutcome> => {
    const outcome = await episode(index);
    if ('passed' in outcome) {
      if (outcome.passed) passedSoFar++;
      else failedSoFar++;
    }
    return outcome;
  };
  // Without earlyStop (the default) every one of the k episodes runs. Histories recorded before the setting
  // carry no `earlyStop` and replay this way.
  const settled = () => band.earlyStop === true && decisionSettled(band, config.episodesPerTask, passedSoFar, failedSoFar);
  const runs = await mapLimitUntil(indexes, config.concurrency.episodes, counted, settled);
  const failed = runs.filter((r): r is { failed: string } => 'failed' in r);
  // A pass rate over fewer episodes than asked for because some failed would be a different measurement: reject
  // instead (a stop on a settled decision is the only other way to run fewer).
  if (failed.length > 0) return broke(`${failed.length} of ${runs.length} model episodes failed; first: ${failed[0].failed}`);

  const passed = runs.filter((r) => 'passed' in r && r.passed).length;
  // When stopped early, over the episodes that ran; that rate lies in the band exactly when every completion's would.
  const passRate = passed / runs.length;
  const accepted = inBand(band, passRate);
  const over = runs.length < config.episodesPerTask ? ` over ${runs.length} of ${config.episodesPerTask} episodes (stopped early)` : '';
  return decide({
    passRate,
    episodes: runs.length,
    passed,
    accepted,
    reason: accepted ? null : `pass rate ${passRate.toFixed(2)}${over} outside ${bandText(band)}`,
  });
}
