// `tasksynth loop --config FILE --name NAME`: the whole loop in one command, each stage durable and reused when it
// finished before (the same command run again picks up where it stopped):
//   1. synthesize with the base model (the config as written);
//   2. train adapter NAME on that run's accepted trajectories;
//   3. evaluate base vs tuned on held-out tasks;
//   4. synthesize again with the tuned model, from new family seeds (new tasks), and show each family's frontier
//      before and after: the tiers each model solves.
import { resolve } from 'node:path';
import Table from 'cli-table3';
import type { CommandModule } from 'yargs';
import { DEFAULT_MAX_LIVE_SANDBOXES } from '../../activities/sandbox-activities.js';
import { loadConfig } from '../../config/load-config.js';
import { statePaths } from '../../config/paths.js';
import { UsageError } from '../../core/usage-error.js';
import { runReport, type RunReport } from '../../data/run-report.js';
import { Store } from '../../data/store.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { DEFAULT_WARM_SANDBOXES } from '../../sandboxes/warm-pool.js';
import { DEFAULT_TASK_QUEUE } from '../../worker/create-workers.js';
import type { RunConfig } from '../../config/run-config.js';
import { runOrReuse } from '../run-to-end.js';
import { tableStyle } from '../summary-table.js';
import { evaluateToEnd } from './eval.js';
import { ADAPTER_NAME, trainToEnd } from './train.js';

interface LoopArgs {
  config: string;
  name: string;
  epochs: number;
  'tasks-per-tier': number;
  k: number;
  'task-queue': string;
}

/** Family seeds of the second synthesis: the first run's, moved on, so it draws new tasks. */
const SEED_STEP = 100;

export const loopCommand: CommandModule<object, LoopArgs> = {
  command: 'loop',
  describe: 'Synthesize, train an adapter, evaluate it on held-out tasks, and synthesize again with it',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'the synthesis config (embedded engine, no adapter)' })
      .option('name', { type: 'string', demandOption: true, describe: 'the adapter\'s name' })
      .check((a) => ADAPTER_NAME.test(String(a.name)) || `--name ${a.name}: letters, digits, ".", "_" and "-", at most 64, not ending in .gguf (that names a file)`)
      .option('epochs', { type: 'number', default: 3 })
      .check((a) => (a.epochs as number) > 0 || `--epochs ${a.epochs}: give a number above 0`)
      .option('tasks-per-tier', { type: 'number', default: 4, describe: 'held-out tasks at each trained tier' })
      .check((a) => (Number.isInteger(a['tasks-per-tier']) && (a['tasks-per-tier'] as number) >= 1) || `--tasks-per-tier ${a['tasks-per-tier']}: give a whole number, at least 1`)
      .option('k', { type: 'number', default: 4, describe: 'held-out episodes per task and model' })
      .check((a) => (Number.isInteger(a.k) && (a.k as number) >= 1) || `--k ${a.k}: give a whole number, at least 1`)
      .option('task-queue', { type: 'string', default: DEFAULT_TASK_QUEUE }) as never,
  handler: async (args) => {
    const config = loadConfig(args.config);
    if (config.model.engine !== 'embedded') throw new UsageError(`${args.config}: the loop trains the embedded model; this config uses ${config.model.engine}`);
    if (config.model.adapter) throw new UsageError(`${args.config}: the loop starts from the base model; remove /model/adapter`);
    const started = Date.now();
    const stage = (n: number, what: string) => console.error(`\n== loop ${n}/4: ${what} (${((Date.now() - started) / 1000).toFixed(0)} s in) ==`);
    const store = Store.open(statePaths.database());
    const sandboxes = { taskQueue: args['task-queue'], maxSandboxes: DEFAULT_MAX_LIVE_SANDBOXES, warmSandboxes: DEFAULT_WARM_SANDBOXES };
    try {
      stage(1, 'synthesize with the base model');
      const before = await runOrReuse(store, config, sandboxes, 'base');
      stage(2, `train adapter ${args.name}`);
      const basePath = resolve(config.model.path ?? resolveModelPath());
      const adapter = await trainToEnd(store, {
        name: args.name, basePath, runs: [before],
        hyperparameters: { epochs: args.epochs, maxSteps: 0, lr: 2e-4, rank: 16, alpha: 32, gradAccum: 1, maxTokens: 2048, saveEvery: 10, seed: 0, threads: 0 },
      }, args['task-queue']);
      stage(3, 'evaluate base vs tuned on held-out tasks');
      await evaluateToEnd(store, adapter, { tasksPerTier: args['tasks-per-tier'], k: args.k, ...sandboxes });
      stage(4, 'synthesize again with the tuned model, from new seeds');
      const tuned: RunConfig = {
        ...config,
        name: `${config.name}-${args.name}`.slice(0, 64),
        families: config.families.map((f) => ({ ...f, seed: f.seed + SEED_STEP })),
        model: { ...config.model, path: basePath, adapter: adapter.path },
      };
      const after = await runOrReuse(store, tuned, sandboxes, 'tuned');
      console.log(renderFrontiers(
        runReport(store, before, config.acceptance, config.episodesPerTask),
        runReport(store, after, tuned.acceptance, tuned.episodesPerTask),
      ));
      console.log(`loop finished in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    } finally {
      store.close();
    }
  },
};

const tierText = (r: RunReport, family: string) =>
  r.families.find((f) => f.family === family)?.tiers.filter((t) => t.episodes > 0)
    .map((t) => `t${t.tier} ${t.passedEpisodes}/${t.episodes}`).join(', ') || '-';
const solvedText = (r: RunReport, family: string) => {
  const solved = r.families.find((f) => f.family === family)?.tiers.filter((t) => t.passedEpisodes > 0).map((t) => `t${t.tier}`) ?? [];
  return solved.join(', ') || 'none';
};
const frontierText = (r: RunReport, family: string) => {
  const f = r.families.find((x) => x.family === family);
  return f?.frontier === null || f === undefined ? '-' : `t${f.frontier}`;
};

function renderFrontiers(before: RunReport, after: RunReport): string {
  const table = new Table({
    head: ['family', 'base: episodes passed by tier', 'base solves', 'base frontier', 'tuned: episodes passed by tier', 'tuned solves', 'tuned frontier'],
    style: tableStyle(),
  });
  const families = [...new Set([...before.families, ...after.families].map((f) => f.family))].sort();
  for (const family of families) {
    table.push([family, tierText(before, family), solvedText(before, family), frontierText(before, family), tierText(after, family), solvedText(after, family), frontierText(after, family)]);
  }
  return `${table.toString()}\nbase: run ${before.runId}; tuned: run ${after.runId} (new family seeds). A frontier is the lowest measured tier passing below ${before.band.maxPassRate} of its episodes.`;
}
