// End to end with the real components: the Temporal dev server (the `temporal` CLI that setup provisions),
// the Docker engine with the sandbox base image, and the SmolLM2 model through node-llama-cpp.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { historySteps } from '../../client/history-steps.js';
import { exportEngineTokens, IGNORED_LABEL, type EngineTokensLine } from '../../data/export/engine-tokens.js';
import type { EmbeddedEngine } from '../../inference/embedded-engine.js';
import { validateConfig } from '../../config/load-config.js';
import { projectRoot } from '../../config/paths.js';
import { runIdFor, runWorkflowId } from '../../client/run-id.js';
import { startSynthesisRun, watchRun } from '../../client/start-run.js';
import { exportOpenAIChat } from '../../data/export/openai-chat.js';
import { Store } from '../../data/store.js';
import { runReport } from '../../data/run-report.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { environmentRef } from '../../environments/package.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { schemaId, validateWith } from '../../schemas/registry.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workerEngine } from '../../worker/engine-provider.js';
import { checkEngine } from '../../inference/model-check.js';
import { failureMessage } from '../../workflows/failure-message.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { workflowBundleOption } from '../../worker/workflow-bundle.js';
import type { RunProgress } from '../../workflows/messages.js';
import { startDevServer } from './dev-server.js';

const dir = mkdtempSync(join(tmpdir(), 'tasksynth-e2e-'));
const docker = connectDocker();
let env: TestWorkflowEnvironment;
let store: Store;
/** The first test's run, whose tasks the dedup test synthesizes again. */
let firstRunId = '';

before(async () => {
  installRuntimeLogging();
  await pingDocker(docker);
  env = await startDevServer();
  store = Store.open(join(dir, 'tasksynth.db'));
});

after(async () => {
  store?.close();
  await env?.teardown();
});

