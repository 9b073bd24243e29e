// The worker side of a tasksynth process, shared by `run` (a worker beside its one job) and `worker` (a worker
// alone): reach Docker (with the base image) and Temporal (or start the dev server), run the workers, and shut
// everything down in order.
import type { Store } from '../data/store.js';
import type { EnvironmentCatalog } from '../environments/catalog.js';
import { requireBaseImage } from '../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { createWorkers, type WorkerGroup } from './create-workers.js';
import type { workerEngine } from './engine-provider.js';
import { installRuntimeLogging } from './runtime-logging.js';
import { Client } from '@temporalio/client';
import { sweepSandboxes, workflowOverIn } from './sandbox-sweep.js';
import { connectClient, connectWorker, ensureTemporal, type TemporalTarget } from './temporal-server.js';

/** How often the sweep of leftover sandboxes runs while the worker does (and once when it starts). */
const SWEEP_EVERY_MS = 10 * 60_000;

export interface WorkerProcess {
  temporal: TemporalTarget;
  workers: WorkerGroup;
  /** Settles when every worker has stopped; rejects when one failed. */
  running: Promise<void>;
  /** Stops the workers, waits for them, and releases the model and the connection. */
  close(): Promise<void>;
}

export async function startWorkerProcess(opts: {
  taskQueue: string;
  catalog: EnvironmentCatalog;
  engine: ReturnType<typeof workerEngine>;
  store?: Store;
  /** Live episode sandboxes this Docker host holds at most (see createWorkers). */
  maxLiveSandboxes?: number;
  /** Sandboxes kept warm for the next episodes of a task (see createWorkers). */
  warmSandboxes?: number;
}): Promise<WorkerProcess> {
  const docker = connectDocker();
  await pingDocker(docker);
  await requireBaseImage(docker);
  installRuntimeLogging();
  const temporal = await ensureTemporal((line) => console.error(line));
  const connection = await connectWorker(temporal);
  const temporalService = `${temporal.address}/${temporal.namespace}`;
  const workers = await createWorkers({
    connection, namespace: temporal.namespace, taskQueue: opts.taskQueue, docker, catalog: opts.catalog, engine: opts.engine, store: opts.store,
    temporalService, maxLiveSandboxes: opts.maxLiveSandboxes, warmSandboxes: opts.warmSandboxes,
  }).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  const running = workers.run();
  // Leftover sandboxes of episodes that are over (a worker that died, a cancel during start) go; live ones stay.
  const clientConnection = await connectClient(temporal);
  const isOver = workflowOverIn(new Client({ connection: clientConnection, namespace: temporal.namespace }));
  const sweep = () =>
    sweepSandboxes(docker, temporalService, isOver).then(
      (r) => r.removed.length > 0 && console.error(`swept ${r.removed.length} leftover sandbox(es): ${r.removed.join(', ')}`),
      (error: unknown) => console.error(`sandbox sweep skipped: ${(error as Error).message}`),
    );
  await sweep();
  const sweeper = setInterval(() => void sweep(), SWEEP_EVERY_MS);
  sweeper.unref();
  return {
    temporal,
    workers,
    running,
    async close() {
      clearInterval(sweeper);
      workers.shutdown();
      await running.catch(() => undefined);
      // Once more on the way out: what a killed worker left (its warm sandboxes, say) goes once its task is over.
      await sweep();
      await clientConnection.close();
      await opts.engine.provider.close();
      await connection.close();
    },
  };
}
