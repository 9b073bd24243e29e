// An episode's sandbox through what can go wrong around it, with the real Temporal dev server and the real Docker
// engine: a container removed under a running episode (as a Docker daemon restart leaves it), a replay that no
// longer reproduces what the model saw, a Docker host whose worker is gone, a cancel while the sandbox starts, and a
// host at its cap of live sandboxes. The model is a scripted double (it plays the task's reference calls, slowly),
// since what is under test is the sandbox, and the double makes every episode's calls known in advance: each must
// pass, and the history must show no model call made twice.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { projectRoot } from '../../config/paths.js';
import { episodeId, episodeWorkflowId } from '../../core/ids.js';
import { Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { generateTasks } from '../../environments/generate.js';
import { ensureEnvironmentImage } from '../../environments/image.js';
import { environmentRef, loadEnvironment, type EnvironmentPackage } from '../../environments/package.js';
import { InvalidModelOutputError, type InferenceEngine } from '../../inference/engine.js';
import { baseImageTag } from '../../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { LABEL_EPISODE, LABEL_RUN, LABEL_TEMPORAL, type SandboxLimits } from '../../sandboxes/profile.js';
import { SandboxManager } from '../../sandboxes/sandbox.js';
import { SUBMIT_TOOL, type ModelStepInput, type TaskSpec, type ToolCall } from '../../schemas/types.js';
import { createWorkers, type WorkerGroup } from '../../worker/create-workers.js';
import { modelQueueName, storeQueueName } from '../../worker/queue-names.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { sweepSandboxes, workflowOverIn } from '../../worker/sandbox-sweep.js';
import type { AgentEpisodeInput, EpisodeSummary } from '../../workflows/agent-episode.js';
import { startDevServer } from './dev-server.js';

const dir = mkdtempSync(join(tmpdir(), 'tasksynth-sandbox-loss-'));
const docker = connectDocker();
const manager = new SandboxManager(docker, { memoryMb: 256, pidsLimit: 64, cpus: 1, timeoutMs: 10_000, outputLimitBytes: 4096 });
const runId = `sandbox-loss-${process.pid}`;
const limits: SandboxLimits = { memoryMb: 256, pidsLimit: 64, cpus: 1, timeoutMs: 10_000, outputLimitBytes: 4096, hostWaitMs: 5_000 };
const MODEL = 'double-scripted';
/** This test's Temporal service as its containers' label names it (the sweep looks at those only). */
const SERVICE = `sandbox-loss-test-${process.pid}`;
let env: TestWorkflowEnvironment;
let store: Store;
/** What the scripted model plays for each task prompt. */
const scripts = new Map<string, ToolCall[]>();
/**
 * Prompts whose steps the model double first gets wrong: at the first step an output cut off before the call is
 * complete, at every later step a repeat of the call before, and only then the script's call.
 */
const glitchy = new Set<string>();
/** Samples drawn so far, per prompt and step. */
const samples = new Map<string, number>();

/**
 * Test double for the model: plays the script of the task in the conversation, one call per step, after a pause
 * long enough for the test to pull the sandbox away between two calls.
 */
class ScriptedModel implements InferenceEngine {
  readonly name = MODEL;
  async step(input: ModelStepInput) {
    const prompt = input.messages.find((m) => m.role === 'user');
    const script = prompt && prompt.role === 'user' ? scripts.get(prompt.content) : undefined;
    assert.ok(script, 'no script for this task');
    const turns = input.messages.filter((m) => m.role === 'assistant');
    const call = script[turns.length] ?? { name: SUBMIT_TOOL, arguments: {} };
    await new Promise((r) => setTimeout(r, 1500));
    const key = `${prompt!.content}#${turns.length}`;
    const sample = samples.get(key) ?? 0;
    samples.set(key, sample + 1);
    if (glitchy.has(prompt!.content) && sample === 0) {
      const last = turns.at(-1);
      if (!last || last.role !== 'assistant') throw new InvalidModelOutputError('not a complete tool call (double)', '{"tool": "li');
      return { toolCall: last.toolCall, raw: JSON.stringify({ tool: last.toolCall.name, arguments: last.toolCall.arguments }), durationMs: 1500 };
    }
    return { toolCall: call, raw: JSON.stringify({ tool: call.name, arguments: call.arguments }), durationMs: 1500 };
  }
  async close() {}
}

/** Workers standing for one Docker host; each host its own connection, as separate processes would have. */
async function workers(taskQueue: string, hostName: string, connection?: NativeConnection): Promise<WorkerGroup> {
  const engine = { provider: { get: async () => new ScriptedModel(), close: async () => undefined }, fingerprint: MODEL, concurrency: 2 };
  return createWorkers({
    connection: connection ?? env.nativeConnection, namespace: 'default', taskQueue, store, docker, engine, hostName, temporalService: SERVICE,
    catalog: new EnvironmentCatalog([join(projectRoot(), 'tests', 'fixtures', 'environments')]),
  });
}

async function prepare(pkg: EnvironmentPackage, seed: number): Promise<{ task: TaskSpec; image: string }> {
  const image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
  const scratch = await manager.create(image, { [LABEL_RUN]: runId });
  try {
    const [task] = await generateTasks(manager, scratch, pkg, { scope: runId, seed, tier: 0, count: 1, offset: 0 });
    store.upsertTask(runId, task!);
    return { task: task!, image };
  } finally {
    await manager.remove(scratch);
  }
}

function startEpisode(taskQueue: string, task: TaskSpec, image: string, model: AgentEpisodeInput['model'] = { temperature: 0, maxTokens: 64, resampleRepeats: 0 }) {
  const input: AgentEpisodeInput = {
    runId, rootWorkflowId: `none-${process.pid}`, task, image, index: 0, maxSteps: 6,
    model, limits,
    queues: { model: modelQueueName(taskQueue, MODEL), store: storeQueueName(taskQueue, store.storeId) },
  };
  return env.client.workflow.start<(i: AgentEpisodeInput) => Promise<EpisodeSummary>>('agentEpisode', {
    taskQueue, workflowId: episodeWorkflowId(episodeId(task.id, 0)), args: [input],
  });
}

type History = Awaited<ReturnType<Awaited<ReturnType<typeof startEpisode>>['fetchHistory']>>;
const scheduled = (h: History, type: string) =>
  (h.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => e.activityTaskScheduledEventAttributes!);
/** The activity's input as the history keeps it (JSON payloads). */
const inputOf = (a: { input?: { payloads?: Array<{ data?: Uint8Array | null }> | null } | null }) =>
  JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString('utf8'));

