// One scripted or random rollout of a gate, start to end on one Docker host: a sandbox with the task's
// initial state, the calls (until submit), the probe, the verdict. No model is involved, so a rollout is one
// activity: repeating it after a crash costs a second or two and changes nothing.
import { startTaskSandbox, probeTaskState, runToolCall } from '../environments/task-sandbox.js';
import type { EnvironmentPackage } from '../environments/package.js';
import type { SandboxManager } from '../sandboxes/sandbox.js';
import { SUBMIT_TOOL, type Outcome, type TaskSpec, type ToolCall, type ToolResult, type Verdict } from '../schemas/types.js';
import type { GateOutcome, RolloutPlan } from './gates.js';
import { RandomPolicy } from './random-policy.js';
import { verifyOutcome } from './verify.js';

export interface RolloutTrace {
  plan: RolloutPlan;
  steps: Array<{ call: ToolCall; result: ToolResult | null }>;
  outcome: Outcome;
  /** Set when the probe could not read the state; the rollout then counts as not passing. */
  probeError: string | null;
  verdict: Verdict;
}

/** A rollout in a fresh sandbox, removed afterwards. */
export async function runRollout(
  sandboxes: SandboxManager,
  pkg: EnvironmentPackage,
  image: string,
  task: TaskSpec,
  plan: RolloutPlan,
  labels: Record<string, string>,
): Promise<RolloutTrace> {
  const id = await startTaskSandbox(sandboxes, pkg, image, task, labels);
  try {
    return await runRolloutIn(sandboxes, pkg, id, task, plan);
  } finally {
    await sandboxes.remove(id);
  }
}

/** A rollout in sandbox `id`, which holds the task's initial state and nothing else. */
export async function runRolloutIn(sandboxes: SandboxManager, pkg: EnvironmentPackage, id: string, task: TaskSpec, plan: RolloutPlan): Promise<RolloutTrace> {
  const steps: RolloutTrace['steps'] = [];
  let submitted: Record<string, unknown> | null = null;
  const random = plan.random ? new RandomPolicy(task.id, plan.random.index, task.tools) : null;
  const total = plan.calls?.length ?? plan.random?.steps ?? 0;
  for (let i = 0; i < total; i++) {
    const call = random ? random.next() : plan.calls![i];
    if (call.name === SUBMIT_TOOL) {
      submitted = call.arguments;
      steps.push({ call, result: null });
      break;
    }
    const result = await runToolCall(sandboxes, pkg, id, task, call);
    random?.observe(result.output);
    steps.push({ call, result });
  }
  if (random && submitted === null) {
    // Out of steps: a random submission, so the rollout is judged on its state and an answer, not failed by default.
    const call = random.submit();
    submitted = call.arguments;
    steps.push({ call, result: null });
  }
  const reading = await probeTaskState(sandboxes, pkg, id, task);
  const outcome: Outcome = { submitted, state: reading.ok ? reading.state : null };
  const verdict: Verdict = reading.ok ? verifyOutcome(task.outcomeSchema, outcome) : { passed: false, errors: [reading.error] };
  return { plan, steps, outcome, probeError: reading.ok ? null : reading.error, verdict };
}

/** The trace as a gate outcome: small enough for a workflow payload. */
export function gateOutcomeOf(trace: RolloutTrace): GateOutcome {
  return {
    gate: trace.plan.gate,
    name: trace.plan.name,
    mustPass: trace.plan.mustPass,
    passed: trace.verdict.passed,
    detail: trace.verdict.passed ? 'passed' : trace.verdict.errors.join('; ').slice(0, 1000),
    steps: trace.steps.length,
  };
}
