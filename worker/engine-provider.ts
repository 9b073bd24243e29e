// The inference engine a worker uses, created on first use and shared by every model activity of the worker:
// the embedded model is loaded once per worker, not once per call.
import { EmbeddedEngine } from '../inference/embedded-engine.js';
import type { InferenceEngine } from '../inference/engine.js';
import { resolveModelPath } from '../inference/model-path.js';
import { OpenAICompatibleEngine } from '../inference/openai-engine.js';
import { engineFingerprint, type EngineChoice } from './queue-names.js';

export interface EngineProvider {
  get(): Promise<InferenceEngine>;
  close(): Promise<void>;
}

/** The engine a worker serves, under the name of its model queue, with how many calls it takes at once. */
export function workerEngine(
  choice: EngineChoice & { concurrency?: number; retries?: number },
): { provider: EngineProvider; fingerprint: string; concurrency: number; prefetch: number; modelPath: string | null } {
  const resolved: EngineChoice & { retries?: number; concurrency?: number } = choice.engine === 'openai' ? choice : { ...choice, path: choice.path ?? resolveModelPath() };
  return {
    modelPath: resolved.engine === 'openai' ? null : resolved.path!,
    provider: engineProvider(resolved),
    fingerprint: engineFingerprint(resolved),
    // The embedded engine runs one step at a time; a server batches concurrent requests itself, and takes as many
    // as the config says (its batch size: with latency L per call, C in flight drive it at C/L calls a second).
    concurrency: choice.engine === 'openai' ? (choice.concurrency ?? DEFAULT_OPENAI_CONCURRENCY) : 1,
    // A server's worker takes a quarter more calls than it sends at once (they wait in the engine's slots), so a
    // slot that frees is filled at once rather than after Temporal's round trip to hand over the next task. The
    // embedded engine takes exactly one: a call waiting beside it would count its wait as model time.
    prefetch: choice.engine === 'openai' ? Math.ceil((choice.concurrency ?? DEFAULT_OPENAI_CONCURRENCY) / 4) : 0,
  };
}

/** The key for an OpenAI-compatible server comes from the environment, never from a config file. */
export const openAIApiKey = () => process.env.OPENAI_API_KEY || undefined;

export const DEFAULT_OPENAI_CONCURRENCY = 8;

export function engineProvider(choice: EngineChoice & { retries?: number; concurrency?: number }): EngineProvider {
  let loading: Promise<InferenceEngine> | null = null;
  const load = async (): Promise<InferenceEngine> =>
    choice.engine === 'openai'
      ? new OpenAICompatibleEngine({
          baseUrl: choice.baseUrl!, model: choice.model!, apiKey: openAIApiKey(), retries: choice.retries,
          maxInFlight: choice.concurrency ?? DEFAULT_OPENAI_CONCURRENCY,
        })
      : EmbeddedEngine.load(choice.path ?? resolveModelPath(), {
          ...(choice.adapter ? { adapter: { path: choice.adapter, scale: choice.adapterScale ?? 1 } } : {}),
        });
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
