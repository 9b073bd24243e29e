// A tasksynth worker process runs up to four Temporal workers over one connection, one per kind of work:
// - the run's task queue: workflows, verification, and the Docker work any host can do (image builds, task
//   generation, gate rollouts);
// - this Docker host's queue: sandbox activities (a container lives on one host);
// - the model's queue: model calls, served only by processes that loaded that model;
// - the store queue: SQLite writes, served only by the process that owns the database.
// Scale-out is more processes like this one, on more hosts, against the same cluster.
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type Docker from 'dockerode';
import { createEnvironmentActivities } from '../activities/environment-activities.js';
import { createHostQueueActivities } from '../activities/host-queue-activities.js';
import { createModelActivities } from '../activities/model-activities.js';
import { createStoreActivities } from '../activities/store-activities.js';
import { createTaskActivities } from '../activities/task-activities.js';
import type { Store } from '../data/store.js';
import type { EnvironmentCatalog } from '../environments/catalog.js';
import type { EngineProvider } from './engine-provider.js';
import { LABEL_TEMPORAL } from '../sandboxes/profile.js';
import type { WarmPool } from '../sandboxes/warm-pool.js';
import { createHostSandboxes } from './host-sandboxes.js';
import { createTrainingWorker } from './training-worker.js';
import { hostQueueName, modelQueueName, storeQueueName } from './queue-names.js';
import { workflowBundleOption } from './workflow-bundle.js';

export const DEFAULT_TASK_QUEUE = 'tasksynth';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  docker: Docker;
  /** The environment packages this worker can run (built-in ones and the user's folders). */
  catalog: EnvironmentCatalog;
  /** Serve model calls for this engine. */
  engine?: { provider: EngineProvider; fingerprint: string; concurrency: number; prefetch?: number };
  /** Serve store writes into this database. */
  store?: Store;
  /** Sandboxes in flight on this host at once. */
  maxSandboxActivities?: number;
  /** Live episode sandboxes this Docker host holds at most; episodes wait for a slot (default 16). */
  maxLiveSandboxes?: number;
  /** Sandboxes kept warm for the next episodes of a task (default 2; 0: every sandbox starts cold). */
  warmSandboxes?: number;
  /** The Docker host's name in its queue (default: this machine's host name). */
  hostName?: string;
  /**
   * Names the Temporal service and namespace these workers serve (e.g. "127.0.0.1:7233/default"): containers are
   * labelled with it, so the sweep asks only that service about them. Without it they carry no such label.
   */
  temporalService?: string;
}

export interface WorkerGroup {
  queues: string[];
  /**
   * Resolves when every worker has stopped and this host's warm sandboxes and pending removals are gone; if one
   * worker fails, the others are shut down and the error is thrown.
   */
  run(): Promise<void>;
  /** The host's warm pool, when it has one. */
  pool?: WarmPool;
  shutdown(): void;
}

export async function createWorkers(deps: WorkerDeps): Promise<WorkerGroup> {
  const base = { connection: deps.connection, namespace: deps.namespace };
  const hostQueue = hostQueueName(deps.taskQueue, deps.hostName);
  const owner: Record<string, string> = deps.temporalService ? { [LABEL_TEMPORAL]: deps.temporalService } : {};
  const host = createHostSandboxes(deps.docker, deps.catalog, { owner, maxLiveSandboxes: deps.maxLiveSandboxes, warmSandboxes: deps.warmSandboxes });
  const workers = [
    await Worker.create({
      ...base,
      taskQueue: deps.taskQueue,
      ...workflowBundleOption(),
      activities: {
        ...createTaskActivities(),
        ...createHostQueueActivities(hostQueue),
        ...createEnvironmentActivities(deps.docker, deps.catalog, owner),
      },
    }),
    await Worker.create({
      ...base,
      taskQueue: hostQueue,
      activities: host.activities,
      // A slot for every live sandbox (each has one call in flight at most) and a few for starts and removals:
      // a busy host then never keeps a call waiting long enough to look lost.
      maxConcurrentActivityTaskExecutions: deps.maxSandboxActivities ?? host.cap + 4,
    }),
  ];
  if (deps.engine) {
    const { provider } = deps.engine;
    workers.push(
      await Worker.create({
        ...base,
        taskQueue: modelQueueName(deps.taskQueue, deps.engine.fingerprint),
        activities: createModelActivities(() => provider.get()),
        // As many calls as the engine serves at once, and its few prefetched ones (a short local line, one call long).
        maxConcurrentActivityTaskExecutions: deps.engine.concurrency + (deps.engine.prefetch ?? 0),
        // A poll per slot: each poll's round trip to the server is time the slot would stand empty.
        maxConcurrentActivityTaskPolls: deps.engine.concurrency + (deps.engine.prefetch ?? 0),
      }),
    );
  }
  if (deps.store) {
    workers.push(
      await Worker.create({ ...base, taskQueue: storeQueueName(deps.taskQueue, deps.store.storeId), activities: createStoreActivities(deps.store) }),
      await createTrainingWorker(deps.connection, deps.namespace, deps.taskQueue, deps.store),
    );
  }
  const shutdown = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    queues: workers.map((w) => w.options.taskQueue),
    run: async () => {
      // Every worker is waited for, even after one failed, so no sandbox activity still runs when the host drains.
      const ended = await Promise.allSettled(
        workers.map((w) =>
          w.run().catch((error) => {
            shutdown();
            throw error;
          }),
        ),
      );
      // What the host still holds for this worker goes now.
      await host.drain();
      const failed = ended.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown,
    pool: host.pool,
  };
}
