// Scheduled synthesis end to end, through the command line as a user types it: the real Temporal dev server keeps
// the schedule, a worker with the store, the SmolLM2 model and Docker runs the firing, and `schedule describe`
// reports it. The CLI reaches the test's server through TEMPORAL_ADDRESS.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ScheduleNotFoundError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { recentFirings } from '../../client/schedules.js';
import { projectRoot } from '../../config/paths.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { runWorkflowId } from '../../core/ids.js';
import { Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { createWorkers } from '../../worker/create-workers.js';
import { workerEngine } from '../../worker/engine-provider.js';
import { installRuntimeLogging } from '../../worker/runtime-logging.js';
import { workflowBundleOption } from '../../worker/workflow-bundle.js';
import { startDevServer } from './dev-server.js';

const dir = mkdtempSync(join(tmpdir(), 'tasksynth-schedule-'));
const docker = connectDocker();
let env: TestWorkflowEnvironment;
let store: Store;

before(async () => {
  installRuntimeLogging();
  await pingDocker(docker);
  env = await startDevServer();
  store = Store.open(join(dir, 'tasksynth.db'));
});

after(async () => {
  store?.close();
  await env?.teardown();
});

/** The tasksynth CLI against the test's Temporal server. */
function cli(...args: string[]) {
  const out = spawnSync(process.execPath, [join(projectRoot(), 'dist', 'cli', 'main.js'), 'schedule', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default', TASKSYNTH_HOME: join(dir, 'home'), TASKSYNTH_MODEL: resolveModelPath() },
    timeout: 120_000,
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

test('bad schedule options are refused before Temporal is asked (exit 2, the option named)', () => {
  const config = join(dir, 'bad.yaml');
  writeFileSync(config, 'name: bad\nfamily: files\ntiers: [0]\ntasksPerTier: 1\nepisodesPerTask: 2\n');
  const cases: Array<[string[], RegExp]> = [
    [['create', 'x', '--config', config, '--every', '6h', '--cron', '0 3 * * *'], /exactly one of --every and --cron/],
    [['create', 'x', '--config', config], /exactly one of --every and --cron/],
    [['create', 'x', '--config', config, '--every', 'banana'], /--every "banana" is not a duration/],
    [['create', 'x', '--config', config, '--cron', '0 3 *'], /--cron "0 3 \*" needs five fields/],
    [['create', 'x', '--config', config, '--every', '6h', '--jitter', 'soon'], /--jitter "soon" is not a duration/],
    [['create', 'bad name!', '--config', config, '--every', '6h'], /schedule name "bad name!"/],
    [['create', 'x', '--config', join(dir, 'missing.yaml'), '--every', '6h'], /missing\.yaml/],
    [['update', 'x'], /nothing to change/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('a schedule is created, triggered, runs one synthesis firing, is described, paused and deleted', { timeout: 20 * 60_000 }, async () => {
  const config = join(dir, 'nightly.yaml');
  writeFileSync(
    config,
    ['name: nightly', 'family: files', 'seed: 5', 'tiers: [0]', 'tasksPerTier: 1', 'episodesPerTask: 2', 'maxSteps: 3', ''].join('\n'),
  );
  const exportDir = join(dir, 'exports');
  const taskQueue = `schedule-e2e-${process.pid}`;

  const created = cli('create', 'nightly', '--config', config, '--cron', '0 3 * * *', '--jitter', '5m', '--overlap', 'skip', '--catchup-window', '1h',
    '--export-dir', exportDir, '--task-queue', taskQueue, '--store-id', store.storeId);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, new RegExp(`with store ${store.storeId} `), 'the firings write to the store named');
  assert.match(created.stdout, /schedule nightly created: cron "0 3 \* \* \*"/);
  assert.match(created.stdout, /next firing: \d{4}-\d\d-\d\dT03:0\d:\d\dZ/, 'the next nightly firing is at 03:00 UTC (plus jitter)');
  const again = cli('create', 'nightly', '--config', config, '--every', '6h', '--task-queue', taskQueue);
  assert.equal(again.code, 2, 'a second schedule of the same name is refused');
  assert.match(again.stderr, /already exists/);
  // Listing is eventually consistent: a schedule just made may take a moment to show.
  let listed = '';
  for (let i = 0; i < 20 && !/nightly/.test(listed); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 500));
    listed = cli('list').stdout;
  }
  assert.match(listed, /nightly.*cron "0 3 \* \* \*", jitter 5m.*active/);

  const engine = workerEngine({ engine: 'embedded' });
  const workers = await createWorkers({ connection: env.nativeConnection, namespace: 'default', taskQueue, store, docker, catalog: new EnvironmentCatalog(), engine });
  const running = workers.run();
  let firing;
  try {
    const triggered = cli('trigger', 'nightly');
    assert.equal(triggered.code, 0, triggered.stderr);
    const handle = env.client.schedule.getHandle('nightly');
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const firings = await recentFirings(env.client, await handle.describe());
      firing = firings.find((f) => f.status !== 'RUNNING');
      if (firing || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    workers.shutdown();
    await running;
    await engine.provider.close();
  }
  assert.ok(firing, 'the triggered firing finished within 15 minutes');
  assert.equal(firing.status, 'COMPLETED', firing.failure ?? '');
  const result = firing.result!;
  assert.match(result.runId, /^nightly-\d{8}T\d{6}Z$/, 'the run is named after the schedule and its fire time');
  assert.notEqual(result.seeds.files, 5, 'the firing derives its own seed from the fire time');
  const run = store.getRun(result.runId);
  assert.equal(run?.status, 'completed');
  const tasks = store.listTasks(result.runId);
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].spec.seed, result.seeds.files, 'the task was generated from the firing\'s seed');
  assert.equal(result.tasks.total, 1);
  assert.equal(result.episodes.done, store.listEpisodes(tasks[0].id).filter((e) => e.policy === 'model').length);
  assert.match(result.summary, /files\s*│?\s*t0/, 'the firing keeps its summary table');
  assert.ok(result.export, 'the firing exported its dataset');
  assert.equal(result.export.file, join(exportDir, `${result.runId}.openai-chat.jsonl`));
  assert.ok(existsSync(result.export.file));
  assert.equal(readFileSync(result.export.file, 'utf8').split('\n').filter(Boolean).length, result.export.lines);
  assert.equal(result.export.lines, store.acceptedTrajectories({ runId: result.runId }).length);

  const described = cli('describe', 'nightly');
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /schedule nightly: cron "0 3 \* \* \*", jitter 5m, overlap skip, catch-up window 3600 s/);
  assert.match(described.stdout, /firings: 1 taken/);
  assert.ok(described.stdout.includes(result.runId), 'describe names the firing\'s run');
  assert.match(described.stdout, /COMPLETED/);
  assert.match(described.stdout, /latest finished firing/);

  const updated = cli('update', 'nightly', '--every', '12h');
  assert.equal(updated.code, 0, updated.stderr);
  assert.match(cli('describe', 'nightly').stdout, /schedule nightly: every 12h, jitter 5m/, 'update keeps the jitter it was not asked to change');
  const spec = (await env.client.schedule.getHandle('nightly').describe()).spec;
  assert.equal(Number(spec.intervals?.[0]?.every), 12 * 3600_000, 'the timetable itself changed');
  assert.equal(Number(spec.jitter), 5 * 60_000);
  const moved = cli('update', 'nightly', '--task-queue', 'farm-b');
  assert.equal(moved.code, 0, moved.stderr);
  const action = (await env.client.schedule.getHandle('nightly').describe()).action as { taskQueue: string; args: Array<{ queues: { store: string; model: string }; config: { name: string } }> };
  assert.equal(action.taskQueue, 'farm-b', 'the firings now start on the new queue');
  assert.equal(action.args[0].queues.store, `farm-b/store/${store.storeId}`, 'and their store and model queues follow it');
  assert.match(action.args[0].queues.model, /^farm-b\/model\//);
  assert.equal(action.args[0].config.name, 'nightly', 'the stored job is kept');
  assert.match(cli('describe', 'nightly').stdout, /task queue farm-b/);

  const paused = cli('pause', 'nightly', '--note', 'disk maintenance');
  assert.equal(paused.code, 0, paused.stderr);
  const whilePaused = cli('describe', 'nightly').stdout;
  assert.match(whilePaused, /state: paused \(note: disk maintenance\)/);
  assert.match(whilePaused, /next: none while paused/);
  assert.match(cli('list').stdout, /nightly.*paused: disk maintenance/);

  const deleted = cli('delete', 'nightly');
  assert.equal(deleted.code, 0, deleted.stderr);
  await assert.rejects(env.client.schedule.getHandle('nightly').describe(), ScheduleNotFoundError);
  const gone = cli('describe', 'nightly');
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /no schedule named "nightly"/);

  // The firing's recorded history replays against the current workflow code.
  const history = await env.client.workflow.getHandle(firing.workflowId).fetchHistory();
  await Worker.runReplayHistory(workflowBundleOption(), history, firing.workflowId);
  assert.ok(await env.client.workflow.getHandle(runWorkflowId(result.runId)).describe(), 'the run itself is a workflow of its own');
});
