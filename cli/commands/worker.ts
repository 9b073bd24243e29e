// `tasksynth worker`: a worker process without a job, for scale-out: start one per Docker host against the same
// Temporal cluster (TEMPORAL_ADDRESS) and Temporal spreads the runs' workflows and activities over them.
import type { CommandModule } from 'yargs';
import { statePaths } from '../../config/paths.js';
import { Store } from '../../data/store.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { createWorkers, DEFAULT_TASK_QUEUE } from '../../worker/create-workers.js';
import { engineProvider } from '../../worker/engine-provider.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { connectWorker, ensureTemporal } from '../../worker/temporal-server.js';

interface WorkerArgs {
  'task-queue': string;
  model?: string;
  'openai-base-url'?: string;
  'openai-model'?: string;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Run a worker (workflows, model calls, sandboxes) until interrupted',
  builder: (y) =>
    y
      .option('task-queue', { type: 'string', default: DEFAULT_TASK_QUEUE })
      .option('model', { type: 'string', describe: 'GGUF file for the embedded engine (default TASKSYNTH_MODEL or SmolLM2)' })
      .option('openai-base-url', { type: 'string', describe: 'use an OpenAI-compatible server instead of the embedded engine' })
      .option('openai-model', { type: 'string', describe: 'model name for the OpenAI-compatible server' })
      .check((a) => !a['openai-base-url'] || Boolean(a['openai-model']) || '--openai-base-url needs --openai-model') as never,
  handler: async (args) => {
    const docker = connectDocker();
    await pingDocker(docker);
    installRuntimeLogging();
    const temporal = await ensureTemporal((line) => console.error(line));
    const store = Store.open(statePaths.database());
    const engine = engineProvider(
      args['openai-base-url']
        ? { engine: 'openai', baseUrl: args['openai-base-url'], model: args['openai-model'] }
        : { engine: 'embedded', path: args.model },
    );
    const connection = await connectWorker(temporal);
    const workers = await createWorkers({ connection, namespace: temporal.namespace, taskQueue: args['task-queue'], store, docker, engine });
    const stop = () => workers.shutdown();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    console.error(`worker on ${temporal.address}: task queue ${args['task-queue']}, host queue ${workers.hostQueue}`);
    try {
      await workers.run();
    } finally {
      await engine.close();
      await connection.close();
      store.close();
    }
  },
};
