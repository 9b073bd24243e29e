// The held-out evaluation of a trained adapter: tasks generated from a family seed no synthesis run used, over the
// families and tiers the adapter was trained on, with the settings of the runs it was trained from (sampling,
// steps, sandbox), measured k times each by the base model and by the base model with the adapter. The two runs
// are evaluation runs (config `purpose: evaluation`): every task that passes its gates is measured, whatever any
// model scores on it; each task is checked for exact and near duplicates against every synthesized task (the
// trained ones among them) before any rollout; none of their trajectories is ever exported or trained on.
import type { RunConfig } from '../config/run-config.js';
import { validateConfig } from '../config/load-config.js';
import type { AdapterRecord } from '../data/adapter-registry.js';
import type { Store } from '../data/store.js';

export interface EvalRequest {
  adapter: AdapterRecord;
  tasksPerTier: number;
  k: number;
  /** The family seed of the held-out tasks; default: the first one from 1000 that no synthesis run used. */
  seed?: number;
  /** Restrict to these of the trained families. */
  families?: string[];
}

export interface EvalPlan {
  base: RunConfig;
  tuned: RunConfig;
  seed: number;
  /** Trained tiers per family. */
  tiers: Map<string, number[]>;
}

export class EvalPlanError extends Error {}

/** What the adapter was trained on, by family: its tiers. */
export function trainedTiers(store: Store, adapter: AdapterRecord): Map<string, number[]> {
  const tiers = new Map<string, Set<number>>();
  for (const id of adapter.data.taskIds) {
    const place = store.taskPlace(id);
    if (!place) continue;
    if (!tiers.has(place.family)) tiers.set(place.family, new Set());
    tiers.get(place.family)!.add(place.tier);
  }
  return new Map([...tiers].map(([f, t]) => [f, [...t].sort((a, b) => a - b)]));
}

export function planEvaluation(store: Store, req: EvalRequest): EvalPlan {
  const { adapter } = req;
  const templateRun = adapter.data.runs.map((id) => store.getRun(id)).find((r) => r !== undefined);
  if (!templateRun) throw new EvalPlanError(`adapter ${adapter.name}: none of its training runs (${adapter.data.runs.join(', ')}) is in the store`);
  const template = templateRun.config as RunConfig;
  let tiers = trainedTiers(store, adapter);
  if (req.families) {
    const unknown = req.families.filter((f) => !tiers.has(f));
    if (unknown.length > 0) throw new EvalPlanError(`--families ${unknown.join(', ')}: adapter ${adapter.name} was not trained on ${unknown.length > 1 ? 'them' : 'it'} (trained: ${[...tiers.keys()].join(', ')})`);
    tiers = new Map([...tiers].filter(([f]) => req.families!.includes(f)));
  }
  if (tiers.size === 0) throw new EvalPlanError(`adapter ${adapter.name}: its trained tasks are not in the store`);

  const used = new Set([...tiers.keys()].flatMap((f) => store.synthesisSeeds(f)));
  let seed = req.seed ?? 1000;
  if (req.seed !== undefined && used.has(req.seed)) {
    throw new EvalPlanError(`--seed ${req.seed}: a synthesis run generated tasks from it, so they are not held out`);
  }
  while (used.has(seed)) seed++;

  const base = {
    // One name for every evaluation of this plan: the base model's run id repeats, and a finished one is reused.
    name: 'held-out',
    purpose: 'evaluation',
    seed: template.seed,
    environments: template.environments,
    families: [...tiers].map(([name, t]) => ({ name, tiers: t, tasksPerTier: req.tasksPerTier, seed })),
    episodesPerTask: req.k,
    maxSteps: template.maxSteps,
    acceptance: { minPassRate: 0, maxPassRate: 1, earlyStop: false },
    model: {
      engine: 'embedded',
      path: adapter.basePath,
      temperature: template.model.temperature,
      maxTokens: template.model.maxTokens,
      resampleRepeats: template.model.resampleRepeats,
      resampleInvalid: template.model.resampleInvalid,
    },
    sandbox: template.sandbox,
    concurrency: template.concurrency,
    gates: template.gates,
    dedup: { exact: true, near: true, nearThreshold: template.dedup.nearThreshold },
  };
  const tuned = { ...base, model: { ...base.model, adapter: adapter.path } };
  return {
    base: validateConfig(base, 'the evaluation plan'),
    tuned: validateConfig(tuned, 'the evaluation plan'),
    seed,
    tiers,
  };
}
