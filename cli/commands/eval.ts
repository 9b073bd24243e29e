// `tasksynth eval --adapter NAME`: the base model and the base model with a trained adapter, side by side on
// held-out tasks of the families and tiers the adapter was trained on (see evaluation/held-out-plan.ts): two
// evaluation runs, then pass@1 and pass@k per family and tier with 95% intervals.
import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { modelFileHash } from '../../worker/queue-names.js';
import { DEFAULT_MAX_LIVE_SANDBOXES } from '../../activities/sandbox-activities.js';
import { statePaths } from '../../config/paths.js';
import { UsageError } from '../../core/usage-error.js';
import { Store } from '../../data/store.js';
import { compareRuns, renderComparison, type ComparisonRow } from '../../evaluation/compare.js';
import type { AdapterRecord } from '../../data/adapter-registry.js';
import { EvalPlanError, planEvaluation } from '../../evaluation/held-out-plan.js';
import { DEFAULT_WARM_SANDBOXES } from '../../sandboxes/warm-pool.js';
import { DEFAULT_TASK_QUEUE } from '../../worker/create-workers.js';
import { runOrReuse } from '../run-to-end.js';

interface EvalArgs {
  adapter: string;
  'tasks-per-tier': number;
  k: number;
  seed?: number;
  families?: string[];
  'task-queue': string;
  'max-sandboxes': number;
  'warm-sandboxes': number;
}

export const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval',
  describe: 'Measure a trained adapter against its base model on held-out tasks',
  builder: (y) =>
    y
      .option('adapter', { type: 'string', demandOption: true, describe: 'the name `tasksynth train` registered' })
      .option('tasks-per-tier', { type: 'number', default: 4, describe: 'held-out tasks at each trained tier' })
      .check((a) => (Number.isInteger(a['tasks-per-tier']) && (a['tasks-per-tier'] as number) >= 1) || `--tasks-per-tier ${a['tasks-per-tier']}: give a whole number, at least 1`)
      .option('k', { type: 'number', default: 4, describe: 'episodes per task and model' })
      .check((a) => (Number.isInteger(a.k) && (a.k as number) >= 1) || `--k ${a.k}: give a whole number, at least 1`)
      .option('seed', { type: 'number', describe: 'family seed of the held-out tasks (default: the first from 1000 no synthesis run used)' })
      .check((a) => a.seed === undefined || (Number.isInteger(a.seed) && (a.seed as number) >= 0) || `--seed ${a.seed}: give a whole number, 0 or more`)
      .option('families', { type: 'string', array: true, describe: 'only these of the trained families' })
      .option('task-queue', { type: 'string', default: DEFAULT_TASK_QUEUE })
      .option('max-sandboxes', { type: 'number', default: DEFAULT_MAX_LIVE_SANDBOXES })
      .option('warm-sandboxes', { type: 'number', default: DEFAULT_WARM_SANDBOXES }) as never,
  handler: async (args) => {
    const database = statePaths.database();
    if (!existsSync(database)) throw new UsageError(`--adapter ${args.adapter}: no tasksynth database at ${database}, so no registered adapter (is TASKSYNTH_HOME right?)`);
    const store = Store.open(database);
    try {
      const adapter = store.adapters.get(args.adapter);
      if (!adapter) {
        const names = store.adapters.list().map((a) => a.name);
        throw new UsageError(`--adapter ${args.adapter}: no such registered adapter (registered: ${names.join(', ') || 'none'}; \`tasksynth train --name\` registers one)`);
      }
      await evaluateToEnd(store, adapter, {
        tasksPerTier: args['tasks-per-tier'], k: args.k, seed: args.seed, families: args.families,
        taskQueue: args['task-queue'], maxSandboxes: args['max-sandboxes'], warmSandboxes: args['warm-sandboxes'],
      });
    } finally {
      store.close();
    }
  },
};

export interface EvaluateOptions {
  tasksPerTier: number;
  k: number;
  seed?: number;
  families?: string[];
  taskQueue: string;
  maxSandboxes: number;
  warmSandboxes: number;
}

/** Runs (or reuses) the base and the tuned evaluation runs, prints the comparison and returns its rows. */
export async function evaluateToEnd(store: Store, adapter: AdapterRecord, o: EvaluateOptions): Promise<ComparisonRow[]> {
  if (!existsSync(adapter.path) || modelFileHash(adapter.path) !== adapter.sha256) {
    throw new UsageError(`adapter ${adapter.name}: ${adapter.path} is missing or no longer the file registered (sha256 ${adapter.sha256.slice(0, 12)})`);
  }
  let plan;
  try {
    plan = planEvaluation(store, { adapter, tasksPerTier: o.tasksPerTier, k: o.k, seed: o.seed, families: o.families });
  } catch (error) {
    if (error instanceof EvalPlanError) throw new UsageError(error.message);
    throw error;
  }
  const tiersText = [...plan.tiers].map(([f, t]) => `${f} t${t.join(',t')}`).join('; ');
  console.error(`held-out evaluation of ${adapter.name}: family seed ${plan.seed} (no synthesis run used it), ${o.tasksPerTier} tasks per tier, k=${o.k}: ${tiersText}`);
  const sandboxes = { taskQueue: o.taskQueue, maxSandboxes: o.maxSandboxes, warmSandboxes: o.warmSandboxes };
  const baseRun = await runOrReuse(store, plan.base, sandboxes, 'base');
  const tunedRun = await runOrReuse(store, plan.tuned, sandboxes, 'tuned');
  const dropped = [...store.screenings.ofRun(baseRun).values()].filter((s) => s.verdict !== 'kept');
  console.log(`held-out tasks dropped as duplicates of synthesized ones before any rollout: ${dropped.length}`);
  console.log(`base ${baseRun} vs tuned ${tunedRun} (adapter ${adapter.name}, ${adapter.sha256.slice(0, 12)})`);
  const rows = compareRuns(store, baseRun, tunedRun);
  console.log(renderComparison(rows, o.k));
  return rows;
}
