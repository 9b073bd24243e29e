// `tasksynth train --name NAME`: trains a LoRA adapter for the embedded model on its accepted trajectories, as a
// durable Temporal job (a worker runs in this process), and registers it under NAME: `model.adapter: NAME` in a
// config, or `--adapter NAME`, then serves it.
import { Client } from '@temporalio/client';
import type { CommandModule } from 'yargs';
import type { Hyperparameters, TrainingJobInput } from '../../activities/training-activities.js';
import type { AdapterRecord } from '../../data/adapter-registry.js';
import { startTraining, trainingJobId, watchTraining } from '../../client/start-training.js';
import { statePaths } from '../../config/paths.js';
import { UsageError } from '../../core/usage-error.js';
import { Store } from '../../data/store.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { DEFAULT_TASK_QUEUE } from '../../worker/create-workers.js';
import { engineFingerprint, modelFileHash } from '../../worker/queue-names.js';
import { unfitForTraining } from '../../training/training-runs.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { connectClient, connectWorker, ensureTemporal } from '../../worker/temporal-server.js';
import { createTrainingWorker } from '../../worker/training-worker.js';

interface TrainArgs {
  name: string;
  run?: string[];
  model?: string;
  epochs: number;
  'max-steps': number;
  lr: number;
  rank: number;
  alpha: number;
  'grad-accum': number;
  'max-tokens': number;
  'save-every': number;
  seed: number;
  threads: number;
  'task-queue': string;
}

/** Adapter names become file names and queue names: keep them plain. */
export const ADAPTER_NAME = /^(?!.*\.gguf$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/i;

const positive = (name: string) => (a: Record<string, unknown>) =>
  (typeof a[name] === 'number' && (a[name] as number) > 0) || `--${name} ${a[name]}: give a number above 0`;
const whole = (name: string, min: number) => (a: Record<string, unknown>) =>
  (Number.isInteger(a[name]) && (a[name] as number) >= min) || `--${name} ${a[name]}: give a whole number, at least ${min}`;

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train a LoRA adapter on the embedded model\'s accepted trajectories and register it by name',
  builder: (y) =>
    y
      .option('name', { type: 'string', demandOption: true, describe: 'the adapter\'s name (serve it with model.adapter: NAME or --adapter NAME)' })
      .check((a) => ADAPTER_NAME.test(String(a.name)) || `--name ${a.name}: letters, digits, ".", "_" and "-", at most 64, not ending in .gguf (that names a file)`)
      .option('run', { type: 'string', array: true, describe: 'train on these runs only (repeatable; default: every run of the base model)' })
      .option('model', { type: 'string', describe: 'the base GGUF model (default TASKSYNTH_MODEL or SmolLM2)' })
      .option('epochs', { type: 'number', default: 3 })
      .check(positive('epochs'))
      .option('max-steps', { type: 'number', default: 0, describe: 'stop after this many optimizer steps (0: the epochs decide)' })
      .check(whole('max-steps', 0))
      .option('lr', { type: 'number', default: 2e-4, describe: 'learning rate (AdamW, linear decay)' })
      .check(positive('lr'))
      .option('rank', { type: 'number', default: 16, describe: 'LoRA rank, on every linear layer' })
      .check(whole('rank', 1))
      .option('alpha', { type: 'number', default: 32, describe: 'LoRA alpha' })
      .check(positive('alpha'))
      .option('grad-accum', { type: 'number', default: 1, describe: 'examples per optimizer step' })
      .check(whole('grad-accum', 1))
      .option('max-tokens', { type: 'number', default: 2048, describe: 'longer examples are left out' })
      .check(whole('max-tokens', 2))
      .option('save-every', { type: 'number', default: 10, describe: 'optimizer steps between checkpoints' })
      .check(whole('save-every', 1))
      .option('seed', { type: 'number', default: 0 })
      .check(whole('seed', 0))
      .option('threads', { type: 'number', default: 0, describe: 'torch threads (0: every core)' })
      .check(whole('threads', 0))
      .option('task-queue', { type: 'string', default: DEFAULT_TASK_QUEUE }) as never,
  handler: async (args) => {
    const database = statePaths.database();
    if (!existsSync(database)) throw new UsageError(`no tasksynth database at ${database}: nothing to train on yet (is TASKSYNTH_HOME right? tasksynth run makes one)`);
    if (args.model !== undefined && !existsSync(args.model)) throw new UsageError(`--model ${args.model}: no such file`);
    // Absolute: the path is registered with the adapter and read again by evaluations run from anywhere.
    const basePath = resolve(args.model ?? resolveModelPath());
    const store = Store.open(statePaths.database());
    try {
      const model = engineFingerprint({ engine: 'embedded', path: basePath });
      // "Every run" is made concrete now: the job's id, and what it trains on, name the runs that exist today.
      const runs = args.run ?? store.finishedSynthesisRuns(model);
      if (runs.length === 0) throw new UsageError(`no finished synthesis run of ${model} in ${statePaths.database()} to train on (tasksynth run makes one)`);
      for (const run of runs) {
        const why = unfitForTraining(store, run, model);
        if (why) throw new UsageError(`--run ${run}: ${why}`);
      }
      const hyperparameters: Hyperparameters = {
        epochs: args.epochs, maxSteps: args['max-steps'], lr: args.lr, rank: args.rank, alpha: args.alpha,
        gradAccum: args['grad-accum'], maxTokens: args['max-tokens'], saveEvery: args['save-every'], seed: args.seed,
        threads: args.threads,
      };
      await trainToEnd(store, { name: args.name, basePath, runs, hyperparameters }, args['task-queue']);
    } finally {
      store.close();
    }
  },
};

