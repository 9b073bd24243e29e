// Durability with the real components: a worker process is killed (SIGKILL) in the middle of a run, a new one
// takes over, and the run completes without any finished model call being made again.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runIdFor } from '../../client/run-id.js';
import { startSynthesisRun } from '../../client/start-run.js';
import { projectRoot } from '../../config/paths.js';
import { validateConfig } from '../../config/load-config.js';
import { Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { environmentRef } from '../../environments/package.js';
import { connectDocker } from '../../sandboxes/docker-client.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { engineFingerprint as engineFingerprintOf } from '../../worker/queue-names.js';
import { progressQuery } from '../../workflows/messages.js';
import { startDevServer } from './dev-server.js';

const home = mkdtempSync(join(tmpdir(), 'tasksynth-crash-'));
const taskQueue = `crash-${process.pid}`;
let env: TestWorkflowEnvironment;
const children: ChildProcess[] = [];

/** Starts `tasksynth worker` as its own process and resolves once it reports that it listens. */
function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', 'cli', 'main.js'), 'worker', '--task-queue', taskQueue, '--store'], {
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, TASKSYNTH_HOME: home, TASKSYNTH_MODEL: resolveModelPath() },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('worker on ')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${err}`)));
  });
}

before(async () => {
  env = await startDevServer();
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await env?.teardown();
});

interface Event {
  eventId?: unknown;
  eventTime?: { seconds?: unknown } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number | null; identity?: string | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null;
}

test('a run survives a killed worker and never repeats a finished model call', { timeout: 20 * 60_000 }, async () => {
  const config = validateConfig(
    { name: 'crash', family: 'files', seed: 5, tiers: [0], tasksPerTier: 2, episodesPerTask: 3, maxSteps: 3,
      concurrency: { tasks: 2, episodes: 2 } },
    'crash test config',
  );
  const engineFingerprint = engineFingerprintOf({ ...config.model, path: resolveModelPath() });
  const environment = environmentRef(new EnvironmentCatalog().get('files'));
  const runId = runIdFor(config, engineFingerprint, [environment.hash]);
  const first = await startWorker();
  // The worker made its store; the store's id names the queue the run's writes go to.
  const made = Store.open(join(home, 'data', 'tasksynth.db'));
  const storeId = made.storeId;
  made.close();
  const handle = await startSynthesisRun(env.client, { runId, config, environments: [environment], taskQueue, engineFingerprint, storeId });

  // Let some model episodes finish, then kill the worker without warning.
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const p = await handle.query(progressQuery);
    if (p.modelEpisodesDone >= 2) break;
    assert.ok(Date.now() < deadline, `no model episode finished within 10 minutes (progress ${JSON.stringify(p)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  const second = await startWorker();
  const result = await handle.result();
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));

  assert.equal(result.progress.tasksDone, 2);
  const store = Store.open(join(home, 'data', 'tasksynth.db'));
  try {
    const identities = new Set<string>();
    let modelCalls = 0;
    for (const task of store.listTasks(runId)) {
      assert.notEqual(task.status, 'pending');
      for (const episode of store.listEpisodes(task.id)) {
        const history = await env.client.workflow.getHandle(`episode/${episode.id}`).fetchHistory();
        const events = (history.events ?? []) as Event[];
        const modelScheduled = new Set(
          events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'modelStep').map((e) => String(e.eventId)),
        );
        const completed = events.filter((e) => modelScheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)));
        for (const e of events) {
          const started = e.activityTaskStartedEventAttributes;
          if (started?.identity) identities.add(started.identity);
        }
        // Each model call the episode made was scheduled once and completed once: none was made again.
        assert.equal(completed.length, modelScheduled.size, `${episode.id}: a model call did not complete`);
        const invalidStop = episode.verdict.errors.some((e) => e.startsWith('episode stopped: invalid model output'));
        const modelSteps = episode.steps.filter((s) => s.raw !== null).length + (invalidStop ? 1 : 0);
        assert.equal(modelScheduled.size, modelSteps, `${episode.id}: ${modelScheduled.size} model calls for ${modelSteps} model steps`);
        modelCalls += modelScheduled.size;
      }
    }
    const pids = [first.pid, second.pid].map(String);
    for (const pid of pids) {
      assert.ok([...identities].some((id) => id.startsWith(`${pid}@`)), `no activity ran on worker ${pid}: ${[...identities].join(', ')}`);
    }
    assert.ok(modelCalls >= 6, `only ${modelCalls} model calls`);
    const left = await connectDocker().listContainers({ all: true, filters: { label: [`tasksynth.run=${runId}`] } });
    assert.equal(left.length, 0, 'the resumed episodes removed every sandbox, the killed worker\'s included');
    console.log(`crash-resume: ${modelCalls} model calls across workers ${pids.join(' and ')}, none repeated`);
  } finally {
    store.close();
  }
});
