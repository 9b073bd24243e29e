// One model call per activity: a worker crash after a finished call never repeats it, since its result is
// recorded in the workflow history.
import { heartbeat } from '@temporalio/activity';
import { InvalidModelOutputError, type InferenceEngine } from '../inference/engine.js';
import type { ModelStepInput, ModelStepResult } from '../schemas/types.js';

/** An invalid model output is a result, not a failure: the episode ends and the reason is stored with it. */
export type ModelStepOutcome = { ok: true; step: ModelStepResult } | { ok: false; error: string; raw: string };

export function createModelActivities(engine: () => Promise<InferenceEngine>) {
  return {
    async modelStep(input: ModelStepInput): Promise<ModelStepOutcome> {
      heartbeat();
      const loaded = await engine();
      try {
        return { ok: true, step: await loaded.step(input) };
      } catch (error) {
        if (error instanceof InvalidModelOutputError) return { ok: false, error: error.message, raw: error.raw };
        throw error;
      }
    },
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
