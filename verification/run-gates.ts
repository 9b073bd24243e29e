// The gates of one task on one Docker host: the reference first, then every other rollout with bounded
// concurrency, each in a sandbox holding the task's initial state. Sandboxes are reused across the task's rollouts:
// emptied (the agent's processes stopped, /work wiped and checked empty) and handed the same initial state again,
// which saves a container start and removal per rollout; one that does not come back empty is replaced by a
// fresh one. `tasksynth envs` and the calibrateTask workflow's gate activity both run this.
import { mapLimit } from '../core/map-limit.js';
import type { EnvironmentPackage } from '../environments/package.js';
import { verifierArgv } from '../environments/layout.js';
import { startTaskSandbox, taskRequest } from '../environments/task-sandbox.js';
import type { SandboxManager } from '../sandboxes/sandbox.js';
import type { TaskSpec } from '../schemas/types.js';
import { gateFailure, planGates, type GateOutcome, type GateSettings } from './gates.js';
import { guessGate } from './guess.js';
import { gateOutcomeOf, runRolloutIn, type RolloutTrace } from './rollout.js';

export interface GateReport {
  task: TaskSpec;
  traces: RolloutTrace[];
  outcomes: GateOutcome[];
  /** Why the task is rejected, or null when every gate held. */
  failure: string | null;
}

/** Sandboxes of one task, each fresh or reset to the task's initial state. */
class TaskSandboxPool {
  private readonly idle: string[] = [];
  private readonly all = new Set<string>();

  constructor(
    private readonly sandboxes: SandboxManager,
    private readonly pkg: EnvironmentPackage,
    private readonly image: string,
    private readonly task: TaskSpec,
    private readonly labels: Record<string, string>,
  ) {}

  async acquire(): Promise<string> {
    const reused = this.idle.pop();
    if (reused !== undefined) {
      if (await this.sandboxes.resetWork(reused)) {
        try {
          await startAgain(this.sandboxes, this.pkg, reused, this.task);
          return reused;
        } catch {
          // fall through to a fresh sandbox
        }
      }
      await this.discard(reused);
    }
    const id = await startTaskSandbox(this.sandboxes, this.pkg, this.image, this.task, this.labels);
    this.all.add(id);
    return id;
  }

  release(id: string): void {
    this.idle.push(id);
  }

  async discard(id: string): Promise<void> {
    this.all.delete(id);
    await this.sandboxes.remove(id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((id) => this.sandboxes.remove(id)));
    this.all.clear();
    this.idle.length = 0;
  }
}

/** The task's initial state into an emptied sandbox (setup's output is kept in the verifier's space). */
async function startAgain(sandboxes: SandboxManager, pkg: EnvironmentPackage, id: string, task: TaskSpec): Promise<void> {
  await sandboxes.setup(id, verifierArgv(pkg.name, pkg.setup), taskRequest(task));
}

export async function runGates(
  sandboxes: SandboxManager,
  pkg: EnvironmentPackage,
  image: string,
  task: TaskSpec,
  settings: GateSettings,
  opts: { concurrency: number; labels: Record<string, string>; onRollout?: (done: number, total: number) => void },
): Promise<GateReport> {
  const plans = planGates(task, settings);
  const pool = new TaskSandboxPool(sandboxes, pkg, image, task, opts.labels);
  let done = 0;
  const rollout = async (plan: (typeof plans)[number]) => {
    const id = await pool.acquire();
    try {
      const trace = await runRolloutIn(sandboxes, pkg, id, task, plan);
      pool.release(id);
      opts.onRollout?.(++done, plans.length);
      return trace;
    } catch (error) {
      await pool.discard(id).catch(() => undefined);
      throw error;
    }
  };
  try {
    const reference = await rollout(plans[0]);
    const traces = [reference];
    if (reference.verdict.passed) traces.push(...(await mapLimit(plans.slice(1), opts.concurrency, rollout)));
    const outcomes = traces.map(gateOutcomeOf);
    if (reference.verdict.passed) {
      const guess = guessGate(task, reference.outcome.state);
      if (guess) outcomes.push(guess);
    }
    return { task, traces, outcomes, failure: gateFailure(outcomes) };
  } finally {
    await pool.close();
  }
}
