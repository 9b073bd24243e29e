// Benchmark: a run's model episodes through the pipeline (Temporal workflows, the store) against the same
// episodes in a bare loop in the same process: the same engine instance, lanes, warm pool, removal queue and
// sandbox activities, with Temporal and the store taken out. Then the bare loop once more on an engine that clears
// its sequence before every step (no prefix reuse), the engine as it served episodes before prefix reuse.
//
// Phases:
// 1. pipeline: a Temporal dev server, a store in a temp dir, createWorkers with the embedded engine, the config
//    (BENCH_CONFIG, default examples/quickstart.yaml) run to its end. Episode spans, model activity times and
//    token counts are read back from the episode workflows' histories.
// 2. bare loop: for every task that reached model episodes, the same episode indexes (so the same ids and seeds)
//    with agentEpisode's loop re-enacted here: sandbox up, model step (same resample rules), tool step, probe,
//    verify, sandbox close, each activity function called directly inside a MockActivityEnvironment. Families run
//    side by side, each with the pipeline's share of concurrency.tasks as task lanes, each task with
//    concurrency.episodes episode lanes (as familyRun and calibrateTask do).
// 3. cleared sequence (skipped with BENCH_SKIP_CLEARED=1): phase 2 on a separately loaded engine with
//    reusePrefix false (the option bench/prefix-reuse.ts compares against).
// Before each phase the engine takes one throwaway step and then forgets every sequence (see resetEngine): warm,
// and holding none of the previous phase's conversations.
//
// Definitions:
// - wall of the pipeline: its episodes phase, from the first episode workflow's start to the last one's close.
//   Other work of the run (task generation, screening, gates of later tasks) runs inside that span and shares the
//   cores; the output says how much. Wall of a bare phase: from its first episode's start to its last one's end.
// - model time: each modelStep activity from ActivityTaskStarted to ActivityTaskCompleted (what the worker spent
//   on it, no wait in the task queue); in the bare loop, the modelStep call from when it holds one of the engine's
//   slots (the model worker takes as many activities at once as the engine's concurrency; so does the bare loop).
// - model share, engine busy: sum of model time / (episodes phase wall × the engine's concurrency), the fraction
//   of the phase the engine was serving a step.
// - model share, per episode: each episode's model time / its own wall (workflow start to close), then the mean.
// - where the cores went: bench/cpu-profile.ts over each episodes phase (this process, the Temporal server, the
//   Docker daemons, the containers' cgroup, the rest of the host), so a gap between the phases shows whose CPU
//   the engine's threads shared their cores with.
// - prompt tokens evaluated / reused per episode: the engine's per-step usage (evaluatedTokens, and promptTokens
//   minus evaluatedTokens), summed over an episode's model steps that returned a valid call (an invalid output
//   carries no usage, in every phase alike), then the mean.
//
// Knobs: BENCH_CONFIG (the run config), BENCH_SKIP_CLEARED=1 (no phase 3), BENCH_DUMP=file (per-episode measures
// of every phase as JSON, per-step model times included).
// Run: npm run build && node dist/bench/pipeline-vs-bare.js (Docker, the model and the Temporal CLI: npm run setup).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time.js';
import type { WorkflowHandle } from '@temporalio/client';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import type Docker from 'dockerode';
import { createModelActivities, type ModelActivities, type ModelStepOutcome } from '../activities/model-activities.js';
import { DEFAULT_MAX_LIVE_SANDBOXES, HOST_FULL, type SandboxActivities } from '../activities/sandbox-activities.js';
import { createTaskActivities, type TaskActivities } from '../activities/task-activities.js';
import { runIdFor } from '../client/run-id.js';
import { startSynthesisRun, watchRun } from '../client/start-run.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { sandboxLimitsOf, type RunConfig } from '../config/run-config.js';
import { episodeId } from '../core/ids.js';
import { mapLimit } from '../core/map-limit.js';
import { lastCall, sameCall } from '../core/same-call.js';
import { SYSTEM_PROMPT } from '../core/episode-prompt.js';
import { seedFor } from '../core/seed.js';
import { Store } from '../data/store.js';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { environmentRef } from '../environments/package.js';
import { EmbeddedEngine } from '../inference/embedded-engine.js';
import type { InferenceEngine } from '../inference/engine.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { LABEL_EPISODE, LABEL_MANAGED, LABEL_RUN, LABEL_TASK, LABEL_TEMPORAL, type SandboxLimits } from '../sandboxes/profile.js';
import { DEFAULT_WARM_SANDBOXES } from '../sandboxes/warm-pool.js';
import { SUBMIT_TOOL, type ChatMessage, type Outcome, type StepRecord, type TaskSpec, type ToolCall, type Verdict } from '../schemas/types.js';
import { createWorkers, type WorkerGroup } from '../worker/create-workers.js';
import { workerEngine } from '../worker/engine-provider.js';
import { createHostSandboxes } from '../worker/host-sandboxes.js';
import { installRuntimeLogging } from '../worker/runtime-logging.js';
import { findTemporalCli } from '../worker/temporal-server.js';
import { CpuProfile } from './cpu-profile.js';