test('a synthesisRun runs end to end and its accepted trajectories export as valid training data', { timeout: 20 * 60_000 }, async () => {
  const config = validateConfig(
    { name: 'e2e', family: 'files', seed: 3, tiers: [0], tasksPerTier: 2, episodesPerTask: 3, maxSteps: 3,
      concurrency: { tasks: 2, episodes: 2 } },
    'e2e test config',
  );
  const engine = workerEngine(config.model);
  const catalog = new EnvironmentCatalog();
  const environment = environmentRef(catalog.get('files'));
  const runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  firstRunId = runId;
  const taskQueue = `e2e-${process.pid}`;
  const workers = await createWorkers({
    connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, engine,
  });
  const running = workers.run();
  const seen: RunProgress[] = [];
  let history;
  let episodeHistory;
  const episodeWorkflowId = `episode/${runId}/files/t0/s3/0/model/0`;
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    const result = await watchRun(handle, (p) => seen.push(p), 500);
    history = await handle.fetchHistory();
    episodeHistory = await env.client.workflow.getHandle(episodeWorkflowId).fetchHistory();

    assert.equal(result.progress.tasksDone, 2);
    assert.equal(result.progress.tasksAccepted + result.progress.tasksRejected, 2);
    assert.ok(seen.length >= 1, 'progress was reported');
    assert.equal(store.getRun(runId)?.status, 'completed');

    const tasks = store.listTasks(runId);
    assert.equal(tasks.length, 2);
    for (const task of tasks) {
      assert.notEqual(task.status, 'pending', `${task.id} was never decided`);
      assert.equal(task.spec.environment.hash, environment.hash, 'the package hash is stored with the task');
      const gates = store.listGates(task.id);
      const reference = gates.find((g) => g.gate === 'reference');
      assert.equal(reference?.passed, true, `${task.id}: reference fails: ${reference?.detail}`);
      for (const gate of ['ablation', 'null', 'random', 'mutant'] as const) {
        const rows = gates.filter((g) => g.gate === gate);
        assert.ok(rows.length >= 1, `${task.id} has no ${gate} gate`);
        assert.ok(rows.every((g) => !g.passed), `${task.id}: every ${gate} rollout must fail`);
      }
      const episodes = store.listEpisodes(task.id);
      const model = episodes.filter((e) => e.policy === 'model');
      assert.equal(model.length, 3, `${task.id} has ${model.length} model episodes`);
      for (const e of model) {
        assert.ok(e.steps.length >= 1, `${e.id} has no steps`);
        assert.equal(e.outcome.state !== null && typeof e.outcome.state, 'object', `${e.id} has no probed state`);
        assert.ok('tree' in (e.outcome.state as object), `${e.id}: the probe reports the tree as facts`);
      }
      const passRate = model.filter((e) => e.verdict.passed).length / model.length;
      assert.equal(task.passRate, passRate);
      assert.equal(task.status, passRate > 0 ? 'accepted' : 'rejected');
    }

    const out = join(dir, 'export', 'train.jsonl');
    const { lines } = await exportOpenAIChat(store, out, { runId });
    assert.equal(lines, store.acceptedTrajectories({ runId }).length);
    // Tier 0 spells the call out; with fixed seeds the model solves these tasks sometimes, so the export has lines.
    assert.ok(lines >= 1, 'no trajectory was accepted');
    const rows = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    assert.equal(rows.length, lines);
    for (const row of rows) {
      const line = JSON.parse(row);
      assert.deepEqual(validateWith(schemaId('openai-chat-line'), line), []);
      assert.ok(line.messages.some((m: { tool_calls?: unknown[] }) => (m.tool_calls?.length ?? 0) > 0));
      assert.ok(line.tools.length >= 2);
    }
    console.log(`e2e: ${tasks.filter((t) => t.status === 'accepted').length}/2 tasks accepted, ${lines} trajectories exported`);

    // The same trajectories in the engine's own tokens: each step's prompt as the engine rendered it and the ids
    // it generated, exactly the ones its model call reported (found in the episode's history).
    const engineLoaded = (await engine.provider.get()) as EmbeddedEngine;
    const tokensOut = join(dir, 'export', 'tokens.jsonl');
    const tokens = await exportEngineTokens(store, engineLoaded, engine.fingerprint, tokensOut, { runId });
    assert.ok(tokens.lines >= lines, `${tokens.lines} step lines for ${lines} trajectories`);
    assert.equal(tokens.skippedSteps, 0);
    for (const row of readFileSync(tokensOut, 'utf8').split('\n').filter(Boolean)) {
      const line = JSON.parse(row) as EngineTokensLine;
      const n = line.metadata.prompt_tokens;
      assert.equal(line.labels.length, line.input_ids.length);
      assert.ok(line.labels.slice(0, n).every((l) => l === IGNORED_LABEL), 'no loss on the prompt');
      assert.deepEqual(line.labels.slice(n), line.input_ids.slice(n), 'loss on every generated token');
      const h = await env.client.workflow.getHandle(`episode/${line.metadata.episode_id}`).fetchHistory();
      const calls = (h.events ?? [])
        .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data)
        .filter((d): d is Uint8Array => Boolean(d && d.length > 0))
        .map((d) => JSON.parse(Buffer.from(d).toString('utf8')) as { ok?: boolean; step?: { outputTokens?: number[]; usage?: { promptTokens: number } } })
        .filter((r) => r?.ok && r.step?.outputTokens);
      assert.ok(
        calls.some((c) => c.step!.usage!.promptTokens === n && JSON.stringify(c.step!.outputTokens) === JSON.stringify(line.input_ids.slice(n))),
        `step ${line.metadata.step} of ${line.metadata.episode_id}: the exported tokens are not what the engine evaluated and generated`,
      );
    }
  } finally {
    workers.shutdown();
    await running;
    await engine.provider.close();
  }

  const left = await docker.listContainers({ all: true, filters: { label: [`tasksynth.run=${runId}`] } });
  assert.equal(left.length, 0, 'every sandbox was removed');

  // The recorded history replays against the current workflow code: a non-deterministic change fails here.
  await Worker.runReplayHistory(workflowBundleOption(), history!, runWorkflowId(runId));
  await Worker.runReplayHistory(workflowBundleOption(), episodeHistory!, episodeWorkflowId);
  // Verification ran as a local activity: the history keeps its verdict in a marker, and the step view reads it.
  const verdicts = historySteps(episodeHistory!).filter((s) => s.kind === 'verdict');
  assert.equal(verdicts.length, 1, 'the episode\'s history shows its verdict');
  assert.match(verdicts[0]!.title, /^verdict: (PASSED|failed)$/);
});

