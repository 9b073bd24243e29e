// `tasksynth run --config FILE`: validates the config, connects to (or starts) Temporal, runs a worker in this
// process and drives one synthesisRun workflow to its end, showing progress and a closing summary.
import { Client } from '@temporalio/client';
import type { CommandModule } from 'yargs';
import { runIdentity, runIdFor, runWorkflowId } from '../../client/run-id.js';
import { UsageError } from '../../core/usage-error.js';
import { startSynthesisRun, watchRun } from '../../client/start-run.js';
import { loadConfig } from '../../config/load-config.js';
import { checkEngine } from '../../inference/model-check.js';
import { statePaths } from '../../config/paths.js';
import { exportOpenAIChat } from '../../data/export/openai-chat.js';
import { checkRunIdentity, Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { environmentRef } from '../../environments/package.js';
import { DEFAULT_TASK_QUEUE } from '../../worker/create-workers.js';
import { workerEngine } from '../../worker/engine-provider.js';
import { connectClient } from '../../worker/temporal-server.js';
import { DEFAULT_MAX_LIVE_SANDBOXES } from '../../activities/sandbox-activities.js';
import { DEFAULT_WARM_SANDBOXES } from '../../sandboxes/warm-pool.js';
import { startWorkerProcess } from '../../worker/worker-process.js';
import { checkOutputFile } from '../output-file.js';
import { createProgressView } from '../progress-view.js';
import { renderSummary } from '../summary-table.js';

interface RunArgs {
  config: string;
  'run-id'?: string;
  'task-queue': string;
  export?: string;
  'env-dir'?: string[];
  'max-sandboxes': number;
  'warm-sandboxes': number;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run one synthesis job from a config file',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'run configuration (YAML or JSON)' })
      .option('run-id', { type: 'string', describe: 'override the run id (default: name + hash of config and model)' })
      .option('task-queue', { type: 'string', default: DEFAULT_TASK_QUEUE, describe: 'Temporal task queue' })
      .option('export', { type: 'string', describe: 'when the run ends, export its accepted trajectories (openai-chat JSONL) here' })
      .option('max-sandboxes', { type: 'number', default: DEFAULT_MAX_LIVE_SANDBOXES, describe: 'live sandboxes this Docker host holds at most; episodes wait for a slot' })
      .check((a) => (Number.isInteger(a['max-sandboxes']) && (a['max-sandboxes'] as number) >= 1) || `--max-sandboxes ${a['max-sandboxes']}: give a whole number, at least 1`)
      .option('warm-sandboxes', { type: 'number', default: DEFAULT_WARM_SANDBOXES, describe: 'sandboxes this host keeps started with the next episode\'s initial state (0: none)' })
      .check((a) => (Number.isInteger(a['warm-sandboxes']) && (a['warm-sandboxes'] as number) >= 0) || `--warm-sandboxes ${a['warm-sandboxes']}: give a whole number, 0 or more`)
      .option('env-dir', { type: 'string', array: true, describe: 'a folder of your own environment packages (repeatable); joins the config\'s `environments`' }) as never,
  handler: async (args) => {
    // Everything that can be wrong with the input is checked before anything starts or is written.
    const config = loadConfig(args.config, args['env-dir'] ?? []);
    if (args.export) checkOutputFile(args.export, '--export');
    const catalog = new EnvironmentCatalog(config.environments);
    const environments = config.families.map((f) => environmentRef(catalog.get(f.name)));
    const engine = workerEngine(config.model);
    const hashes = environments.map((e) => e.hash);
    const runId = args['run-id'] ?? runIdFor(config, engine.fingerprint, hashes);
    // The model is loaded before anything starts (the worker then reuses it): a bad file stops here, in seconds.
    await checkEngine(engine);

    const store = Store.open(statePaths.database());
    // A run id stands for one config, model and set of packages; a finished run is shown, never computed again.
    const known = store.getRun(runId);
    if (known) {
      try {
        checkRunIdentity(known, { identity: runIdentity(config, engine.fingerprint, hashes), model: engine.fingerprint });
      } catch (error) {
        store.close();
        throw new UsageError((error as Error).message);
      }
      if (known.status === 'completed') {
        try {
          console.log(renderSummary(store, runId, config.acceptance, config.episodesPerTask));
          console.log(`run ${runId} already finished (${known.finishedAt}); this is its summary. A new run needs a new id: change the config's name or pass --run-id.`);
          if (args.export) {
            const { lines, file } = await exportOpenAIChat(store, args.export, { runId });
            console.log(`exported ${lines} accepted trajectories (openai-chat) to ${file}`);
          }
        } finally {
          store.close();
        }
        return;
      }
    }
    const taskQueue = args['task-queue'];
    const worker = await startWorkerProcess({ maxLiveSandboxes: args['max-sandboxes'], warmSandboxes: args['warm-sandboxes'], taskQueue, catalog, engine, store }).catch((error: unknown) => {
      store.close();
      throw error;
    });
    const { temporal, running } = worker;
    const connection = await connectClient(temporal);
    const client = new Client({ connection, namespace: temporal.namespace });
    const view = createProgressView();
    const started = Date.now();
    try {
      console.error(`run ${runId}: k=${config.episodesPerTask}, model ${engine.fingerprint}`);
      // Each episode in flight has at most one model call out: fewer episodes (or sandboxes) than the engine's
      // slots leave the server under-used, whatever its capacity.
      const inFlight = Math.min(config.concurrency.tasks * config.concurrency.episodes, args['max-sandboxes']);
      if (inFlight < engine.concurrency) {
        console.error(`  note: at most ${inFlight} episodes run at once (concurrency.tasks × concurrency.episodes, --max-sandboxes), fewer than the ${engine.concurrency} model calls the engine takes at once; raise them to keep the server busy`);
      }
      for (const [i, f] of config.families.entries()) {
        const env = environments[i];
        const plan = f.tasks !== undefined ? `${f.tasks} tasks, tiers ${f.tiers.join(',')} following the model` : `${f.tasksPerTier} tasks at each of tiers ${f.tiers.join(',')}`;
        console.error(`  ${env.name} ${env.version} (${env.hash.slice(0, 12)}): ${plan}, seed ${f.seed}`);
      }
      const handle = await startSynthesisRun(client, { runId, config, environments, taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
      // A worker that stops (or fails) before the run ends would leave the run waiting: stop waiting too.
      await Promise.race([
        watchRun(handle, (p) => view.update(p)),
        running.then(() => {
          throw new Error('the in-process worker stopped before the run finished');
        }),
      ]);
      view.stop();
      console.log(renderSummary(store, runId, config.acceptance, config.episodesPerTask));
      console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s; database ${statePaths.database()}`);
      if (args.export) {
        const { lines, file } = await exportOpenAIChat(store, args.export, { runId });
        console.log(`exported ${lines} accepted trajectories (openai-chat) to ${file}`);
      }
      if (temporal.uiUrl) {
        console.log(`Temporal Web UI: ${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(runWorkflowId(runId))}`);
      }
    } finally {
      view.stop();
      await worker.close();
      await connection.close();
      store.close();
    }
  },
};
