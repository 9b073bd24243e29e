// Which runs a model may be trained on: finished synthesis runs it made itself. Another model's tokens would teach
// it another model's outputs; an evaluation run's tasks are held out; a run still going has only part of its data.
import type { Store } from '../data/store.js';

/** Why `runId` cannot be training data for `model`, or null when it can. */
export function unfitForTraining(store: Store, runId: string, model: string): string | null {
  const run = store.getRun(runId);
  if (!run) return `no run ${runId} in the store`;
  if ((run.config as { purpose?: string } | null)?.purpose === 'evaluation') return `run ${runId} is an evaluation run: its tasks are held out, never trained on`;
  if (run.model !== model) return `run ${runId} was made by ${run.model ?? 'an unrecorded model'}, not the base model ${model}: its tokens would teach another model's outputs`;
  if (run.status !== 'completed') return `run ${runId} is ${run.status}, not completed: train on finished runs`;
  return null;
}
