// `tasksynth worker`: a worker process without a job, for scale-out: start one per Docker host against the same
// Temporal cluster (TEMPORAL_ADDRESS) and Temporal spreads the runs' workflows and activities over them.
import type { CommandModule } from 'yargs';
import { statePaths } from '../../config/paths.js';
import { Store } from '../../data/store.js';
import { checkEngine } from '../../inference/model-check.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { DEFAULT_TASK_QUEUE } from '../../worker/create-workers.js';
import { workerEngine } from '../../worker/engine-provider.js';
import { DEFAULT_MAX_LIVE_SANDBOXES } from '../../activities/sandbox-activities.js';
import { DEFAULT_WARM_SANDBOXES } from '../../sandboxes/warm-pool.js';
import { startWorkerProcess } from '../../worker/worker-process.js';
import { resolveAdapter } from '../../training/adapter-ref.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { UsageError } from '../../core/usage-error.js';

function withUsageError<T>(flag: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

interface WorkerArgs {
  'task-queue': string;
  model?: string;
  adapter?: string;
  'adapter-scale'?: number;
  'openai-base-url'?: string;
  'openai-model'?: string;
  'openai-concurrency'?: number;
  'openai-retries'?: number;
  store: boolean;
  'env-dir'?: string[];
  'max-sandboxes': number;
  'warm-sandboxes': number;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Run a worker (workflows, model calls, sandboxes) until interrupted',
  builder: (y) =>
    y
      .option('task-queue', { type: 'string', default: DEFAULT_TASK_QUEUE })
      .option('model', { type: 'string', describe: 'GGUF file for the embedded engine (default TASKSYNTH_MODEL or SmolLM2)' })
      .option('adapter', { type: 'string', describe: 'a LoRA adapter the embedded engine applies: a GGUF file or a name `tasksynth train` registered (its hash joins the model queue\'s name)' })
      .option('adapter-scale', { type: 'number', describe: 'how strongly the adapter applies (default 1)' })
      .check((a) => a['adapter-scale'] === undefined || (a.adapter !== undefined && (a['adapter-scale'] as number) > 0) || `--adapter-scale ${a['adapter-scale']}: give a number above 0, with --adapter`)
      .conflicts('adapter', 'openai-base-url')
      .option('openai-base-url', { type: 'string', describe: 'serve an OpenAI-compatible server\'s model instead' })
      .option('openai-model', { type: 'string', describe: 'model name for the OpenAI-compatible server' })
      .option('openai-concurrency', { type: 'number', describe: 'model calls this worker keeps in flight to the server (default 8)' })
      .option('openai-retries', { type: 'number', describe: 'further attempts after HTTP 429/5xx or a dropped connection (default 4)' })
      .check((a) => a['openai-retries'] === undefined || (Number.isInteger(a['openai-retries']) && (a['openai-retries'] as number) >= 0) || `--openai-retries ${a['openai-retries']}: give a whole number, at least 0`)
      .check((a) => a['openai-concurrency'] === undefined || (Number.isInteger(a['openai-concurrency']) && (a['openai-concurrency'] as number) >= 1) || `--openai-concurrency ${a['openai-concurrency']}: give a whole number, at least 1`)
      .option('store', {
        type: 'boolean',
        default: false,
        describe: 'also serve this state directory\'s store (its own queue, named by the store\'s id; one process per store)',
      })
      .option('max-sandboxes', { type: 'number', default: DEFAULT_MAX_LIVE_SANDBOXES, describe: 'live sandboxes this Docker host holds at most; episodes wait for a slot' })
      .check((a) => (Number.isInteger(a['max-sandboxes']) && (a['max-sandboxes'] as number) >= 1) || `--max-sandboxes ${a['max-sandboxes']}: give a whole number, at least 1`)
      .option('warm-sandboxes', { type: 'number', default: DEFAULT_WARM_SANDBOXES, describe: 'sandboxes this host keeps started with the next episode\'s initial state (0: none)' })
      .check((a) => (Number.isInteger(a['warm-sandboxes']) && (a['warm-sandboxes'] as number) >= 0) || `--warm-sandboxes ${a['warm-sandboxes']}: give a whole number, 0 or more`)
      .option('env-dir', { type: 'string', array: true, describe: 'a folder of your own environment packages (repeatable), at the same path on every host' })
      .conflicts('model', 'openai-base-url')
      .check((a) => !a['openai-base-url'] || Boolean(a['openai-model']) || '--openai-base-url needs --openai-model') as never,
  handler: async (args) => {
    const engine = workerEngine(
      args['openai-base-url']
        ? { engine: 'openai', baseUrl: args['openai-base-url'], model: args['openai-model'], concurrency: args['openai-concurrency'], retries: args['openai-retries'] }
        : {
            engine: 'embedded', path: args.model, adapterScale: args['adapter-scale'],
            adapter: args.adapter === undefined ? undefined : withUsageError('--adapter', () => resolveAdapter(args.adapter!, process.cwd(), () => args.model ?? resolveModelPath())),
          },
    );
    await checkEngine(engine);
    const catalog = new EnvironmentCatalog(args['env-dir'] ?? []);
    const store = args.store ? Store.open(statePaths.database()) : undefined;
    try {
      const worker = await startWorkerProcess({ maxLiveSandboxes: args['max-sandboxes'], warmSandboxes: args['warm-sandboxes'], taskQueue: args['task-queue'], catalog, engine, store });
      const stop = () => worker.workers.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      console.error(`worker on ${worker.temporal.address}: queues ${worker.workers.queues.join(', ')}`);
      if (store) console.error(`store ${store.storeId} (${statePaths.database()})`);
      try {
        await worker.running;
      } finally {
        await worker.close();
      }
    } finally {
      store?.close();
    }
  },
};
