// The one interface workflows use to ask a model for its next tool call.
import type { ModelStepInput, ModelStepResult } from '../schemas/types.js';

export interface InferenceEngine {
  /** Identifies the engine and model in records, e.g. "embedded:SmolLM2-135M-Instruct.Q4_1.gguf". */
  readonly name: string;
  /**
   * One model turn: the conversation so far in, exactly one validated tool call out. `signal` aborts it (the
   * activity was cancelled or timed out); engines that cannot stop mid-call may finish it.
   */
  step(input: ModelStepInput, signal?: AbortSignal): Promise<ModelStepResult>;
  /** Optional preflight before any task starts (a server is reachable, accepts the key, serves the model). */
  check?(): Promise<void>;
  /** Releases the model and any other resources; step() must not be called afterwards. */
  close(): Promise<void>;
}

/** The model answered, but its answer is not a valid call of one of the offered tools. */
export class InvalidModelOutputError extends Error {
  override readonly name = 'InvalidModelOutputError';

  constructor(
    message: string,
    /** The model's text exactly as produced, for the record and for debugging prompts. */
    readonly raw: string,
  ) {
    super(message);
  }
}
