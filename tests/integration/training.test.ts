// Training end to end with the real components: a short synthesis run (Temporal dev server, Docker, the SmolLM2
// model) gives a handful of real accepted trajectories; a trainAdapter job trains a LoRA adapter on them in the
// training environment setup provisions (`npm run setup -- --train`). The worker running the job is SIGKILLed once a
// checkpoint is on disk: its trainer must die with it, and the next attempt, on another worker, must resume from
// the checkpoint. The adapter is converted to GGUF, registered, loaded by the embedded engine, and must lower the
// loss node-llama-cpp computes on the trained turns.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { jobDir, type TrainingJobInput } from '../../activities/training-activities.js';
import { runIdFor } from '../../client/run-id.js';
import { startSynthesisRun, watchRun } from '../../client/start-run.js';
import { startTraining, trainingJobId } from '../../client/start-training.js';
import { validateConfig } from '../../config/load-config.js';
import { projectRoot } from '../../config/paths.js';
import type { EngineTokensLine } from '../../data/export/engine-tokens.js';
import { Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { environmentRef } from '../../environments/package.js';
import { EmbeddedEngine } from '../../inference/embedded-engine.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { findTrainingEnv, trainingPaths } from '../../training/training-env.js';
import { runTrainer } from '../../training/trainer-process.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workerEngine } from '../../worker/engine-provider.js';
import { modelFileHash } from '../../worker/queue-names.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { createTrainingWorker } from '../../worker/training-worker.js';
import { startDevServer } from './dev-server.js';

const dir = mkdtempSync(join(tmpdir(), 'tasksynth-train-'));
const database = join(dir, 'tasksynth.db');
const docker = connectDocker();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let env: TestWorkflowEnvironment;
let store: Store;
const name = `ci-train-${process.pid}`;
let job = '';

before(async () => {
  installRuntimeLogging();
  await pingDocker(docker);
  assert.ok(findTrainingEnv(), 'the training environment is missing: scripts/test provisions it (npm run setup -- --train)');
  env = await startDevServer();
  store = Store.open(database);
});

after(async () => {
  store?.close();
  await env?.teardown();
  if (job) rmSync(jobDir(job), { recursive: true, force: true });
  for (const f of existsSync(trainingPaths.adapters()) ? readdirSync(trainingPaths.adapters()) : []) {
    if (f.startsWith(`${name}-`)) rmSync(join(trainingPaths.adapters(), f), { force: true });
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Processes whose command line mentions `needle` (the trainer of one job folder). */
function processesWith(needle: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle) ? [Number(pid)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

const checkpoints = (out: string) =>
  existsSync(join(out, 'checkpoints')) ? readdirSync(join(out, 'checkpoints')).filter((d) => /^step-\d+$/.test(d)) : [];

test('a training job survives its worker\'s death, resumes from its checkpoint, and its adapter lowers the loss of the trained turns in the engine', { timeout: 30 * 60_000 }, async () => {
  // 1. Real trajectories: a short run of the files family at tier 0, which the model solves often.
  const config = validateConfig(
    { name: 'train-data', family: 'files', seed: 5, tiers: [0], tasksPerTier: 3, episodesPerTask: 3, maxSteps: 3, concurrency: { tasks: 2, episodes: 2 } },
    'training test config',
  );
  const engine = workerEngine(config.model);
  const catalog = new EnvironmentCatalog();
  const environment = environmentRef(catalog.get('files'));
  const runId = runIdFor(config, engine.fingerprint, [environment.hash]);
  const taskQueue = `train-${process.pid}`;
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog, engine });
  const running = workers.run();
  try {
    const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    await watchRun(handle, () => undefined, 1000);
  } finally {
    workers.shutdown();
    await running;
    await engine.provider.close();
  }
  const accepted = store.acceptedTrajectories({ runId }).length;
  assert.ok(accepted >= 1, 'the run accepted no trajectory to train on');

  // 2. The job, on a worker in a process of its own.
  const basePath = resolveModelPath();
  const request: Omit<TrainingJobInput, 'jobId'> = {
    name, basePath, runs: [runId],
    hyperparameters: { epochs: 1, maxSteps: 10, lr: 5e-4, rank: 8, alpha: 16, gradAccum: 1, maxTokens: 2048, saveEvery: 2, seed: 0, threads: 0 },
  };
  job = trainingJobId(request, modelFileHash(basePath));
  const out = join(jobDir(job), 'train');
  rmSync(jobDir(job), { recursive: true, force: true });
  const child: ChildProcess = spawn(process.execPath, [join(projectRoot(), 'dist', 'tests', 'helpers', 'training-worker.js'), env.address, taskQueue, database], { stdio: 'inherit' });
  let survivor: Awaited<ReturnType<typeof createTrainingWorker>> | undefined;
  let survivorRun: Promise<void> | undefined;
  try {
    const handle = await startTraining(env.client, { jobId: job, ...request }, { taskQueue, storeId: store.storeId });
    // Kill the worker once a checkpoint is on disk and its trainer has gone past it.
    const deadline = Date.now() + 10 * 60_000;
    while (checkpoints(out).length === 0) {
      assert.ok(Date.now() < deadline, 'no checkpoint within 10 minutes');
      assert.equal(child.exitCode, null, 'the training worker exited by itself');
      await sleep(200);
    }
    const trainers = processesWith(out);
    assert.ok(trainers.length >= 1, 'the trainer is running');

    // One writer per checkpoint folder: a second trainer on it is turned away at once.
    const venv = findTrainingEnv()!;
    const second = spawnSync(venv.python, [venv.trainer, '--base', basePath, '--data', join(jobDir(job), 'data.engine-tokens.jsonl'), '--out', out], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(second.status, 3, `a second writer was not refused: ${second.stderr}`);
    assert.match(second.stderr, /has a writer already/);

    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The kernel takes the trainer with its worker (PR_SET_PDEATHSIG): nothing keeps writing the folder.
    const gone = Date.now() + 10_000;
    while (processesWith(out).length > 0 && Date.now() < gone) await sleep(100);
    assert.deepEqual(processesWith(out), [], 'the trainer outlived its worker');
    const savedAtKill = checkpoints(out).sort().at(-1)!;

    // 3. Another worker takes the job over once the dead one's heartbeat is missed.
    survivor = await createTrainingWorker(env.nativeConnection, 'default', taskQueue, store);
    survivorRun = survivor.run();
    const adapter = await handle.result();
    assert.equal(adapter.name, name);
    assert.equal(adapter.losses.length, 10, 'every optimizer step is in the loss curve, none twice');
    assert.ok(existsSync(adapter.path), 'the GGUF adapter is in place');
    assert.equal(store.adapters.get(name)?.sha256, adapter.sha256, 'the adapter is registered');
    assert.equal(adapter.baseSha256, modelFileHash(basePath));

    // The attempt that finished resumed from the checkpoint the killed one left.
    const history = await handle.fetchHistory();
    const results = (history.events ?? [])
      .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data)
      .filter((d): d is Uint8Array => Boolean(d && d.length > 0))
      .map((d) => JSON.parse(Buffer.from(d).toString('utf8')) as { resumedFrom?: number | null; adapterDir?: string });
    const trained = results.find((r) => r.adapterDir !== undefined);
    assert.ok(trained, 'the trainAdapter result is in the history');
    const resumedAt = Number(savedAtKill.replace('step-', ''));
    assert.ok(trained.resumedFrom !== null && trained.resumedFrom !== undefined && trained.resumedFrom >= resumedAt,
      `the second attempt resumed from ${trained.resumedFrom}, not from the checkpoint at step ${resumedAt} or later`);
    // And it took the steps an uninterrupted run takes: same data order, optimizer, schedule and random state.
    const whole = await runTrainer(findTrainingEnv()!, {
      ...request.hyperparameters, base: basePath, data: join(jobDir(job), 'data.engine-tokens.jsonl'), out: join(dir, 'uninterrupted'),
    }, () => undefined);
    assert.equal(whole.losses.length, adapter.losses.length);
    whole.losses.forEach((loss, i) =>
      assert.ok(Math.abs(loss - adapter.losses[i]!) < 1e-3, `step ${i + 1}: loss ${adapter.losses[i]} after the resume, ${loss} uninterrupted`));

    // 4. In the engine: the adapter lowers the loss on the trained turns (node-llama-cpp's own probabilities).
    const lines = readFileSync(join(jobDir(job), 'data.engine-tokens.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EngineTokensLine);
    assert.equal(lines.length, adapter.data.lines);
    const sample = lines.slice(0, 6);
    const meanLoss = async (adapterPath?: string) => {
      const e = await EmbeddedEngine.load(basePath, { sequences: 1, contextSize: 2048, ...(adapterPath ? { adapter: { path: adapterPath, scale: 1 } } : {}) });
      try {
        let sum = 0;
        let n = 0;
        for (const l of sample) {
          const { loss, tokens } = await e.tokenLoss(l.input_ids, l.labels);
          sum += loss * tokens;
          n += tokens;
        }
        return sum / n;
      } finally {
        await e.close();
      }
    };
    const baseLoss = await meanLoss();
    const tunedLoss = await meanLoss(adapter.path);
    console.log(`training: ${adapter.data.lines} lines, ${adapter.data.labelTokens} trained tokens; loss curve ${adapter.losses.join(' ')}; engine loss on ${sample.length} trained turns: base ${baseLoss.toFixed(3)}, with adapter ${tunedLoss.toFixed(3)}`);
    assert.ok(tunedLoss < baseLoss, `the adapter did not lower the loss (base ${baseLoss}, with adapter ${tunedLoss})`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    survivor?.shutdown();
    await survivorRun?.catch(() => undefined);
  }
});