const CONFIG_FILE = process.env.BENCH_CONFIG ?? 'examples/quickstart.yaml';
const SKIP_CLEARED = process.env.BENCH_SKIP_CLEARED === '1';
/** Writes every phase's per-episode measures (JSON) to this file, to look into a figure. */
const DUMP_FILE = process.env.BENCH_DUMP;

/** Copied from workflows/agent-episode.ts (not exported there, and that module calls workflow APIs at load). */
/** Same as workflows/episode-sandbox.ts HOST_FULL_WAIT_MS: the first wait for a slot on a full host. */
const HOST_FULL_WAIT_MS = 5_000;

/** What the table and the comparison need of one episode, whichever phase ran it. */
interface EpisodeMeasure {
  id: string;
  passed: boolean;
  steps: number;
  /** The tool calls taken, as JSON, to tell identical trajectories apart from merely equal verdicts. */
  calls: string;
  startMs: number;
  endMs: number;
  modelMs: number;
  /** Each model step's time, in order (resamples included). */
  stepMs: number[];
  evaluated: number;
  reused: number;
}

interface PhaseResult {
  name: string;
  episodes: EpisodeMeasure[];
  wallMs: number;
}

/** A task the pipeline ran model episodes for, with what the bare loop needs to run them again. */
interface PlannedTask {
  task: TaskSpec;
  family: string;
  image: string;
  indexes: number[];
  /** When the pipeline started its first episode: the bare loop takes tasks in the same order. */
  firstStart: number;
}

/** Everything the bare loop shares with the pipeline's workers. */
interface BareContext {
  runId: string;
  config: RunConfig;
  limits: SandboxLimits;
  docker: Docker;
  catalog: EnvironmentCatalog;
  owner: Record<string, string>;
  maxLive: number;
  warmSize: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every resource registers how it is released; run once, in reverse order, on success, error or signal.

const releases: Array<{ what: string; fn: () => Promise<unknown> }> = [];
let released: Promise<void> | null = null;
const onRelease = (what: string, fn: () => Promise<unknown>) => releases.push({ what, fn });
function releaseAll(): Promise<void> {
  released ??= (async () => {
    for (const { what, fn } of releases.reverse()) {
      // One failed release must not keep the others from running.
      await fn().catch((error: unknown) => console.error(`cleanup: ${what} failed: ${(error as Error).message}`));
    }
  })();
  return released;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void releaseAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Phase 1: the pipeline, and what its histories say.

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

const decode = <T>(payload: unknown): T => defaultPayloadConverter.fromPayload<T>(payload as Payload);
const eventMs = (e: HistoryEvent) => tsToMs(e.eventTime);

/** Each completed activity of a history: its type, when a worker started it, when it completed, and its result. */
function completedActivities(history: History): Array<{ type: string; startMs: number; endMs: number; result: Payload | undefined }> {
  const types = new Map<string, string>();
  const starts = new Map<string, number>();
  const out: Array<{ type: string; startMs: number; endMs: number; result: Payload | undefined }> = [];
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) starts.set(String(started.scheduledEventId), eventMs(e));
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const key = String(done.scheduledEventId);
      out.push({ type: types.get(key) ?? '?', startMs: starts.get(key) ?? eventMs(e), endMs: eventMs(e), result: done.result?.payloads?.[0] as Payload | undefined });
    }
  }
  return out;
}

