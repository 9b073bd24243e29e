// One synthesis (or evaluation) run driven to its end from the command line: a worker in this process (the given
// engine, the store), the run's workflow started (or joined), progress shown, the summary printed. Shared by
// `run` and `eval`. The store stays open for the caller; the worker and the model are released on return.
import { Client } from '@temporalio/client';
import { runWorkflowId } from '../client/run-id.js';
import { startSynthesisRun, watchRun } from '../client/start-run.js';
import { statePaths } from '../config/paths.js';
import type { RunConfig } from '../config/run-config.js';
import type { Store } from '../data/store.js';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { environmentRef } from '../environments/package.js';
import { workerEngine } from '../worker/engine-provider.js';
import { checkEngine } from '../inference/model-check.js';
import { runIdFor } from '../client/run-id.js';
import { connectClient } from '../worker/temporal-server.js';
import { startWorkerProcess } from '../worker/worker-process.js';
import { createProgressView } from './progress-view.js';
import { renderSummary } from './summary-table.js';

export interface RunToEndOptions {
  config: RunConfig;
  environments: Array<ReturnType<typeof environmentRef>>;
  catalog: EnvironmentCatalog;
  engine: ReturnType<typeof workerEngine>;
  store: Store;
  runId: string;
  taskQueue: string;
  maxSandboxes: number;
  warmSandboxes: number;
}

export async function runToEnd(o: RunToEndOptions): Promise<void> {
  const { config, environments, engine, store, runId } = o;
  const worker = await startWorkerProcess({
    maxLiveSandboxes: o.maxSandboxes, warmSandboxes: o.warmSandboxes, taskQueue: o.taskQueue, catalog: o.catalog, engine, store,
  });
  const { temporal, running } = worker;
  const connection = await connectClient(temporal);
  const client = new Client({ connection, namespace: temporal.namespace });
  const view = createProgressView();
  const started = Date.now();
  try {
    console.error(`run ${runId}: k=${config.episodesPerTask}, model ${engine.fingerprint}`);
    // Each episode in flight has at most one model call out: fewer episodes (or sandboxes) than the engine's
    // slots leave the server under-used, whatever its capacity.
    const inFlight = Math.min(config.concurrency.tasks * config.concurrency.episodes, o.maxSandboxes);
    if (inFlight < engine.concurrency) {
      console.error(`  note: at most ${inFlight} episodes run at once (concurrency.tasks × concurrency.episodes, --max-sandboxes), fewer than the ${engine.concurrency} model calls the engine takes at once; raise them to keep the server busy`);
    }
    for (const [i, f] of config.families.entries()) {
      const env = environments[i];
      const plan = f.tasks !== undefined ? `${f.tasks} tasks, tiers ${f.tiers.join(',')} following the model` : `${f.tasksPerTier} tasks at each of tiers ${f.tiers.join(',')}`;
      console.error(`  ${env.name} ${env.version} (${env.hash.slice(0, 12)}): ${plan}, seed ${f.seed}`);
    }
    const handle = await startSynthesisRun(client, { runId, config, environments, taskQueue: o.taskQueue, engineFingerprint: engine.fingerprint, storeId: store.storeId });
    // A worker that stops (or fails) before the run ends would leave the run waiting: stop waiting too.
    await Promise.race([
      watchRun(handle, (p) => view.update(p)),
      running.then(() => {
        throw new Error('the in-process worker stopped before the run finished');
      }),
    ]);
    view.stop();
    console.log(renderSummary(store, runId, config.acceptance, config.episodesPerTask));
    console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s; database ${statePaths.database()}`);
    if (temporal.uiUrl) {
      console.log(`Temporal Web UI: ${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(runWorkflowId(runId))}`);
    }
  } finally {
    view.stop();
    await worker.close();
    await connection.close();
  }
}

/**
 * Runs a config to its end, or reuses the finished run of the same id (same config, model and packages); returns
 * the run id. `label` prefixes what it says.
 */
export async function runOrReuse(
  store: Store,
  config: RunConfig,
  o: { taskQueue: string; maxSandboxes: number; warmSandboxes: number },
  label = 'run',
): Promise<string> {
  const catalog = new EnvironmentCatalog(config.environments);
  const environments = config.families.map((f) => environmentRef(catalog.get(f.name)));
  const engine = workerEngine(config.model);
  const runId = runIdFor(config, engine.fingerprint, environments.map((e) => e.hash));
  if (store.getRun(runId)?.status === 'completed') {
    console.error(`${label}: run ${runId} finished before; reused`);
    await engine.provider.close();
    return runId;
  }
  console.error(`${label}: ${engine.fingerprint}`);
  await checkEngine(engine);
  await runToEnd({ config, environments, catalog, engine, store, runId, ...o });
  return runId;
}
