// One model call per activity: a worker crash after a finished call never repeats it, since its result is
// recorded in the workflow history.
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { InvalidModelOutputError, type InferenceEngine } from '../inference/engine.js';
import type { ModelStepInput, ModelStepResult } from '../schemas/types.js';

/** An invalid model output is a result, not a failure: the episode ends and the reason is stored with it. */
export type ModelStepOutcome = { ok: true; step: ModelStepResult } | { ok: false; error: string; raw: string };

const HEARTBEAT_MS = 2_000;

export function createModelActivities(engine: () => Promise<InferenceEngine>) {
  return {
    async modelStep(input: ModelStepInput): Promise<ModelStepOutcome> {
      // Heartbeats tell Temporal this worker is alive; when it dies mid-call, the call is retried on another
      // worker after the heartbeat timeout instead of after the whole start-to-close timeout.
      heartbeat();
      const beat = setInterval(() => heartbeat(), HEARTBEAT_MS);
      try {
        const loaded = await engine();
        // Cancellation (the activity timed out or its workflow went away) reaches the call: no orphan keeps
        // retrying against a server while Temporal runs the step elsewhere.
        return { ok: true, step: await loaded.step(input, cancellationSignal()) };
      } catch (error) {
        if (error instanceof InvalidModelOutputError) return { ok: false, error: error.message, raw: error.raw };
        throw error;
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type ModelActivities = ReturnType<typeof createModelActivities>;
