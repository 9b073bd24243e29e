// The run configuration after validation and defaults: the shape schemas/config.schema.json describes.
import type { SandboxLimits } from '../sandboxes/profile.js';
import type { GateSettings } from '../verification/gates.js';

export interface RunConfig {
  name: string;
  /** The environment package's name. */
  family: string;
  /** Folders of the user's own packages, absolute once loaded. */
  environments: string[];
  seed: number;
  tiers: number[];
  tasksPerTier: number;
  episodesPerTask: number;
  maxSteps: number;
  acceptance: { minPassRate: number; maxPassRate: number };
  model: {
    engine: 'embedded' | 'openai';
    path?: string;
    baseUrl?: string;
    model?: string;
    temperature: number;
    maxTokens: number;
  };
  sandbox: { memoryMb: number; pidsLimit: number; cpus: number; timeoutSeconds: number; outputLimitBytes: number };
  concurrency: { tasks: number; episodes: number };
  gates: GateSettings;
}

/** The sandbox section in the units the sandbox layer works in. */
export const sandboxLimitsOf = (cfg: RunConfig['sandbox']): SandboxLimits => ({
  memoryMb: cfg.memoryMb,
  pidsLimit: cfg.pidsLimit,
  cpus: cfg.cpus,
  timeoutMs: cfg.timeoutSeconds * 1000,
  outputLimitBytes: cfg.outputLimitBytes,
});
