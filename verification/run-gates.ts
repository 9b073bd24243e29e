// The gates of one task run directly against a Docker host, without Temporal: what `tasksynth envs try` and
// `envs check` use to vet a package. The plan and the judgment are the ones calibrateTask uses.
import { mapLimit } from '../core/map-limit.js';
import type { EnvironmentPackage } from '../environments/package.js';
import type { SandboxManager } from '../sandboxes/sandbox.js';
import type { TaskSpec } from '../schemas/types.js';
import { gateFailure, planGates, type GateOutcome, type GateSettings } from './gates.js';
import { guessGate } from './guess.js';
import { gateOutcomeOf, runRollout, type RolloutTrace } from './rollout.js';

export interface GateReport {
  task: TaskSpec;
  traces: RolloutTrace[];
  outcomes: GateOutcome[];
  /** Why the task is rejected, or null when every gate held. */
  failure: string | null;
}

export async function runGates(
  sandboxes: SandboxManager,
  pkg: EnvironmentPackage,
  image: string,
  task: TaskSpec,
  settings: GateSettings,
  opts: { concurrency: number; labels: Record<string, string> },
): Promise<GateReport> {
  const plans = planGates(task, settings);
  const reference = await runRollout(sandboxes, pkg, image, task, plans[0], opts.labels);
  const traces = [reference];
  if (reference.verdict.passed) {
    traces.push(...(await mapLimit(plans.slice(1), opts.concurrency, (plan) => runRollout(sandboxes, pkg, image, task, plan, opts.labels))));
  }
  const outcomes = traces.map(gateOutcomeOf);
  if (reference.verdict.passed) {
    const guess = guessGate(task, reference.outcome.state);
    if (guess) outcomes.push(guess);
  }
  return { task, traces, outcomes, failure: gateFailure(outcomes) };
}