/**
 * Trains (or joins the job training) adapter `request.name` with a training worker in this process, prints its
 * progress and result, and returns the registered adapter; an adapter already registered under the name is returned.
 */
export async function trainToEnd(
  store: Store,
  request: Omit<TrainingJobInput, 'jobId'>,
  taskQueue: string,
): Promise<AdapterRecord> {
  const baseSha256 = modelFileHash(request.basePath);
  const known = store.adapters.get(request.name);
  if (known) {
    // The name is the adapter: the same request gets it back, another one is refused rather than answered with it.
    const same = known.baseSha256 === baseSha256 && JSON.stringify([...known.data.runs].sort()) === JSON.stringify([...request.runs].sort())
      && JSON.stringify(known.hyperparameters) === JSON.stringify(request.hyperparameters);
    if (!same) {
      throw new UsageError(`adapter name "${request.name}" is registered already for other training (${known.path}: base sha256 ${known.baseSha256.slice(0, 12)}, runs ${known.data.runs.join(', ')}, ${JSON.stringify(known.hyperparameters)}); choose another --name`);
    }
    console.log(`adapter ${known.name} is registered already: ${known.path} (trained ${known.createdAt} on ${known.data.lines} model steps)`);
    return known;
  }
  const jobId = trainingJobId(request, baseSha256);
  installRuntimeLogging();
  const temporal = await ensureTemporal((line) => console.error(line));
  const workerConnection = await connectWorker(temporal);
  const worker = await createTrainingWorker(workerConnection, temporal.namespace, taskQueue, store);
  const running = worker.run();
  const connection = await connectClient(temporal);
  try {
    const client = new Client({ connection, namespace: temporal.namespace });
    const handle = await startTraining(client, { jobId, ...request }, { taskQueue, storeId: store.storeId });
    console.error(`training ${request.name} (job ${jobId}) on ${request.basePath}`);
    const started = Date.now();
    const adapter = await Promise.race([
      watchTraining(handle, (p) => {
        const resumed = p.resumedFrom !== null ? ` (resumed from step ${p.resumedFrom})` : '';
        console.error(`  step ${p.step}/${p.totalSteps} loss ${p.loss ?? '-'}${resumed}`);
      }),
      running.then(() => {
        throw new Error('the in-process worker stopped before the training job finished');
      }),
    ]);
    const losses = adapter.losses;
    console.log(`registered adapter ${adapter.name}: ${adapter.path} (sha256 ${adapter.sha256.slice(0, 12)})`);
    console.log(`  data: ${adapter.data.lines} model steps of ${adapter.data.taskIds.length} tasks from ${adapter.data.runs.length} run(s), ${adapter.data.labelTokens} trained tokens`);
    console.log(`  loss: ${losses[0]} at step 1, ${losses[losses.length - 1]} at step ${losses.length}; ${adapter.seconds.toFixed(0)} s of training, ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
    console.log(`  serve it: model.adapter: ${adapter.name} (config) or tasksynth worker --adapter ${adapter.name}`);
    return adapter;
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    await workerConnection.close();
  }
}
