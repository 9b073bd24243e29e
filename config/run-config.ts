// The run configuration after validation and defaults: the shape schemas/config.schema.json describes.
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { GateSettings } from '../verification/gates.js';

/** One family of a run: its package, the tiers it may use, how many tasks, and its seed. */
export interface FamilyPlan {
  /** The environment package's name. */
  name: string;
  /** Ascending, without repeats. */
  tiers: number[];
  /** Adaptive: this many tasks in all, tiers chosen by the curriculum (calibration/curriculum.ts). */
  tasks?: number;
  /** Fixed: exactly this many tasks at every tier. */
  tasksPerTier?: number;
  seed: number;
}

export interface RunConfig {
  name: string;
  /** Every family of the run (the `family`/`tiers`/`tasksPerTier` shorthand is normalized into one). */
  families: FamilyPlan[];
  /** Folders of the user's own packages, absolute once loaded. */
  environments: string[];
  seed: number;
  /** 'evaluation': a measurement on held-out tasks, never exported or trained on (see the config schema). */
  purpose?: 'synthesis' | 'evaluation';
  episodesPerTask: number;
  maxSteps: number;
  acceptance: { minPassRate: number; maxPassRate: number; earlyStop: boolean };
  model: {
    engine: 'embedded' | 'openai';
    path?: string;
    /** A LoRA adapter (GGUF) the embedded engine applies, and its scale (default 1). */
    adapter?: string;
    adapterScale?: number;
    baseUrl?: string;
    model?: string;
    temperature: number;
    maxTokens: number;
    /** Resamples of a call identical to the previous one (see agentEpisode). */
    resampleRepeats: number;
    /** Resamples of an output that is not a valid call (see agentEpisode). */
    resampleInvalid: number;
    /** Model calls a worker keeps in flight (openai; unset: 8 for openai, 1 for embedded). */
    concurrency?: number;
    /** openai: further attempts after HTTP 429/5xx or a dropped connection. */
    retries: number;
  };
  sandbox: { memoryMb: number; pidsLimit: number; cpus: number; timeoutSeconds: number; outputLimitBytes: number; hostWaitSeconds: number };
  concurrency: { tasks: number; episodes: number };
  gates: GateSettings;
  dedup: { exact: boolean; near: boolean; nearThreshold: number };
  /** Evaluation files, absolute once loaded, each with the sha256 of its content (part of the run id). */
  decontamination: { files: Array<{ path: string; sha256: string }>; ngram: number };
}

/** How many tasks a family's plan asks for in all. */
export const plannedTasks = (family: FamilyPlan) => family.tasks ?? family.tiers.length * (family.tasksPerTier ?? 0);

/** The sandbox section in the units the sandbox layer works in. */
export const sandboxLimitsOf = (cfg: RunConfig['sandbox']): SandboxLimits => ({
  memoryMb: cfg.memoryMb,
  pidsLimit: cfg.pidsLimit,
  cpus: cfg.cpus,
  timeoutMs: cfg.timeoutSeconds * 1000,
  outputLimitBytes: cfg.outputLimitBytes,
  hostWaitMs: cfg.hostWaitSeconds * 1000,
});
