// The run configuration after validation and defaults: the shape schemas/config.schema.json describes.
export interface RunConfig {
  name: string;
  family: string;
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
}
