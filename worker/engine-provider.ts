// The inference engine a worker uses, created on first use and shared by every model activity of the worker:
// the embedded model is loaded once per worker, not once per call.
import type { RunConfig } from '../config/run-config.js';
import { EmbeddedEngine } from '../inference/embedded-engine.js';
import type { InferenceEngine } from '../inference/engine.js';
import { resolveModelPath } from '../inference/model-path.js';
import { OpenAICompatibleEngine } from '../inference/openai-engine.js';

export type EngineChoice = Pick<RunConfig['model'], 'engine' | 'path' | 'baseUrl' | 'model'>;

export interface EngineProvider {
  get(): Promise<InferenceEngine>;
  close(): Promise<void>;
}

export function engineProvider(choice: EngineChoice): EngineProvider {
  let loading: Promise<InferenceEngine> | null = null;
  const load = async (): Promise<InferenceEngine> =>
    choice.engine === 'openai'
      ? new OpenAICompatibleEngine({ baseUrl: choice.baseUrl!, model: choice.model! })
      : EmbeddedEngine.load(choice.path ?? resolveModelPath());
  return {
    get() {
      if (!loading) {
        // A failed load is forgotten, so the activity's retry tries again instead of reusing the failure.
        loading = load().catch((error) => {
          loading = null;
          throw error;
        });
      }
      return loading;
    },
    async close() {
      const engine = loading;
      loading = null;
      if (engine) await (await engine).close();
    },
  };
}
