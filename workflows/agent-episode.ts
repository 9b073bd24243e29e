// One episode: sandbox up -> [model step -> tool step]* -> probe -> verify -> store -> sandbox down.
// Each model call and each tool call is its own activity, so a crash resumes at the next step; a lost sandbox
// host or container moves the episode (see episode-sandbox.ts).
import { CancellationScope, getExternalWorkflowHandle, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ModelActivities } from '../activities/model-activities.js';
import type { StoreActivities } from '../activities/store-activities.js';
import type { TaskActivities } from '../activities/task-activities.js';
import type { RunConfig } from '../config/run-config.js';
import { LABEL_EPISODE, LABEL_RUN, LABEL_TASK, type SandboxLimits } from '../sandboxes/profile.js';
import {
  SUBMIT_TOOL,
  type ChatMessage,
  type EpisodeRecord,
  type Outcome,
  type StepRecord,
  type TaskSpec,
  type ToolCall,
  type Verdict,
} from '../schemas/types.js';
import { modelCall, quick } from './activity-options.js';
import { EpisodeRestart, EpisodeSandbox } from './episode-sandbox.js';
import { episodeId } from '../core/ids.js';
import { lastCall, sameCall } from '../core/same-call.js';
import { SYSTEM_PROMPT } from '../core/episode-prompt.js';
import { seedFor } from '../core/seed.js';
import { episodeFinishedSignal } from './messages.js';
import type { RunQueues } from './run-queues.js';

export interface AgentEpisodeInput {
  runId: string;
  /** The synthesisRun workflow to tell when this episode ends. */
  rootWorkflowId: string;
  task: TaskSpec;
  image: string;
  index: number;
  /** Episodes of the same task that start after this one (a hint for the host's warm sandboxes). */
  laterEpisodes?: number;
  maxSteps: number;
  model: Pick<RunConfig['model'], 'temperature' | 'maxTokens'> & Partial<Pick<RunConfig['model'], 'resampleRepeats' | 'resampleInvalid'>>;
  limits: SandboxLimits;
  queues: RunQueues;
}

export interface EpisodeSummary {
  id: string;
  passed: boolean;
  steps: number;
  errors: string[];
}


const { verifyOutcome } = proxyActivities<TaskActivities>(quick);
/**
 * Verification is pure and takes microseconds: as a local activity it runs in the workflow's own worker, with no
 * round trip through the task queue, and its result is still recorded (a marker), so a replay does not run it.
 */
const local = proxyLocalActivities<TaskActivities>(quick);


export async function agentEpisode(input: AgentEpisodeInput): Promise<EpisodeSummary> {
  const { task } = input;
  const policy = 'model' as const;
  const id = episodeId(task.id, input.index);
  const { modelStep } = proxyActivities<ModelActivities>({ ...modelCall, taskQueue: input.queues.model });
  const { recordEpisode } = proxyActivities<StoreActivities>({ ...quick, taskQueue: input.queues.store });

  const labels = { [LABEL_RUN]: input.runId, [LABEL_TASK]: task.id, [LABEL_EPISODE]: id };
  const sandbox = await EpisodeSandbox.open({ id, task, image: input.image, labels, limits: input.limits, ahead: input.laterEpisodes ?? 0 });
  try {
    // Starts over only when a lost sandbox could not be rebuilt exactly (see EpisodeSandbox); rare, and bounded
    // by the sandbox's own limit on moves.
    for (let attempt = 0; ; attempt++) {
      try {
        return await runEpisode(input, id, attempt, policy, sandbox, modelStep, recordEpisode);
      } catch (error) {
        if (!(error instanceof EpisodeRestart)) throw error;
      }
    }
  } finally {
    // Runs even when the episode is cancelled, so a cancelled run leaves no container behind.
    await CancellationScope.nonCancellable(() => sandbox.close());
  }
}

