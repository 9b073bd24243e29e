// Soak: SOAK_EPISODES model episodes (default 1,000) in one worker process on the real Temporal dev server and
// Docker, printing the worker's RSS and JS heap after a full GC, after a warm-up and at the end, side by side, and
// the Temporal history size of each kind of workflow (events and bytes: mean and largest). RSS should grow less
// than 10% from the warm-up on.
// The model is the embedded SmolLM2 (SOAK_MODEL=embedded, the default) or a scripted double that plays each task's
// reference calls (SOAK_MODEL=double), which soaks everything but the model in minutes instead of hours.
// Run: npm run bench:soak (the Docker engine, the model: npm run setup).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { runIdFor } from '../client/run-id.js';
import { startSynthesisRun, watchRun } from '../client/start-run.js';
import { validateConfig } from '../config/load-config.js';
import { Store } from '../data/store.js';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { environmentRef } from '../environments/package.js';
import type { InferenceEngine } from '../inference/engine.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { SUBMIT_TOOL, type ModelStepInput, type TaskSpec } from '../schemas/types.js';
import { createWorkers } from '../worker/create-workers.js';
import { workerEngine } from '../worker/engine-provider.js';
import { installRuntimeLogging } from '../worker/runtime-logging.js';
import { findTemporalCli } from '../worker/temporal-server.js';

const EPISODES = Number(process.env.SOAK_EPISODES ?? 1000);
const K = 4;
// The first tenth of the run warms up: caches fill, V8's heap and the allocator reach their working size.
const WARMUP_EPISODES = Math.floor(EPISODES / 10);
const useDouble = process.env.SOAK_MODEL === 'double';

/** Test double for the model: plays the reference calls of the task whose prompt opens the conversation. */
class ReferencePlayer implements InferenceEngine {
  readonly name = 'double-reference';
  constructor(private readonly store: Store, private readonly runId: () => string) {}
  private readonly byPrompt = new Map<string, TaskSpec>();
  async step(input: ModelStepInput) {
    const prompt = input.messages.find((m) => m.role === 'user');
    const text = prompt && prompt.role === 'user' ? prompt.content : '';
    if (!this.byPrompt.has(text)) for (const t of this.store.listTasks(this.runId())) this.byPrompt.set(t.spec.prompt, t.spec);
    const calls = this.byPrompt.get(text)?.reference ?? [];
    const call = calls[input.messages.filter((m) => m.role === 'assistant').length] ?? { name: SUBMIT_TOOL, arguments: {} };
    return { toolCall: call, raw: JSON.stringify({ tool: call.name, arguments: call.arguments }), durationMs: 0 };
  }
  async close() {}
}

const gcAvailable = typeof globalThis.gc === 'function';
/** RSS and JS heap after a full collection, so two samples compare what is retained, not when V8 last collected. */
function settled(): { rss: number; heap: number } {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  installRuntimeLogging();
  const docker = connectDocker();
  await pingDocker(docker);
  const cli = findTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal(cli ? { server: { executable: { type: 'existing-path', path: cli } } } : {});
  const dir = mkdtempSync(join(tmpdir(), 'tasksynth-soak-'));
  const store = Store.open(join(dir, 'tasksynth.db'));
  const tasks = Math.ceil(EPISODES / K);
  const config = validateConfig(
    // Tier 1: its space (numbered file names) is large enough that dedup drops almost none of the tasks.
    { name: 'soak', family: 'files', seed: 31, tiers: [1], tasksPerTier: tasks, episodesPerTask: K, maxSteps: 3,
      concurrency: { tasks: 4, episodes: 2 }, gates: { randomRollouts: 1 } },
    'soak config',
  );
  const catalog = new EnvironmentCatalog();
  const environment = environmentRef(catalog.get('files'));
  let runId = '';
  const real = workerEngine(config.model);
  const engine = useDouble
    ? { provider: { get: async () => new ReferencePlayer(store, () => runId), close: async () => undefined }, fingerprint: 'double-reference', concurrency: 2, modelPath: null }
    : real;
  runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  const taskQueue = `soak-${process.pid}`;
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, engine });
  const running = workers.run();
  const started = Date.now();
  let warm: { rss: number; heap: number; at: number } | null = null;
  let peak = 0;
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    const result = await watchRun(handle, (p) => {
      const rss = process.memoryUsage().rss;
      peak = Math.max(peak, rss);
      if (!warm && p.modelEpisodesDone >= WARMUP_EPISODES) warm = { ...settled(), at: p.modelEpisodesDone };
      process.stderr.write(`\r  ${p.modelEpisodesDone}/${tasks * K} episodes, RSS ${mb(rss)}   `);
    }, 5_000);
    const end = settled();
    process.stderr.write('\n');

    // History sizes: the run, its family and a sample of tasks and episodes.
    const sizes = new Map<string, number[][]>();
    const measure = async (kind: string, workflowId: string) => {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const list = sizes.get(kind) ?? [];
      list.push([history.events?.length ?? 0, Buffer.byteLength(JSON.stringify(history))]);
      sizes.set(kind, list);
    };
    await measure('synthesisRun', handle.workflowId);
    await measure('familyRun', `${handle.workflowId}/family/files`);
    for (const task of store.listTasks(runId).slice(0, 50)) {
      await measure('calibrateTask', `task/${task.id}`);
      for (const e of store.listEpisodes(task.id).filter((x) => x.policy === 'model').slice(0, 2)) await measure('agentEpisode', `episode/${e.id}`);
    }

    const w = warm ?? { ...end, at: 0 };
    const growth = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`;
    console.log(`soak: ${result.progress.modelEpisodesDone} episodes (${useDouble ? 'scripted model double' : engine.fingerprint}) in ${((Date.now() - started) / 1000).toFixed(0)} s, one worker process`);
    console.log(`memory after a full GC${gcAvailable ? '' : ' (unavailable: run with --expose-gc; figures are as found)'}`);
    console.log('                     episodes        RSS  JS heap used');
    console.log(`after warm-up        ${String(w.at).padStart(8)} ${mb(w.rss).padStart(10)} ${mb(w.heap).padStart(13)}`);
    console.log(`at the end           ${String(result.progress.modelEpisodesDone).padStart(8)} ${mb(end.rss).padStart(10)} ${mb(end.heap).padStart(13)}`);
    console.log(`growth               ${growth(w.rss, end.rss).padStart(19)} ${growth(w.heap, end.heap).padStart(13)}   (target: RSS under 10%; peak RSS as found ${mb(peak)})`);
    console.log('history per workflow   count  events mean/max      bytes mean/max');
    for (const [kind, list] of sizes) {
      const mean = (i: number) => Math.round(list.reduce((a, r) => a + r[i]!, 0) / list.length);
      const max = (i: number) => Math.max(...list.map((r) => r[i]!));
      console.log(`${kind.padEnd(22)} ${String(list.length).padStart(5)}  ${`${mean(0)}/${max(0)}`.padStart(16)}  ${`${mean(1)}/${max(1)}`.padStart(18)}`);
    }
  } finally {
    workers.shutdown();
    await running;
    await real.provider.close();
    store.close();
    await env.teardown();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
