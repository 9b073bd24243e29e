// A load on a model queue: model calls one after another, as an episode makes them (each waits for the one
// before), with nothing else between them. Many of these at once show how close the worker's model path comes to
// what the engine behind it could serve (bench/openai-throughput.ts starts them); no synthesis run uses it.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ModelActivities } from '../activities/model-activities.js';
import type { ModelStepInput } from '../schemas/types.js';
import { modelCall } from './activity-options.js';

export interface ModelLoadInput {
  modelQueue: string;
  steps: ModelStepInput[];
}

/** Runs the steps in order; returns each one's model time as the engine reported it. */
export async function modelLoad(input: ModelLoadInput): Promise<number[]> {
  const { modelStep } = proxyActivities<ModelActivities>({ ...modelCall, taskQueue: input.modelQueue });
  const durations: number[] = [];
  for (const [i, step] of input.steps.entries()) {
    const out = await modelStep(step);
    if (!out.ok) throw ApplicationFailure.nonRetryable(`step ${i}: invalid model output: ${out.error}`);
    durations.push(out.step.durationMs);
  }
  return durations;
}
