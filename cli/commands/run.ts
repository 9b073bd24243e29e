// `tasksynth run --config FILE`: validates the config, connects to (or starts) Temporal, runs a worker in this
// process and drives one synthesisRun workflow to its end, showing progress and a closing summary.
import type { CommandModule } from 'yargs';
import { runIdentity, runIdFor } from '../../client/run-id.js';
import { UsageError } from '../../core/usage-error.js';
import { loadConfig } from '../../config/load-config.js';
import { checkEngine } from '../../inference/model-check.js';
import { statePaths } from '../../config/paths.js';
import { exportOpenAIChat } from '../../data/export/openai-chat.js';
import { checkRunIdentity, Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { environmentRef } from '../../environments/package.js';
import { DEFAULT_TASK_QUEUE } from '../../worker/create-workers.js';
import { workerEngine } from '../../worker/engine-provider.js';
import { DEFAULT_MAX_LIVE_SANDBOXES } from '../../activities/sandbox-activities.js';
import { DEFAULT_WARM_SANDBOXES } from '../../sandboxes/warm-pool.js';
import { runToEnd } from '../run-to-end.js';
import { checkOutputFile } from '../output-file.js';
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
    try {
      await runToEnd({
        config, environments, catalog, engine, store, runId, taskQueue: args['task-queue'],
        maxSandboxes: args['max-sandboxes'], warmSandboxes: args['warm-sandboxes'],
      });
      if (args.export) {
        const { lines, file } = await exportOpenAIChat(store, args.export, { runId });
        console.log(`exported ${lines} accepted trajectories (openai-chat) to ${file}`);
      }
    } finally {
      store.close();
    }
  },
};