/** A workflow's input, and when it started and closed, from its history. */
function workflowSpan<I>(history: History): { input: I; startMs: number; closeMs: number } {
  const events = history.events ?? [];
  const first = events[0];
  const last = events[events.length - 1];
  const start = first?.workflowExecutionStartedEventAttributes;
  if (!first || !last || !start) throw new Error('a workflow history without its start event');
  return { input: decode<I>(start.input?.payloads?.[0]), startMs: eventMs(first), closeMs: eventMs(last) };
}

/** The parts of workflows/agent-episode.ts AgentEpisodeInput the bench reads back. */
interface EpisodeInputSeen {
  task: { id: string };
  image: string;
  index: number;
}

interface PipelineOutcome {
  result: PhaseResult;
  planned: PlannedTask[];
  runWallMs: number;
  /** Activity time of the run's other workflows (generation, screening, gates, ...) inside the episodes phase, and in all. */
  otherActivityMs: number;
  otherActivityAllMs: number;
}

const STOP_RUN = 'ending the run and its progress watcher';

async function listWorkflowIds(env: TestWorkflowEnvironment, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of env.client.workflow.list({ query: `WorkflowId STARTS_WITH ${JSON.stringify(prefix)}` })) ids.push(info.workflowId);
  return ids;
}

async function runPipeline(ctx: BareContext, env: TestWorkflowEnvironment, store: Store, workers: WorkerGroup, engine: ReturnType<typeof workerEngine>): Promise<PipelineOutcome> {
  const { config, runId } = ctx;
  const environments = config.families.map((f) => environmentRef(ctx.catalog.get(f.name)));
  const running = workers.run();
  onRelease('stopping the workers (drains the warm pool and removals)', async () => {
    workers.shutdown();
    await running;
  });
  const runStart = Date.now();
  const handle = await startSynthesisRun(env.client, {
    runId, config, environments, taskQueue: workers.queues[0], engineFingerprint: engine.fingerprint, storeId: store.storeId,
  });
  const watching = watchRun(handle, (p) => process.stderr.write(`\r  pipeline: ${p.tasksDone}/${p.tasksTotal} tasks, ${p.modelEpisodesDone} model episodes (${p.modelEpisodesPassed} passed)   `), 2_000);
  // The watcher polls until the run closes: on a failure, the run is ended first, so no poll outlives the server.
  onRelease(STOP_RUN, async () => {
    await handle.terminate('benchmark stopped').catch(() => undefined);
    await watching.catch(() => undefined);
  });
  await Promise.race([
    watching,
    running.then(() => {
      throw new Error('the workers stopped before the run finished');
    }),
  ]);
  const runWallMs = Date.now() - runStart;
  process.stderr.write('\n');

  // What the store recorded: the tasks that reached model episodes, and each episode's trajectory.
  const stored = new Map<string, { task: TaskSpec; family: string; passed: boolean; steps: number; calls: string; index: number }>();
  for (const row of store.listTasks(runId)) {
    for (const e of store.listEpisodes(row.id)) {
      if (e.policy !== 'model') continue;
      stored.set(e.id, { task: row.spec, family: row.family, passed: e.verdict.passed, steps: e.steps.length, calls: callsOf(e.steps), index: e.index });
    }
  }
  if (stored.size === 0) throw new Error(`run ${runId} finished without a model episode (every task rejected before them?); nothing to compare`);

  // Visibility may trail the run's end by a moment.
  let episodeIds: string[] = [];
  for (let tries = 0; tries < 20; tries++) {
    episodeIds = await listWorkflowIds(env, `episode/${runId}/`);
    if (episodeIds.length >= stored.size) break;
    await sleep(500);
  }
  const episodes: EpisodeMeasure[] = [];
  const planned = new Map<string, PlannedTask>();
  for (const workflowId of episodeIds) {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const io = workflowSpan<EpisodeInputSeen>(history);
    const id = episodeId(io.input.task.id, io.input.index);
    const seen = stored.get(id);
    if (!seen) throw new Error(`episode workflow ${workflowId} has no record in the store (did it fail?)`);
    const stepMs: number[] = [];
    let evaluated = 0;
    let reused = 0;
    for (const a of completedActivities(history)) {
      if (a.type !== 'modelStep') continue;
      stepMs.push(a.endMs - a.startMs);
      const out = a.result ? decode<ModelStepOutcome>(a.result) : null;
      const usage = out?.ok ? out.step.usage : undefined;
      evaluated += usage?.evaluatedTokens ?? 0;
      reused += usage ? usage.promptTokens - usage.evaluatedTokens : 0;
    }
    episodes.push({ id, passed: seen.passed, steps: seen.steps, calls: seen.calls, startMs: io.startMs, endMs: io.closeMs, modelMs: sum(stepMs), stepMs, evaluated, reused });
    const plan = planned.get(seen.task.id) ?? { task: seen.task, family: seen.family, image: io.input.image, indexes: [], firstStart: io.startMs };
    plan.indexes.push(seen.index);
    plan.firstStart = Math.min(plan.firstStart, io.startMs);
    planned.set(seen.task.id, plan);
  }
  if (episodes.length !== stored.size) throw new Error(`the store holds ${stored.size} model episodes but Temporal lists ${episodes.length} episode workflows`);
  for (const p of planned.values()) p.indexes.sort((a, b) => a - b);

  const from = Math.min(...episodes.map((e) => e.startMs));
  const to = Math.max(...episodes.map((e) => e.endMs));
  // The rest of the run's work inside the episodes phase: it shares the cores with the episodes.
  let otherActivityMs = 0;
  let otherActivityAllMs = 0;
  const others = [...(await listWorkflowIds(env, `task/${runId}/`)), ...(await listWorkflowIds(env, `synthesis/${runId}/`))];
  for (const workflowId of others) {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    for (const a of completedActivities(history)) {
      otherActivityAllMs += a.endMs - a.startMs;
      otherActivityMs += Math.max(0, Math.min(a.endMs, to) - Math.max(a.startMs, from));
    }
  }
  return {
    result: { name: 'pipeline (Temporal+store)', episodes, wallMs: to - from },
    planned: [...planned.values()].sort((a, b) => a.firstStart - b.firstStart),
    runWallMs,
    otherActivityMs,
    otherActivityAllMs,
  };
}

