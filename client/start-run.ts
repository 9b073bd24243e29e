// Starts a synthesis run (or attaches to the one already running under the same id) and watches its progress.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { sandboxLimitsOf, type RunConfig } from '../config/run-config.js';
import type { EnvironmentRef } from '../schemas/types.js';
import { modelQueueName, storeQueueName } from '../worker/queue-names.js';
import { progressQuery, type RunProgress } from '../workflows/messages.js';
import type { synthesisRun, SynthesisRunResult } from '../workflows/synthesis-run.js';
import { runWorkflowId } from './run-id.js';

export async function startSynthesisRun(
  client: Client,
  opts: { runId: string; config: RunConfig; environments: EnvironmentRef[]; taskQueue: string; engineFingerprint: string; storeId: string },
): Promise<WorkflowHandle<typeof synthesisRun>> {
  const queues = { model: modelQueueName(opts.taskQueue, opts.engineFingerprint), store: storeQueueName(opts.taskQueue, opts.storeId) };
  return client.workflow.start<typeof synthesisRun>('synthesisRun', {
    taskQueue: opts.taskQueue,
    workflowId: runWorkflowId(opts.runId),
    args: [{
      runId: opts.runId, config: opts.config, environments: opts.environments, limits: sandboxLimitsOf(opts.config.sandbox), queues,
      model: opts.engineFingerprint,
    }],
    // A crashed command that is run again resumes the same workflow instead of starting a second one.
    workflowIdConflictPolicy: 'USE_EXISTING',
    // A run that completed is never computed again (its id is taken); one that failed or was cancelled may be.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  });
}

/** Waits for the run's result, reporting progress every `intervalMs` while it is in flight. */
export async function watchRun(
  handle: WorkflowHandle<typeof synthesisRun>,
  onProgress: (p: RunProgress) => void,
  intervalMs = 1000,
): Promise<SynthesisRunResult> {
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  const poll = async () => {
    while (!finished) {
      await handle
        .query(progressQuery)
        .then(onProgress)
        .catch(() => undefined); // a query can miss while the workflow continues as new; the next one lands
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
    }
  };
  // Settle both before returning or throwing: a query still in flight (or in its client's retry backoff) must not
  // outlive the call, or it reaches a connection its caller has since closed.
  const [outcome] = await Promise.allSettled([result, poll()]);
  if (outcome.status === 'rejected') throw outcome.reason;
  onProgress(outcome.value.progress);
  return outcome.value;
}