test('tasks already in the store, or planted in an evaluation file, are dropped before any rollout', { timeout: 10 * 60_000 }, async () => {
  // The same family, tier and seed as the first test's run, under another name: the same tasks again.
  const earlier = store.listTasks(firstRunId);
  assert.equal(earlier.length, 2, 'the first run stored its tasks');
  const evalFile = join(dir, 'eval.jsonl');
  writeFileSync(evalFile, `${JSON.stringify({ prompt: `Benchmark: ${earlier[0].spec.prompt}` })}\n`);
  const config = validateConfig(
    { name: 'e2e-again', family: 'files', seed: 3, tiers: [0], tasksPerTier: 2, episodesPerTask: 3, maxSteps: 3,
      decontamination: { files: ['eval.jsonl'] } },
    'dedup test config',
    dir,
  );
  const engine = workerEngine(config.model);
  const catalog = new EnvironmentCatalog();
  const environment = environmentRef(catalog.get('files'));
  const runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  const taskQueue = `e2e-dedup-${process.pid}`;
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, engine });
  const running = workers.run();
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    const result = await watchRun(handle, () => undefined, 500);
    assert.equal(result.progress.tasksDone, 2);
    assert.equal(result.progress.tasksAccepted, 0);
    assert.equal(result.progress.episodesDone, 0, 'no episode ran');
    const screenings = store.screenings.ofRun(runId);
    const tasks = store.listTasks(runId);
    const [first, second] = tasks;
    assert.equal(screenings.get(first.id)?.verdict, 'contaminated', first.reason ?? '');
    assert.match(first.reason ?? '', /^contaminated: prompt shares the words ".+" with .*eval\.jsonl$/);
    assert.equal(screenings.get(second.id)?.verdict, 'exact-duplicate', second.reason ?? '');
    assert.equal(screenings.get(second.id)?.duplicateOf, earlier[1].id);
    for (const task of tasks) {
      assert.equal(task.status, 'rejected');
      assert.deepEqual(store.listGates(task.id), [], `${task.id}: no gate rollout ran`);
      assert.deepEqual(store.listEpisodes(task.id), [], `${task.id}: no episode ran`);
    }
    const report = runReport(store, runId, config.acceptance, config.episodesPerTask);
    assert.deepEqual(
      report.families.map((f) => f.tiers.map((t) => [f.family, t.tier, t.generated, t.contaminated, t.exactDuplicates, t.measured])),
      [[['files', 0, 2, 1, 1, 0]]],
    );
  } finally {
    workers.shutdown();
    await running;
    await engine.provider.close();
  }
});

test('a run over a user\'s package (config `environments:`) rejects every gameable task at its gates, before any model call', { timeout: 20 * 60_000 }, async () => {
  const fixtures = join(projectRoot(), 'tests', 'fixtures', 'environments');
  const config = validateConfig(
    { name: 'gameable', family: 'double-gameable', environments: ['double-gameable'], seed: 4, tiers: [0, 1, 2, 3, 4], tasksPerTier: 1,
      episodesPerTask: 2, concurrency: { tasks: 2, episodes: 4 },
      // The double's tiers share one prompt and initial state on purpose (each differs only in its verifier's flaw),
      // so screening would drop them as duplicates; tier 1's flaw shows only to a random rollout that writes a
      // file, so enough rollouts make that near certain (about half of them write one).
      dedup: { exact: false, near: false }, gates: { randomRollouts: 16 } },
    'gameable test config',
    fixtures,
  );
  assert.deepEqual(config.environments, [join(fixtures, 'double-gameable')], 'environments are read relative to the config');
  const engine = workerEngine(config.model);
  const catalog = new EnvironmentCatalog(config.environments);
  const environment = environmentRef(catalog.get('double-gameable'));
  const runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  const taskQueue = `gameable-${process.pid}`;
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, engine });
  const running = workers.run();
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    const result = await watchRun(handle, () => undefined, 500);
    assert.equal(result.progress.tasksRejected, 5);
    assert.equal(result.progress.modelEpisodesDone, 0, 'no model episode runs for a gameable task');
    const tasks = store.listTasks(runId);
    assert.equal(tasks.length, 5);
    for (const task of tasks) {
      assert.equal(task.status, 'rejected');
      assert.match(task.reason ?? '', /^gameable: /, `${task.id}: ${task.reason}`);
      const gates = store.listGates(task.id);
      assert.equal(gates.find((g) => g.gate === 'reference')?.passed, true);
      assert.ok(gates.some((g) => !g.mustPass && g.passed), `${task.id} records the gate that let it through`);
      assert.equal(store.listEpisodes(task.id).length, 0);
    }
  } finally {
    workers.shutdown();
    await running;
    await engine.provider.close();
  }
  const left = await docker.listContainers({ all: true, filters: { label: [`tasksynth.run=${runId}`] } });
  assert.equal(left.length, 0, 'every gate sandbox was removed');
});