const callsOf = (steps: StepRecord[]) => JSON.stringify(steps.map((s) => [s.toolCall.name, s.toolCall.arguments]));

// ---------------------------------------------------------------------------------------------------------------
// Phases 2 and 3: the bare loop.

/** Runs an activity function with an activity context (toolStep reads its attempt; modelStep heartbeats). */
const inActivity = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> => new MockActivityEnvironment().run(fn, ...args);

/**
 * At most `n` holders at once, first come first served: the model worker's activity slots
 * (maxConcurrentActivityTaskExecutions = the engine's concurrency), so no step waits inside the engine.
 */
function slots(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let free = n;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

interface BareActivities {
  model: ModelActivities;
  /** Holds one of the engine's slots while a model step runs. */
  modelSlot: <T>(fn: () => Promise<T>) => Promise<T>;
  sandbox: SandboxActivities;
  task: TaskActivities;
}

async function runBare(name: string, ctx: BareContext, planned: PlannedTask[], engine: () => Promise<InferenceEngine>, engineConcurrency: number): Promise<PhaseResult> {
  const host = createHostSandboxes(ctx.docker, ctx.catalog, { owner: ctx.owner, maxLiveSandboxes: ctx.maxLive, warmSandboxes: ctx.warmSize });
  const drain = host.drain;
  onRelease(`draining the ${name} warm pool`, drain);
  const acts: BareActivities = { model: createModelActivities(engine), modelSlot: slots(engineConcurrency), sandbox: host.activities, task: createTaskActivities() };
  const families = [...new Set(planned.map((p) => p.family))];
  // familyRun gets this share of the run's task lanes (synthesisRun); calibrateTask runs episodes in its own lanes.
  const taskLanes = Math.max(1, Math.floor(ctx.config.concurrency.tasks / ctx.config.families.length));
  const total = planned.reduce((n, p) => n + p.indexes.length, 0);
  const episodes: EpisodeMeasure[] = [];
  const started = performance.now();
  await Promise.all(
    families.map((family) =>
      mapLimit(planned.filter((p) => p.family === family), taskLanes, (p) =>
        mapLimit(p.indexes, ctx.config.concurrency.episodes, async (index) => {
          episodes.push(await bareEpisode(acts, ctx, p, index));
          process.stderr.write(`\r  ${name}: ${episodes.length}/${total} episodes   `);
        }),
      ),
    ),
  );
  const wallMs = performance.now() - started;
  process.stderr.write('\n');
  // Not timed: the pipeline's workers drain theirs at shutdown, after the episodes phase too.
  await drain();
  return { name, episodes, wallMs };
}

/** workflows/agent-episode.ts agentEpisode, without Temporal and the store: the same calls in the same order. */
async function bareEpisode(acts: BareActivities, ctx: BareContext, plan: PlannedTask, index: number): Promise<EpisodeMeasure> {
  const { task } = plan;
  const { config } = ctx;
  const startMs = performance.now();
  const id = episodeId(task.id, index);
  const labels = { [LABEL_RUN]: ctx.runId, [LABEL_TASK]: task.id, [LABEL_EPISODE]: id };
  const up = { id, task, image: plan.image, labels, limits: ctx.limits, ahead: config.episodesPerTask - 1 - index };
  let containerId = '';
  // As EpisodeSandbox.place: a full host is waited for, longer each time.
  for (let waits = 0; !containerId; waits++) {
    try {
      containerId = await inActivity(acts.sandbox.sandboxUp, up);
    } catch (error) {
      if (!(error instanceof ApplicationFailure && error.type === HOST_FULL)) throw error;
      await sleep(Math.min(HOST_FULL_WAIT_MS * 2 ** waits, 60_000));
    }
  }
  const tally = { modelMs: 0, stepMs: [] as number[], evaluated: 0, reused: 0 };
  let verdict: Verdict;
  let steps: StepRecord[];
  try {
    const messages: ChatMessage[] = [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: task.prompt },
    ];
    steps = [];
    let submitted: Record<string, unknown> | null = null;
    let stopReason: string | null = null;
    for (let i = 0; i < config.maxSteps && submitted === null && stopReason === null; i++) {
      const next = await nextCall(acts, config, task, messages, i, id, tally);
      if ('stop' in next) {
        stopReason = next.stop;
        break;
      }
      const callId = `call_${i}`;
      messages.push({ role: 'assistant', toolCall: next.call, callId });
      if (next.call.name === SUBMIT_TOOL) {
        submitted = next.call.arguments;
        steps.push({ index: i, toolCall: next.call, result: null, raw: next.raw });
        break;
      }
      const result = await inActivity(acts.sandbox.toolStep, containerId, task, next.call, ctx.limits);
      steps.push({ index: i, toolCall: next.call, result, raw: next.raw });
      const content = result.exitCode === 0 ? result.output : `error (exit ${result.exitCode}): ${result.output}`;
      messages.push({ role: 'tool', callId, name: next.call.name, content: content.trim() || '(no output)' });
    }
    const reading = await inActivity(acts.sandbox.probeState, containerId, task, ctx.limits);
    const outcome: Outcome = { submitted, state: reading.ok ? reading.state : null };
    verdict = reading.ok ? await inActivity(acts.task.verifyOutcome, task.outcomeSchema, outcome) : { passed: false, errors: [reading.error] };
    // Here agentEpisode records the episode and signals the run: the two things left out.
  } finally {
    await inActivity(acts.sandbox.sandboxDiscard, id);
  }
  // Like the episode workflow's span, this one ends after the sandbox is closed.
  return { id, passed: verdict.passed, steps: steps.length, calls: callsOf(steps), startMs, endMs: performance.now(), ...tally };
}

