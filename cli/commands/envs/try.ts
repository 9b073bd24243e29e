// `tasksynth envs try NAME --tier T --seed S`: builds the package, generates one task, runs its reference and
// every gate, and prints the trace: each rollout's calls and results, what the probe read, the verdicts.
import type { CommandModule } from 'yargs';
import { generateTasks } from '../../../environments/generate.js';
import { DEFAULT_GATE_SETTINGS } from '../../../verification/gates.js';
import { runGates } from '../../../verification/run-gates.js';
import { envDirOption, environmentHost } from '../../environment-host.js';

interface TryArgs {
  name: string;
  tier: number;
  seed: number;
  index: number;
  random: number;
  'env-dir'?: string[];
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text);
const indent = (text: string, pad: string) => text.replace(/\n/g, `\n${pad}`);

export const envsTryCommand: CommandModule<object, TryArgs> = {
  command: 'try <name>',
  describe: 'Generate one task of a package and run its reference and gates, printing the trace',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .option('tier', { type: 'number', default: 0 })
      .option('seed', { type: 'number', default: 1 })
      .option('index', { type: 'number', default: 0, describe: 'which task of the tier and seed' })
      .option('random', { type: 'number', default: DEFAULT_GATE_SETTINGS.randomRollouts, describe: 'random-policy rollouts' })
      .option('env-dir', envDirOption) as never,
  handler: async (args) => {
    const host = await environmentHost(args['env-dir'] ?? []);
    const pkg = host.catalog.get(args.name);
    try {
      const image = await host.image(pkg);
      const id = await host.sandboxes.create(image, host.labels);
      const [task] = await generateTasks(host.sandboxes, id, pkg, { scope: 'try', seed: args.seed, tier: args.tier, count: 1, offset: args.index }).finally(
        () => host.sandboxes.remove(id),
      );
      console.log(`task ${task.id} (image ${image})\nprompt: ${task.prompt}\ntools: ${task.tools.map((t) => t.name).join(', ')}\n`);
      const settings = { ...DEFAULT_GATE_SETTINGS, randomRollouts: args.random };
      const report = await runGates(host.sandboxes, pkg, image, task, settings, { concurrency: 4, labels: host.labels });
      for (const trace of report.traces) {
        const expect = trace.plan.mustPass ? 'must pass' : 'must fail';
        console.log(`== ${trace.plan.name} (${expect}): ${trace.verdict.passed ? 'PASSED' : 'failed'}`);
        for (const step of trace.steps) {
          console.log(`   > ${step.call.name} ${JSON.stringify(step.call.arguments)}`);
          if (step.result) console.log(`     ${indent(clip(`[exit ${step.result.exitCode}] ${step.result.output.trim()}`), '     ')}`);
        }
        console.log(`   probe: ${trace.probeError ?? clip(JSON.stringify(trace.outcome.state), 400)}`);
        if (!trace.verdict.passed) console.log(`   verdict: ${clip(trace.verdict.errors.join('; '), 400)}`);
      }
      const guess = report.outcomes.find((o) => o.gate === 'guess');
      if (guess) console.log(`== ${guess.name}: ${guess.detail}`);
      console.log(report.failure ? `\nREJECTED: ${report.failure}` : '\nevery gate held: the task is sound');
      if (report.failure) process.exitCode = 1;
    } finally {
      await host.cleanup();
    }
  },
};