/** Waits until the episode's history holds `n` completed tool calls. */
async function afterToolSteps(handle: Awaited<ReturnType<typeof startEpisode>>, n: number): Promise<History> {
  for (let i = 0; i < 600; i++) {
    const h = await handle.fetchHistory();
    const ids = new Set(scheduled(h, 'toolStep').length ? (h.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'toolStep').map((e) => String(e.eventId)) : []);
    const done = (h.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes && ids.has(String(e.activityTaskCompletedEventAttributes.scheduledEventId))).length;
    if (done >= n) return h;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${n} tool calls completed within a minute`);
}

const containersOf = async (task: TaskSpec) =>
  docker.listContainers({ all: true, filters: { label: [`${LABEL_EPISODE}=${episodeId(task.id, 0)}`] } });

before(async () => {
  installRuntimeLogging();
  await pingDocker(docker);
  env = await startDevServer();
  store = Store.open(join(dir, 'tasksynth.db'));
  store.upsertRun({ id: runId, name: 'sandbox-loss', config: {} });
}, { timeout: 10 * 60_000 });

after(async () => {
  store?.close();
  await env?.teardown();
  await manager.reap(0, { [LABEL_RUN]: runId });
});

test('a container removed under a running episode: the episode moves, replays its calls and passes', { timeout: 5 * 60_000 }, async () => {
  const { task, image } = await prepare(new EnvironmentCatalog().get('files'), 21);
  scripts.set(task.prompt, task.reference);
  const taskQueue = `loss-a-${process.pid}`;
  const group = await workers(taskQueue, 'host-a');
  const running = group.run();
  try {
    const handle = await startEpisode(taskQueue, task, image);
    await afterToolSteps(handle, 1);
    for (const c of await containersOf(task)) await docker.getContainer(c.Id).remove({ force: true });
    const result = await handle.result();
    assert.equal(result.passed, true, result.errors.join('; '));
    const h = await handle.fetchHistory();
    const ups = scheduled(h, 'sandboxUp').map(inputOf);
    assert.equal(ups.length, 2, 'one move');
    assert.match(ups[1].replaces, /moved after the sandbox was lost \(sandbox \w+ is removed/);
    assert.equal(scheduled(h, 'modelStep').length, task.reference.length, 'no model call was made twice');
  } finally {
    group.shutdown();
    await running;
  }
  assert.equal((await containersOf(task)).length, 0, 'no container left behind');
});

test('a replay that does not reproduce what the model saw starts the episode over, and the history says why', { timeout: 5 * 60_000 }, async () => {
  const pkg = loadEnvironment(join(projectRoot(), 'tests', 'fixtures', 'environments', 'double-shell'));
  const { task, image } = await prepare(pkg, 22);
  const word = /^Write the word (\w+) into answer\.txt\.$/.exec(task.prompt)?.[1];
  assert.ok(word, task.prompt);
  const shell = (command: string): ToolCall => ({ name: 'shell', arguments: { command } });
  // The first call's output differs every time it runs: no replay can reproduce it.
  scripts.set(task.prompt, [shell('date +%s%N'), shell(`printf ${word} > answer.txt`), { name: SUBMIT_TOOL, arguments: {} }]);
  const taskQueue = `loss-b-${process.pid}`;
  const group = await workers(taskQueue, 'host-a');
  const running = group.run();
  try {
    const handle = await startEpisode(taskQueue, task, image);
    await afterToolSteps(handle, 1);
    for (const c of await containersOf(task)) await docker.getContainer(c.Id).remove({ force: true });
    const result = await handle.result();
    assert.equal(result.passed, true, result.errors.join('; '));
    const h = await handle.fetchHistory();
    const ups = scheduled(h, 'sandboxUp').map(inputOf);
    assert.ok(ups.some((u) => /replayed call 0 \(shell\) gave another result than recorded .* the episode starts over/.test(u.replaces ?? '')), JSON.stringify(ups.map((u) => u.replaces)));
    const stored = store.listEpisodes(task.id).find((e) => e.policy === 'model');
    assert.equal(stored?.steps.length, 3, 'the stored episode is the run that finished, from its start');
  } finally {
    group.shutdown();
    await running;
  }
  assert.equal((await containersOf(task)).length, 0, 'no container left behind');
});

test('a Docker host whose worker is gone: the episode moves to a live host; the sweep keeps live sandboxes and removes the rest', { timeout: 5 * 60_000 }, async () => {
  const { task, image } = await prepare(new EnvironmentCatalog().get('files'), 23);
  // Several calls, so the host is lost between two of them.
  scripts.set(task.prompt, [{ name: 'list_files', arguments: {} }, ...task.reference]);
  const taskQueue = `loss-c-${process.pid}`;
  const second = await NativeConnection.connect({ address: env.address });
  const groups = { 'host-a': await workers(taskQueue, 'host-a'), 'host-b': await workers(taskQueue, 'host-b', second) };
  const running = Object.values(groups).map((g) => g.run());
  try {
    const handle = await startEpisode(taskQueue, task, image);
    const h1 = await afterToolSteps(handle, 1);
    const host = scheduled(h1, 'sandboxUp')[0]!.taskQueue!.name!.split('/docker/')[1] as keyof typeof groups;
    assert.ok(host in groups, host);
    groups[host].shutdown();
    const isOver = workflowOverIn(env.client);
    const during = await sweepSandboxes(docker, SERVICE, isOver);
    assert.ok(during.kept >= 1, 'the running episode keeps its sandbox');
    assert.equal((await containersOf(task)).length, 1);

    const result = await handle.result();
    assert.equal(result.passed, true, result.errors.join('; '));
    const h = await handle.fetchHistory();
    const ups = scheduled(h, 'sandboxUp');
    assert.equal(ups.length, 2);
    assert.notEqual(ups[1]!.taskQueue!.name, ups[0]!.taskQueue!.name, 'the new sandbox is on the other host');
    assert.match(inputOf(ups[1]!).replaces, /moved after the sandbox was lost/);
    const timeouts = (h.events ?? []).map((e) => e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType);
    assert.ok(timeouts.includes(2 /* TIMEOUT_TYPE_SCHEDULE_TO_START */), 'the lost host was noticed by the schedule-to-start bound');
    assert.equal(scheduled(h, 'modelStep').length, task.reference.length + 1, 'no model call was made twice');

    // Both "hosts" share this machine's Docker daemon, so the new sandbox (same name) replaced the old one here. On
    // a real lost host the old container stays; one like it, of this now finished episode, is what the sweep removes.
    const leftover = await manager.create(image, { [LABEL_RUN]: runId, [LABEL_EPISODE]: episodeId(task.id, 0), [LABEL_TEMPORAL]: SERVICE });
    const other = await manager.create(image, { [LABEL_RUN]: runId, [LABEL_EPISODE]: episodeId(task.id, 0), [LABEL_TEMPORAL]: 'another-service' });
    const swept = await sweepSandboxes(docker, SERVICE, isOver);
    assert.equal(swept.removed.length, 1);
    const left = (await containersOf(task)).map((c) => c.Id);
    assert.ok(!left.includes(leftover), 'the container of an episode that is over is removed');
    assert.ok(left.includes(other), 'a container of another Temporal service is not looked at');
    await manager.remove(other);
  } finally {
    for (const g of Object.values(groups)) g.shutdown();
    await Promise.all(running);
    await second.close();
  }
});

test('an episode cancelled while its sandbox starts leaves no container', { timeout: 5 * 60_000 }, async () => {
  const { task, image } = await prepare(new EnvironmentCatalog().get('files'), 24);
  scripts.set(task.prompt, task.reference);
  const taskQueue = `loss-d-${process.pid}`;
  const group = await workers(taskQueue, 'host-a');
  const running = group.run();
  try {
    const handle = await startEpisode(taskQueue, task, image);
    // Cancel as soon as the start is scheduled: it is then running or about to, and its container about to exist.
    for (let i = 0; i < 600 && scheduled(await handle.fetchHistory(), 'sandboxUp').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await handle.cancel();
    await assert.rejects(handle.result());
    const h = await handle.fetchHistory();
    assert.equal(scheduled(h, 'modelStep').length, 0, 'cancelled before any step');
    // The start is waited for; its container is then discarded by name (a start that ended cancelled) or removed
    // as the episode's sandbox (a start that finished first).
    assert.equal(scheduled(h, 'sandboxDiscard').length + scheduled(h, 'sandboxDown').length, 1, 'the started sandbox was removed once');
  } finally {
    group.shutdown();
    await running;
  }
  assert.equal((await containersOf(task)).length, 0, 'no container left behind');
});

test('a host at its cap of live sandboxes makes the next episode wait for a slot', { timeout: 5 * 60_000 }, async () => {
  const catalog = new EnvironmentCatalog();
  const tasks = [await prepare(catalog.get('files'), 25), await prepare(catalog.get('files'), 26)];
  for (const { task } of tasks) scripts.set(task.prompt, task.reference);
  const taskQueue = `loss-e-${process.pid}`;
  const group = await createWorkers({
    connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, hostName: 'host-a', temporalService: SERVICE,
    catalog, maxLiveSandboxes: 1,
    engine: { provider: { get: async () => new ScriptedModel(), close: async () => undefined }, fingerprint: MODEL, concurrency: 2 },
  });
  const running = group.run();
  let most = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const live = await docker.listContainers({ filters: { label: [`${LABEL_TEMPORAL}=${SERVICE}`, LABEL_EPISODE], status: ['running'] } });
      most = Math.max(most, live.length);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    const handles = await Promise.all(tasks.map(({ task, image }) => startEpisode(taskQueue, task, image)));
    const results = await Promise.all(handles.map((h) => h.result()));
    assert.deepEqual(results.map((r) => r.passed), [true, true]);
    const waited = await Promise.all(handles.map(async (h) => (await h.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes) ?? false));
    assert.ok(waited.includes(true), 'one episode waited on a timer for a slot');
  } finally {
    watching = false;
    await watch;
    group.shutdown();
    await running;
  }
  assert.equal(most, 1, 'never more than the cap of live sandboxes');
});

/** One episode of a files task on host-a, the model double getting every step wrong once first (see glitchy). */
async function glitchyEpisode(seed: number, tag: string, model: AgentEpisodeInput['model']) {
  const { task, image } = await prepare(new EnvironmentCatalog().get('files'), seed);
  scripts.set(task.prompt, task.reference);
  glitchy.add(task.prompt);
  const taskQueue = `loss-${tag}-${process.pid}`;
  const group = await workers(taskQueue, 'host-a');
  const running = group.run();
  try {
    const handle = await startEpisode(taskQueue, task, image, model);
    const result = await handle.result();
    return { task, result, modelSteps: scheduled(await handle.fetchHistory(), 'modelStep').map(inputOf) };
  } finally {
    group.shutdown();
    await running;
  }
}

test('an output that is not a call and a repeated call are sampled again; the episode keeps the calls it takes', { timeout: 5 * 60_000 }, async () => {
  const { task, result, modelSteps } = await glitchyEpisode(27, 'f', { temperature: 0, maxTokens: 64, resampleRepeats: 1, resampleInvalid: 1 });
  assert.equal(result.passed, true, result.errors.join('; '));
  const seeds = modelSteps.map((s) => s.seed);
  // Every step drew twice: the glitch, then the script's call (the reference calls, submit the last of them).
  assert.equal(seeds.length, 2 * task.reference.length);
  assert.equal(new Set(seeds).size, seeds.length, 'each sample has its own seed');
  const stored = store.listEpisodes(task.id).find((e) => e.policy === 'model');
  assert.deepEqual(stored?.steps.map((s) => s.toolCall), task.reference, 'no repeat and no broken output was kept');
});

test('without resample budgets an output that is not a call stops the episode, and it fails saying so', { timeout: 5 * 60_000 }, async () => {
  const { result, modelSteps } = await glitchyEpisode(28, 'g', { temperature: 0, maxTokens: 64, resampleRepeats: 0, resampleInvalid: 0 });
  assert.equal(result.passed, false);
  assert.match(result.errors.join('; '), /episode stopped: invalid model output: not a complete tool call/);
  assert.equal(modelSteps.length, 1);
});
