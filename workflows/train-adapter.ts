// A training job, durably: export the base model's accepted steps as engine tokens, train a LoRA adapter (one long
// activity that heartbeats and resumes from its newest checkpoint), convert it to GGUF, register it by name. Every
// activity runs on the training queue of the process that owns the store, where the job's folder lives.
import { proxyActivities } from '@temporalio/workflow';
import type { TrainingActivities, TrainingJobInput } from '../activities/training-activities.js';
import type { AdapterRecord } from '../data/adapter-registry.js';
import { training, trainingStep } from './activity-options.js';

export async function trainAdapter(input: TrainingJobInput): Promise<AdapterRecord> {
  const steps = proxyActivities<TrainingActivities>(trainingStep);
  const { trainAdapter: train } = proxyActivities<TrainingActivities>(training);
  const data = await steps.prepareTrainingData(input);
  const trained = await train(input, data);
  const gguf = await steps.convertAdapter(input, trained.adapterDir, trained.baseConfigDir);
  return steps.registerAdapter(input, data, { gguf, losses: trained.losses, seconds: trained.seconds });
}
