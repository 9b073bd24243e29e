// A tasksynth worker is two Temporal workers sharing one connection: one on the shared task queue (workflows,
// model calls, verification, store writes) and one on this Docker host's own queue (sandbox activities).
// Scale-out is more processes like this one, on more hosts, against the same cluster.
import { hostname } from 'node:os';
import { NativeConnection, Worker } from '@temporalio/worker';
import type Docker from 'dockerode';
import { createHostQueueActivities } from '../activities/host-queue-activities.js';
import { createModelActivities } from '../activities/model-activities.js';
import { createSandboxActivities } from '../activities/sandbox-activities.js';
import { createStoreActivities } from '../activities/store-activities.js';
import { createTaskActivities } from '../activities/task-activities.js';
import type { Store } from '../data/store.js';
import { DEFAULT_LIMITS } from '../sandboxes/profile.js';
import { SandboxManager } from '../sandboxes/sandbox.js';
import type { EngineProvider } from './engine-provider.js';
import { workflowBundleOption } from './workflow-bundle.js';

export const DEFAULT_TASK_QUEUE = 'tasksynth';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  store: Store;
  docker: Docker;
  engine: EngineProvider;
  /** Sandboxes in flight on this host at once. */
  maxSandboxActivities?: number;
}

export interface WorkerPair {
  hostQueue: string;
  /** Resolves when both workers have stopped. */
  run(): Promise<void>;
  shutdown(): void;
}

export const hostQueueName = (taskQueue: string) => `${taskQueue}/docker/${hostname()}`;

/**
 * Sandboxes older than this are leftovers of a worker that died for good. A worker that restarts sooner finds its
 * episodes' containers still there and resumes them.
 */
const STALE_SANDBOX_MS = 60 * 60_000;

export async function createWorkers(deps: WorkerDeps): Promise<WorkerPair> {
  const hostQueue = hostQueueName(deps.taskQueue);
  await new SandboxManager(deps.docker, DEFAULT_LIMITS).reap(STALE_SANDBOX_MS);
  const shared = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...workflowBundleOption(),
    activities: {
      ...createTaskActivities(),
      ...createStoreActivities(deps.store),
      ...createModelActivities(() => deps.engine.get()),
      ...createHostQueueActivities(hostQueue),
    },
  });
  const host = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: hostQueue,
    activities: createSandboxActivities(deps.docker),
    maxConcurrentActivityTaskExecutions: deps.maxSandboxActivities ?? 8,
  });
  return {
    hostQueue,
    run: async () => {
      await Promise.all([shared.run(), host.run()]);
    },
    shutdown: () => {
      for (const w of [shared, host]) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