/** workflows/agent-episode.ts nextCall, with both resample rules on (as for every new workflow). */
async function nextCall(
  acts: BareActivities,
  config: RunConfig,
  task: TaskSpec,
  messages: ChatMessage[],
  index: number,
  id: string,
  tally: { modelMs: number; stepMs: number[]; evaluated: number; reused: number },
): Promise<{ call: ToolCall; raw: string | null } | { stop: string }> {
  const previous = lastCall(messages);
  let repeats = 0;
  let invalid = 0;
  for (let attempt = 0; ; attempt++) {
    const input = {
      messages,
      tools: task.tools,
      seed: attempt === 0 ? seedFor(id, index) : seedFor(id, index, 'resample', attempt),
      temperature: config.model.temperature,
      maxTokens: config.model.maxTokens,
    };
    // Timed once it holds a slot, as the pipeline's model time starts when a worker slot takes the activity.
    const out = await acts.modelSlot(async () => {
      const t0 = performance.now();
      const result = await inActivity(acts.model.modelStep, input);
      const ms = performance.now() - t0;
      tally.stepMs.push(ms);
      tally.modelMs += ms;
      return result;
    });
    if (!out.ok) {
      if (invalid++ < config.model.resampleInvalid) continue;
      return { stop: `invalid model output: ${out.error}` };
    }
    const usage = out.step.usage;
    tally.evaluated += usage?.evaluatedTokens ?? 0;
    tally.reused += usage ? usage.promptTokens - usage.evaluatedTokens : 0;
    if (previous && sameCall(previous, out.step.toolCall) && repeats++ < config.model.resampleRepeats) continue;
    return { call: out.step.toolCall, raw: out.step.raw };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const perHour = (p: PhaseResult) => (p.episodes.length / p.wallMs) * 3_600_000;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The fraction of the phase the engine was serving a step, and the mean per-episode fraction. */
function modelShare(p: PhaseResult, engineConcurrency: number): { busy: number; perEpisode: number } {
  return {
    busy: sum(p.episodes.map((e) => e.modelMs)) / (p.wallMs * engineConcurrency),
    perEpisode: mean(p.episodes.map((e) => e.modelMs / Math.max(1, e.endMs - e.startMs))),
  };
}

/** Episodes of `p` with the pipeline's verdict and step count, and with its very tool calls. */
function agreement(p: PhaseResult, pipeline: PhaseResult): { same: number; identical: number } {
  const byId = new Map(pipeline.episodes.map((e) => [e.id, e]));
  let same = 0;
  let identical = 0;
  for (const e of p.episodes) {
    const q = byId.get(e.id);
    if (q && q.passed === e.passed && q.steps === e.steps) same++;
    if (q && q.calls === e.calls) identical++;
  }
  return { same, identical };
}

function table(phases: PhaseResult[]): string {
  const head = ['phase', 'episodes', 'passed', 'wall s', 'episodes/h', 'evaluated/ep', 'reused/ep'];
  const rows = phases.map((p) => [
    p.name,
    String(p.episodes.length),
    String(p.episodes.filter((e) => e.passed).length),
    (p.wallMs / 1000).toFixed(1),
    perHour(p).toFixed(0),
    mean(p.episodes.map((e) => e.evaluated)).toFixed(0),
    mean(p.episodes.map((e) => e.reused)).toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  installRuntimeLogging();
  const config = loadConfig(CONFIG_FILE);
  if (config.model.engine !== 'embedded') throw new Error(`${CONFIG_FILE}: this benchmark compares the embedded engine's modes; the config asks for ${config.model.engine}`);
  const docker = connectDocker();
  await pingDocker(docker);
  const catalog = new EnvironmentCatalog(config.environments);
  const engine = workerEngine(config.model);
  const runId = runIdFor(config, engine.fingerprint, config.families.map((f) => environmentRef(catalog.get(f.name)).hash));
  onRelease('closing the engine', () => engine.provider.close());
  // Loaded before the run starts, as `tasksynth run` does; then warmed and its sequences filled (see resetEngine).
  await resetEngine(await engine.provider.get());

  const cli = findTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal(cli ? { server: { executable: { type: 'existing-path', path: cli } } } : {});
  onRelease('stopping the Temporal dev server', () => env.teardown());
  const dir = mkdtempSync(join(tmpdir(), 'tasksynth-pipeline-vs-bare-'));
  onRelease('removing the temp dir', async () => rmSync(dir, { recursive: true, force: true }));
  const store = Store.open(join(dir, 'tasksynth.db'));
  onRelease('closing the store', async () => store.close());
  // Unique to this process: cleanup removes only the containers this benchmark made.
  const owner = { [LABEL_TEMPORAL]: `${env.address}/default/bench-${randomUUID().slice(0, 8)}` };
  onRelease('removing the run\'s containers', async () => {
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_RUN}=${runId}`, `${LABEL_TEMPORAL}=${owner[LABEL_TEMPORAL]}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    if (left.length > 0) console.error(`cleanup: removed ${left.length} leftover container(s)`);
  });

  const ctx: BareContext = {
    runId, config, limits: sandboxLimitsOf(config.sandbox), docker, catalog, owner,
    maxLive: DEFAULT_MAX_LIVE_SANDBOXES, warmSize: DEFAULT_WARM_SANDBOXES,
  };
  const workers = await createWorkers({
    connection: env.nativeConnection, namespace: 'default', taskQueue: `bench-${process.pid}`, store, docker, catalog, engine,
    temporalService: owner[LABEL_TEMPORAL], maxLiveSandboxes: ctx.maxLive, warmSandboxes: ctx.warmSize,
  });
  const cpu = new CpuProfile();
  console.error(`phase 1: ${CONFIG_FILE} through the pipeline (run ${runId})`);
  const pipeline = await runPipeline(ctx, env, store, workers, engine);
  // The pipeline is done: its workers (and their pool) and the dev server go before the bare loop runs.
  await releaseOne(STOP_RUN);
  await releaseOne('stopping the workers (drains the warm pool and removals)');
  await releaseOne('stopping the Temporal dev server');

  const tasks = pipeline.planned.length;
  console.error(`phase 2: the same ${pipeline.result.episodes.length} episodes of ${tasks} tasks in a bare loop, same engine instance`);
  await resetEngine(await engine.provider.get());
  const bare = await runBare('bare loop', ctx, pipeline.planned, () => engine.provider.get(), engine.concurrency);
  cpu.stop();
  let cleared: PhaseResult | null = null;
  if (!SKIP_CLEARED) {
    // One engine in memory at a time; the cleared one is loaded fresh, with the same model file.
    await releaseOne('closing the engine');
    console.error('phase 3: the bare loop on an engine that clears its sequence before every step');
    const clearing = await EmbeddedEngine.load(engine.modelPath!, { reusePrefix: false });
    onRelease('closing the cleared-sequence engine', () => clearing.close());
    await resetEngine(clearing);
    cleared = await runBare('bare loop, cleared sequence', ctx, pipeline.planned, async () => clearing, engine.concurrency);
  }

  const phases = [pipeline.result, bare, ...(cleared ? [cleared] : [])];
  if (DUMP_FILE) writeFileSync(DUMP_FILE, `${JSON.stringify(phases, null, 1)}\n`);
  const taskLanes = Math.max(1, Math.floor(config.concurrency.tasks / config.families.length));
  const lanes = `${taskLanes} task lane(s) per family × ${config.concurrency.episodes} episode lane(s)`;
  console.log(`pipeline vs bare loop: ${CONFIG_FILE}, ${tasks} tasks with model episodes, k=${config.episodesPerTask}, ${lanes}, ${engine.fingerprint}`);
  console.log(table(phases));
  const ratio = pipeline.result.wallMs / bare.wallMs;
  console.log(`pipeline / bare wall ratio ${ratio.toFixed(2)} (goal <= 1.10)`);
  console.log(`  the whole run took ${(pipeline.runWallMs / 1000).toFixed(1)} s; other activities of the run (generation, screening, gates) ran ${(pipeline.otherActivityAllMs / 1000).toFixed(1)} s, ${(pipeline.otherActivityMs / 1000).toFixed(1)} s of it inside the episodes phase`);
  const share = modelShare(pipeline.result, engine.concurrency);
  const bareShare = modelShare(bare, engine.concurrency);
  // Bare times are performance.now(); the pipeline's are the server's epoch times.
  const span = (p: PhaseResult, offset: number) =>
    cpu.between(offset + Math.min(...p.episodes.map((e) => e.startMs)), offset + Math.max(...p.episodes.map((e) => e.endMs))).cores;
  console.log(`  where the host's ${availableParallelism()} cores went over each episodes phase (sampled from /proc each second):`);
  console.log(CpuProfile.table([{ name: 'pipeline', cores: span(pipeline.result, 0) }, { name: 'bare loop', cores: span(bare, performance.timeOrigin) }]).replace(/^/gm, '    '));
  if (!cpu.containersReadable) console.log("    (no containers' cgroup could be read: their CPU time is in the rest of the host)");
  console.log(`model share ${pct(share.busy)} engine busy over the episodes phase, ${pct(share.perEpisode)} per episode mean (goal >= 90%); bare loop ${pct(bareShare.busy)}, ${pct(bareShare.perEpisode)}`);
  if (cleared) {
    console.log(`episodes/hour prefix reuse vs cleared ${(perHour(bare) / perHour(cleared)).toFixed(2)}x (goal >= 2x); prompt tokens evaluated per episode ${mean(cleared.episodes.map((e) => e.evaluated)).toFixed(0)} -> ${mean(bare.episodes.map((e) => e.evaluated)).toFixed(0)}`);
  } else {
    console.log('episodes/hour prefix reuse vs cleared: skipped (BENCH_SKIP_CLEARED=1)');
  }
  const n = pipeline.result.episodes.length;
  const parts = [bare, ...(cleared ? [cleared] : [])].map((p) => {
    const a = agreement(p, pipeline.result);
    return `${p.name} ${a.same}/${n} (identical tool calls ${a.identical}/${n})`;
  });
  console.log(`same verdict and steps as the pipeline: ${parts.join('; ')}`);
}

/**
 * One throwaway step (a freshly loaded engine's first step takes seconds more than any later one), then every
 * sequence emptied: no phase starts on a cold engine, nor finds the previous phase's conversations (the same
 * episodes, evaluated already) still in its sequences.
 */
async function resetEngine(engine: InferenceEngine): Promise<void> {
  const tools = [{ name: 'noop', description: 'Does nothing.', parameters: { type: 'object', properties: {} } }];
  await engine
    .step({ messages: [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: 'Call noop.' }], tools, seed: 1, temperature: 0.8, maxTokens: 8 })
    .catch(() => undefined); // a cut-off answer warms the engine just as well
  if (engine instanceof EmbeddedEngine) await engine.forget();
}

/** Runs one registered release now (and not again at the end). */
async function releaseOne(what: string): Promise<void> {
  const at = releases.findIndex((r) => r.what === what);
  if (at < 0) return;
  const [r] = releases.splice(at, 1);
  await r.fn();
}

main()
  .catch((error: unknown) => {
    // A bad config says what is wrong in its message; anything else shows where it broke.
    const text = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`pipeline-vs-bare failed: ${text}`);
    process.exitCode = 1;
  })
  .finally(() => releaseAll());
