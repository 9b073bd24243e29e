// The throughput work changes how episodes run, not what they yield. The same small run, with the same seeds, on
// the real Temporal dev server, Docker and model, twice: once as tasksynth runs now (the engine keeps each
// conversation's evaluated prefix, sandboxes come warm, removals run in the background, verification is a local
// activity), and once with the engine clearing its sequence before every step, as it did before, and every sandbox
// started cold. The tasks are the same, and the episodes' verdicts and the accepted tasks agree within sampling noise.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIdFor } from '../../client/run-id.js';
import { startSynthesisRun, watchRun } from '../../client/start-run.js';
import { validateConfig } from '../../config/load-config.js';
import { Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { environmentRef } from '../../environments/package.js';
import { EmbeddedEngine } from '../../inference/embedded-engine.js';
import type { InferenceEngine } from '../../inference/engine.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workerEngine, type EngineProvider } from '../../worker/engine-provider.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { startDevServer } from './dev-server.js';

const docker = connectDocker();
const config = validateConfig(
  // Greedy decoding, where another evaluation order changes an output only at a near tie (sampled, any logit
  // rounded differently can move a draw, and episodes would drift apart for that alone).
  { name: 'same-results', family: 'files', seed: 21, tiers: [0], tasksPerTier: 2, episodesPerTask: 4, maxSteps: 3,
    model: { temperature: 0 }, concurrency: { tasks: 1, episodes: 2 } },
  'same-results test config',
);

interface Outcome {
  tasks: string[];
  accepted: string[];
  verdicts: Map<string, boolean>;
  warmHandovers: number;
}

/** One run of `config` in its own dev server and store, with the given engine and warm pool size. */
async function runOnce(label: string, provider: EngineProvider, warmSandboxes: number): Promise<Outcome> {
  const engine = workerEngine(config.model);
  const catalog = new EnvironmentCatalog();
  const environment = environmentRef(catalog.get('files'));
  // The same run id both times: task and episode ids, and with them every seed, are the same.
  const runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  const env = await startDevServer();
  const store = Store.open(join(mkdtempSync(join(tmpdir(), `tasksynth-${label}-`)), 'tasksynth.db'));
  const taskQueue = `same-results-${label}-${process.pid}`;
  const workers = await createWorkers({
    connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, warmSandboxes,
    engine: { provider, fingerprint: engine.fingerprint, concurrency: 1 },
  });
  const running = workers.run();
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    await watchRun(handle, () => undefined, 500);
    assert.equal(store.getRun(runId)?.status, 'completed', `${label}: the run completed`);
    const tasks = store.listTasks(runId);
    const verdicts = new Map<string, boolean>();
    for (const task of tasks) for (const e of store.listEpisodes(task.id)) if (e.policy === 'model') verdicts.set(e.id, e.verdict.passed);
    return {
      tasks: tasks.map((t) => t.id).sort(),
      accepted: tasks.filter((t) => t.status === 'accepted').map((t) => t.id).sort(),
      verdicts,
      warmHandovers: workers.pool?.stats().warm ?? 0,
    };
  } finally {
    workers.shutdown();
    await running;
    await provider.close();
    store.close();
    await env.teardown();
  }
}

/** An engine provider that loads the model once, with these options. */
function embedded(opts: Parameters<typeof EmbeddedEngine.load>[1]): EngineProvider {
  const path = workerEngine(config.model).modelPath!;
  let loading: Promise<InferenceEngine> | null = null;
  return {
    get: () => (loading ??= EmbeddedEngine.load(path, opts)),
    close: async () => {
      if (loading) await (await loading).close();
      loading = null;
    },
  };
}

test('the same run gives the same tasks and, within sampling noise, the same verdicts with and without the throughput work', { timeout: 20 * 60_000 }, async () => {
  installRuntimeLogging();
  await pingDocker(docker);
  const now = await runOnce('now', embedded({}), 2);
  const before = await runOnce('before', embedded({ reusePrefix: false }), 0);

  assert.deepEqual(now.tasks, before.tasks, 'the same tasks were generated');
  assert.equal(now.verdicts.size, 2 * config.episodesPerTask, "two tasks, k episodes each");
  assert.deepEqual([...now.verdicts.keys()].sort(), [...before.verdicts.keys()].sort(), 'the same episodes ran');
  assert.ok(now.warmHandovers >= 1, 'episodes took warm sandboxes');
  assert.equal(before.warmHandovers, 0);

  const agree = [...now.verdicts].filter(([id, passed]) => before.verdicts.get(id) === passed).length;
  const passes = (o: Outcome) => [...o.verdicts.values()].filter(Boolean).length;
  console.log(
    `same results: ${agree}/${now.verdicts.size} verdicts agree; passed ${passes(now)} now, ${passes(before)} before; ` +
      `accepted ${now.accepted.length} now, ${before.accepted.length} before; ${now.warmHandovers} warm handovers`,
  );
  // A near tie between two tokens can fall either way when a prompt is evaluated in other chunks, even greedily,
  // and one flipped token can send an episode elsewhere: two of eight may differ. More would mean the throughput
  // work changes what the model does.
  assert.ok(agree >= now.verdicts.size - 2, `${agree} of ${now.verdicts.size} verdicts agree`);
  assert.ok(Math.abs(passes(now) - passes(before)) <= 2, `passed ${passes(now)} vs ${passes(before)}`);
  const differ = now.accepted.filter((t) => !before.accepted.includes(t)).length + before.accepted.filter((t) => !now.accepted.includes(t)).length;
  assert.ok(differ <= 1, `accepted tasks differ: ${now.accepted.join(', ')} vs ${before.accepted.join(', ')}`);
});
