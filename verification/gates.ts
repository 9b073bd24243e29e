// The gates a task passes before any model rollout, as a plan of scripted rollouts and a judgment over their
// outcomes. Pure and deterministic, so workflows use it as they are (no I/O, no clock, no randomness of its own).
//   reference  the reference solution passes;
//   ablation   the reference with one state-changing step dropped fails (one rollout per such step);
//   null       submitting at once, with empty answers, fails;
//   random     N seeded rollouts of schema-valid random calls of the task's tools fail;
//   mutant     the package's variants of the reference that break a stated requirement fail;
//   guess      for answer tasks, at most 1% of the visible candidate answers pass.
import { SUBMIT_TOOL, type TaskSpec, type ToolCall } from '../schemas/types.js';

export type GateKind = 'reference' | 'ablation' | 'null' | 'random' | 'mutant' | 'guess';

/** Highest chance a guess among the visible candidates may have of passing. */
export const MAX_GUESS_CHANCE = 0.01;

export interface GateSettings {
  /** Random-policy rollouts per task. */
  randomRollouts: number;
  /** Tool calls per random rollout at most (it ends earlier when it submits). */
  randomSteps: number;
}

export const DEFAULT_GATE_SETTINGS: GateSettings = { randomRollouts: 4, randomSteps: 6 };

export interface RolloutPlan {
  gate: Exclude<GateKind, 'guess'>;
  /** Unique within the task, e.g. "ablation: drop step 1 (write_file)". */
  name: string;
  /** Scripted calls; absent for a random rollout, which draws its calls as it goes. */
  calls?: ToolCall[];
  random?: { index: number; steps: number };
  /** Whether the rollout must pass (only the reference must). */
  mustPass: boolean;
}

export interface GateOutcome {
  gate: GateKind;
  name: string;
  mustPass: boolean;
  /** Whether the verifier accepted the rollout's outcome (for guess: the chance was above the bound). */
  passed: boolean;
  /** Verdict errors, a probe failure, or the guess figures. */
  detail: string;
  steps: number;
}

/** The null policy's submission: empty strings, zeros, false or empty lists for whatever submit requires. */
export function nullArguments(task: TaskSpec): Record<string, unknown> {
  const submit = task.tools.find((t) => t.name === SUBMIT_TOOL);
  const required = (submit?.parameters.required as string[] | undefined) ?? [];
  const props = (submit?.parameters.properties ?? {}) as Record<string, { type?: unknown }>;
  const empty = (type: unknown): unknown => {
    switch (Array.isArray(type) ? type[0] : type) {
      case 'integer':
      case 'number':
        return 0;
      case 'boolean':
        return false;
      case 'array':
        return [];
      case 'object':
        return {};
      default:
        return '';
    }
  };
  return Object.fromEntries(required.map((name) => [name, empty(props[name]?.type)]));
}

/** The rollouts that gate a task, the reference first. */
export function planGates(task: TaskSpec, settings: GateSettings): RolloutPlan[] {
  const plans: RolloutPlan[] = [{ gate: 'reference', name: 'reference', calls: task.reference, mustPass: true }];
  task.reference.forEach((call, i) => {
    if (!task.mutatingTools.includes(call.name)) return;
    plans.push({
      gate: 'ablation',
      name: `reference without step ${i} (${call.name})`,
      calls: task.reference.filter((_, j) => j !== i),
      mustPass: false,
    });
  });
  plans.push({ gate: 'null', name: 'null', calls: [{ name: SUBMIT_TOOL, arguments: nullArguments(task) }], mustPass: false });
  for (let n = 0; n < settings.randomRollouts; n++) {
    plans.push({ gate: 'random', name: `random ${n}`, random: { index: n, steps: settings.randomSteps }, mustPass: false });
  }
  task.mutants.forEach((m) => plans.push({ gate: 'mutant', name: `mutant: ${m.name}`, calls: m.calls, mustPass: false }));
  return plans;
}

/** A failed gate, or null when every gate held. The reason names the gate and what happened. */
export function gateFailure(outcomes: GateOutcome[]): string | null {
  for (const o of outcomes) {
    if (o.mustPass && !o.passed) return `reference solution fails: ${o.detail}`;
  }
  for (const o of outcomes) {
    if (o.mustPass || !o.passed) continue;
    switch (o.gate) {
      case 'ablation':
        return `gameable: the ${o.name} still passes, so the verifier does not check that step`;
      case 'null':
        return 'gameable: the null policy passes (submitting without acting solves the task)';
      case 'random':
        return `gameable: the random policy passes (${o.name})`;
      case 'mutant':
        return `gameable: ${o.name} passes though it breaks a requirement`;
      case 'guess':
        return `gameable: a guess passes too often (${o.detail})`;
      default:
        return `gameable: ${o.name} passes`;
    }
  }
  return null;
}
