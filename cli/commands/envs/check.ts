// `tasksynth envs check [NAME...] --tasks N`: runs the gates over N generated tasks per tier of each package and
// prints a table per package and tier, with the exact and near duplicates screening finds among the package's
// tasks (as a run would drop them, against an in-memory store). Exits 1 when a reference solution fails, or a
// package×tier has more than 5% of its tasks rejected by a gate or exact duplicates: a built-in package must not
// produce gameable tasks, nor draw from a space so small that it repeats itself.
import Table from 'cli-table3';
import type { CommandModule } from 'yargs';
import { mapLimit } from '../../../core/map-limit.js';
import { generateTasks } from '../../../environments/generate.js';
import type { GateOutcome } from '../../../verification/gates.js';
import { DEFAULT_GATE_SETTINGS } from '../../../verification/gates.js';
import { runGates, type GateReport } from '../../../verification/run-gates.js';
import { envDirOption, environmentHost } from '../../environment-host.js';
import { Store } from '../../../data/store.js';
import { taskFingerprint } from '../../../environments/task-fingerprint.js';
import type { TaskSpec } from '../../../schemas/types.js';

interface CheckArgs {
  names?: string[];
  tasks: number;
  seed: number;
  random: number;
  concurrency: number;
  near: number;
  'env-dir'?: string[];
}

/** Most share of a package×tier's tasks a gate may reject. */
const MAX_REJECTED = 0.05;
const style = process.stdout.isTTY ? {} : { head: [], border: [] };

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(0)}%`);

/** Of the tasks where gate kind `gate` ran, the share where every rollout of that kind failed as it must. */
function heldShare(reports: GateReport[], gate: GateOutcome['gate']): string {
  const ran = reports.filter((r) => r.outcomes.some((o) => o.gate === gate));
  const held = ran.filter((r) => r.outcomes.filter((o) => o.gate === gate).every((o) => !o.passed));
  return pct(held.length, ran.length);
}

export const envsCheckCommand: CommandModule<object, CheckArgs> = {
  command: 'check [names..]',
  describe: 'Run the gates over N tasks per tier of each package (default: all) and print a table',
  builder: (y) =>
    y
      .positional('names', { type: 'string', array: true })
      .option('tasks', { type: 'number', default: 20, describe: 'tasks per tier' })
      .option('seed', { type: 'number', default: 1 })
      .option('random', { type: 'number', default: DEFAULT_GATE_SETTINGS.randomRollouts, describe: 'random-policy rollouts per task' })
      .option('concurrency', { type: 'number', default: 4, describe: 'rollouts in flight at once' })
      .option('near', { type: 'number', default: 0.9, describe: 'Jaccard from which two tasks are near-duplicates' })
      .option('env-dir', envDirOption) as never,
  handler: async (args) => {
    const host = await environmentHost(args['env-dir'] ?? []);
    const named = args.names && args.names.length > 0;
    // Vetting all packages refuses a broken one outright; naming packages vets just those.
    if (!named && host.catalog.broken.size > 0) throw [...host.catalog.broken.values()][0];
    const packages = named ? args.names!.map((n) => host.catalog.get(n)) : host.catalog.all();
    const settings = { ...DEFAULT_GATE_SETTINGS, randomRollouts: args.random };
    const table = new Table({
      head: ['package', 'tier', 'generated', 'exact dup', 'near dup', 'reference pass', 'ablation fail', 'null fail', 'random fail', 'mutant fail', 'guess <= 1%', 'rejected', 'first reason'],
      style,
    });
    let failed = false;
    const started = Date.now();
    // Screening as a run does it, in a store of its own that lives as long as the check.
    const store = Store.open(':memory:');
    store.upsertRun({ id: 'check', name: 'check', config: null });
    const screen = async (pkg: (typeof packages)[number], image: string, task: TaskSpec) => {
      const fingerprint = await taskFingerprint(host.sandboxes, pkg, image, task, host.labels);
      store.upsertTask('check', task);
      return store.screenings.screen({
        runId: 'check', taskId: task.id, family: task.family, fingerprint, contamination: null, exact: true, nearThreshold: args.near,
      }).verdict;
    };
    try {
      for (const pkg of packages) {
        const image = await host.image(pkg);
        for (const { tier } of pkg.tiers) {
          const id = await host.sandboxes.create(image, host.labels);
          const tasks = await generateTasks(host.sandboxes, id, pkg, { scope: 'check', seed: args.seed, tier, count: args.tasks, offset: 0 }).finally(
            () => host.sandboxes.remove(id),
          );
          // Two tasks at once, each with its rollouts spread over half the concurrency: Docker latency, not CPU,
          // bounds a rollout, so overlapping tasks keeps the engine busy.
          let done = 0;
          const perTask = Math.max(1, Math.floor(args.concurrency / 2));
          const verdicts: string[] = [];
          const reports: GateReport[] = await mapLimit(tasks, 2, async (task) => {
            verdicts.push(await screen(pkg, image, task));
            const report = await runGates(host.sandboxes, pkg, image, task, settings, { concurrency: perTask, labels: host.labels });
            process.stderr.write(`\r${pkg.name} tier ${tier}: ${++done}/${tasks.length} tasks`);
            return report;
          });
          const exact = verdicts.filter((v) => v === 'exact-duplicate').length;
          const near = verdicts.filter((v) => v === 'near-duplicate').length;
          process.stderr.write('\n');
          const referencePassed = reports.filter((r) => r.outcomes.some((o) => o.mustPass && o.passed)).length;
          const rejected = reports.filter((r) => r.failure !== null);
          if (referencePassed < reports.length || rejected.length > MAX_REJECTED * reports.length || exact > MAX_REJECTED * reports.length) failed = true;
          table.push([
            pkg.name, tier, tasks.length, exact, near, pct(referencePassed, reports.length), heldShare(reports, 'ablation'), heldShare(reports, 'null'),
            heldShare(reports, 'random'), heldShare(reports, 'mutant'), heldShare(reports, 'guess'),
            `${rejected.length} (${pct(rejected.length, reports.length)})`, (rejected[0]?.failure ?? '').slice(0, 60),
          ]);
        }
      }
    } finally {
      store.close();
      await host.cleanup();
    }
    console.log(table.toString());
    console.log(`checked in ${((Date.now() - started) / 1000).toFixed(1)} s; seed ${args.seed}, ${args.random} random rollouts per task`);
    if (failed) {
      console.error(`envs check: a reference solution failed, or more than ${MAX_REJECTED * 100}% of a tier's tasks were rejected or exact duplicates`);
      process.exitCode = 1;
    }
  },
};