async function runEpisode(
  input: AgentEpisodeInput,
  id: string,
  /** 0, or how many times the episode started over: a new start samples anew (its own seeds). */
  attempt: number,
  policy: 'model',
  sandbox: EpisodeSandbox,
  modelStep: ModelActivities['modelStep'],
  recordEpisode: StoreActivities['recordEpisode'],
): Promise<EpisodeSummary> {
  const { task } = input;
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: task.prompt },
  ];
  const steps: StepRecord[] = [];
  let submitted: Record<string, unknown> | null = null;
  let stopReason: string | null = null;
  for (let index = 0; index < input.maxSteps && submitted === null && stopReason === null; index++) {
    const next = await nextCall(input, messages, index, attempt === 0 ? id : `${id}#restart-${attempt}`, modelStep);
    if ('stop' in next) {
      stopReason = next.stop;
      break;
    }
    const callId = `call_${index}`;
    messages.push({ role: 'assistant', toolCall: next.call, callId });
    if (next.call.name === SUBMIT_TOOL) {
      submitted = next.call.arguments;
      steps.push({ index, toolCall: next.call, result: null, raw: next.raw, ...tokensOf(next) });
      break;
    }
    const result = await sandbox.tool(next.call, steps);
    steps.push({ index, toolCall: next.call, result, raw: next.raw, ...tokensOf(next) });
    const content = result.exitCode === 0 ? result.output : `error (exit ${result.exitCode}): ${result.output}`;
    messages.push({ role: 'tool', callId, name: next.call.name, content: content.trim() || '(no output)' });
  }

  // A probe that cannot read what the agent left fails this episode only; the reference gate showed it works.
  const reading = await sandbox.probe(steps);
  const outcome: Outcome = { submitted, state: reading.ok ? reading.state : null };
  const verdict: Verdict = reading.ok
    ? await (patched('local-verification') ? local.verifyOutcome : verifyOutcome)(task.outcomeSchema, outcome)
    : { passed: false, errors: [reading.error] };
  if (stopReason) verdict.errors.unshift(`episode stopped: ${stopReason}`);
  const record: EpisodeRecord = {
    id,
    runId: input.runId,
    taskId: task.id,
    policy,
    index: input.index,
    messages,
    steps,
    outcome,
    verdict,
  };
  await recordEpisode(record);
  await getExternalWorkflowHandle(input.rootWorkflowId)
    .signal(episodeFinishedSignal, { policy, passed: verdict.passed })
    .catch(() => undefined); // progress only: a root that is gone must not fail the episode
  return { id, passed: verdict.passed, steps: steps.length, errors: verdict.errors };
}

type NextCall = { call: ToolCall; raw: string | null; outputTokens?: number[] } | { stop: string };

/**
 * The model's next tool call, under two resampling rules; each resample uses another seed and the episode keeps
 * only the call it takes, so the stored trajectory is still the model's own output, sampled under these rules.
 * - A call identical to the one just before it (same tool, same arguments) adds nothing the context does not
 *   already hold, and a small model that repeats once tends to repeat until the step limit (SmolLM2-135M on
 *   data-interpreter tier 0: 17 of 24 episodes). Resampled at most `resampleRepeats` times.
 * - An output that is not a valid call (nearly always one cut off at maxTokens: a number or string the model
 *   never closes) would end the episode. Resampled at most `resampleInvalid` times, then the episode stops on it.
 * Every sample is its own activity, so none is repeated on replay.
 */
async function nextCall(
  input: AgentEpisodeInput,
  messages: ChatMessage[],
  index: number,
  id: string,
  modelStep: ModelActivities['modelStep'],
): Promise<NextCall> {
  // Histories recorded before a rule existed replay without it.
  const repeatBudget = patched('resample-repeated-calls') ? (input.model.resampleRepeats ?? 0) : 0;
  const invalidBudget = patched('resample-invalid-output') ? (input.model.resampleInvalid ?? 0) : 0;
  const previous = lastCall(messages);
  let repeats = 0;
  let invalid = 0;
  for (let attempt = 0; ; attempt++) {
    const out = await modelStep({
      messages,
      tools: input.task.tools,
      seed: attempt === 0 ? seedFor(id, index) : seedFor(id, index, 'resample', attempt),
      temperature: input.model.temperature,
      maxTokens: input.model.maxTokens,
    });
    if (!out.ok) {
      if (invalid++ < invalidBudget) continue;
      return { stop: `invalid model output: ${out.error}` };
    }
    if (previous && sameCall(previous, out.step.toolCall) && repeats++ < repeatBudget) continue;
    return { call: out.step.toolCall, raw: out.step.raw, ...(out.step.outputTokens ? { outputTokens: out.step.outputTokens } : {}) };
  }
}

/** A step's generated token ids, when its engine reported them (kept with the step for training data). */
const tokensOf = (next: { outputTokens?: number[] }) => (next.outputTokens ? { outputTokens: next.outputTokens } : {});
