// Starting (or joining) a training job and following it: the job's id names what is trained (adapter name, base
// model, runs, hyperparameters), so the same command run again joins the job in flight, or returns the adapter a
// finished one registered.
import { createHash } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TrainingHeartbeat, TrainingJobInput } from '../activities/training-activities.js';
import type { AdapterRecord } from '../data/adapter-registry.js';
import { trainingQueueName } from '../worker/queue-names.js';
import type { trainAdapter } from '../workflows/train-adapter.js';

export const trainingWorkflowId = (jobId: string) => `train/${jobId}`;

/** The job id: the adapter's name and a hash of everything that decides its weights. */
export function trainingJobId(input: Omit<TrainingJobInput, 'jobId'>, baseSha256: string): string {
  const what = JSON.stringify({ base: baseSha256, runs: [...input.runs].sort(), hyper: input.hyperparameters });
  return `${input.name}-${createHash('sha256').update(what).digest('hex').slice(0, 10)}`;
}

export async function startTraining(
  client: Client,
  input: TrainingJobInput,
  opts: { taskQueue: string; storeId: string },
): Promise<WorkflowHandle<typeof trainAdapter>> {
  return client.workflow.start<typeof trainAdapter>('trainAdapter', {
    workflowId: trainingWorkflowId(input.jobId),
    taskQueue: trainingQueueName(opts.taskQueue, opts.storeId),
    args: [input],
    // The same job started again joins the one in flight; a failed one may be started over (it resumes from its
    // checkpoints), a finished one is not trained twice.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  });
}

/** The training activity's last heartbeat, when it is running. */
export async function trainingProgress(handle: WorkflowHandle): Promise<TrainingHeartbeat | undefined> {
  const description = await handle.describe();
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (activity.activityType?.name === 'trainAdapter' && payload) {
      return defaultPayloadConverter.fromPayload<TrainingHeartbeat>(payload);
    }
  }
  return undefined;
}

/** Waits for the job's adapter, calling `onProgress` with each new step the trainer reports. */
export async function watchTraining(
  handle: WorkflowHandle<typeof trainAdapter>,
  onProgress: (p: TrainingHeartbeat) => void,
  intervalMs = 5000,
): Promise<AdapterRecord> {
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  let lastStep = -1;
  const poll = async () => {
    while (!finished) {
      const p = await trainingProgress(handle).catch(() => undefined);
      if (p && p.step !== lastStep) {
        lastStep = p.step;
        onProgress(p);
      }
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
    }
  };
  const [outcome] = await Promise.allSettled([result, poll()]);
  if (outcome.status === 'rejected') throw outcome.reason;
  return outcome.value;
}