test('a run whose every task broke for one cause (a model server that fails every call) ends failed with that cause', { timeout: 10 * 60_000 }, async () => {
  // Test double: an OpenAI-compatible server that lists its model (so the preflight passes) and answers every
  // chat completion with HTTP 500, as a server whose backend died after start-up does.
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/v1/models' ? 200 : 500, { 'content-type': 'application/json' });
    res.end(req.url === '/v1/models' ? JSON.stringify({ data: [{ id: 'dead' }] }) : '{"error":"backend gone"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const config = validateConfig(
    { name: 'broken-model', family: 'files', seed: 8, tiers: [0], tasksPerTier: 2, episodesPerTask: 1, maxSteps: 2,
      // No in-engine retries: the activity's own retries already make this test wait about a minute.
      model: { engine: 'openai', baseUrl, model: 'dead', retries: 0 }, concurrency: { tasks: 2, episodes: 1 } },
    'broken model test config',
  );
  const engine = workerEngine(config.model);
  await checkEngine(engine);
  const catalog = new EnvironmentCatalog();
  const environment = environmentRef(catalog.get('files'));
  const runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  const taskQueue = `broken-${process.pid}`;
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, engine });
  const running = workers.run();
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    await assert.rejects(watchRun(handle, () => undefined, 500), (error: Error) => {
      const cause = failureMessage(error);
      assert.match(cause, /every family failed: files: every one of its 2 tasks broke; the first: .*HTTP 500/, cause);
      return true;
    });
    assert.equal(store.getRun(runId)?.status, 'failed');
    assert.ok(store.listTasks(runId).every((t) => t.status === 'rejected' && /model episodes failed/.test(t.reason ?? '')));
  } finally {
    workers.shutdown();
    await running;
    server.close();
  }
  const left = await docker.listContainers({ all: true, filters: { label: [`tasksynth.run=${runId}`] } });
  assert.equal(left.length, 0, 'every sandbox was removed');
});

test('with acceptance.earlyStop a task stops its model episodes once its decision is settled, and the run says so', { timeout: 10 * 60_000 }, async () => {
  // Test double: an OpenAI-compatible server that plays the files tier-0 task right in every odd-numbered episode
  // (the write_file call its prompt spells out, then submit) and submits at once in every even-numbered one.
  let episodes = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: [{ id: 'double' }] }));
        return;
      }
      const messages = (JSON.parse(body) as { messages: Array<{ role: string; content?: string }> }).messages;
      const first = !messages.some((m) => m.role === 'assistant');
      if (first) episodes++;
      const spelled = /Call write_file with path "([^"]+)" and content "([^"]+)"/.exec(messages.find((m) => m.role === 'user')?.content ?? '');
      const call = first && episodes % 2 === 1 && spelled
        ? { name: 'write_file', arguments: { path: spelled[1], content: spelled[2] } }
        : { name: 'submit', arguments: {} };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', tool_calls: [
        { id: 'c', type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } },
      ] } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const k = 8;
  const config = validateConfig(
    { name: 'early-stop', families: [{ name: 'files', seed: 12, tiers: [0, 1], tasks: 2 }], episodesPerTask: k, maxSteps: 3,
      model: { engine: 'openai', baseUrl, model: 'double' }, acceptance: { earlyStop: true }, concurrency: { tasks: 1, episodes: 1 } },
    'early stop test config',
  );
  const engine = workerEngine(config.model);
  const catalog = new EnvironmentCatalog();
  const environment = environmentRef(catalog.get('files'));
  const runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  const taskQueue = `early-stop-${process.pid}`;
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, engine });
  const running = workers.run();
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    await watchRun(handle, () => undefined, 500);
    const tasks = store.listTasks(runId);
    assert.equal(tasks.length, 2);
    // One pass and one failure settle the default band [0.01, 1]: every pass rate the other six could give is in it.
    for (const task of tasks) {
      const model = store.listEpisodes(task.id).filter((e) => e.policy === 'model');
      assert.equal(model.length, 2, `${task.id} ran ${model.length} model episodes`);
      assert.deepEqual(model.map((e) => e.verdict.passed).sort(), [false, true]);
      assert.equal(task.status, 'accepted');
      assert.equal(task.passRate, 0.5, 'the pass rate is over the episodes that ran');
      // Tier 0 was solved in one episode of two, not in every one: the curriculum stays at tier 0.
      assert.equal(task.tier, 0, 'a task stopped early never counts as solved in every episode');
    }
    assert.equal(episodes, 4);
    const report = runReport(store, runId, config.acceptance, k);
    const row = report.families[0].tiers[0];
    assert.equal(row.episodesSaved, 2 * (k - 2));
    assert.equal(row.passAtK, 1, `pass@${k} of a task stopped early is over the episodes that ran (pass@2 here)`);
  } finally {
    workers.shutdown();
    await running;
    server.close();
  }
});
