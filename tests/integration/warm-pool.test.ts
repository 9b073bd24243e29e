// The warm pool of episode sandboxes on the real Docker engine, through the sandbox activities an episode calls:
// a warm sandbox carries its task's initial state and the episode's own name, goes to one episode only, is never
// handed out dead, yields its slot to an episode at the host's cap, is drained when the worker stops, and is
// swept like its task's other sandboxes.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { createSandboxActivities } from '../../activities/sandbox-activities.js';
import { episodeWorkflowId, taskWorkflowId } from '../../core/ids.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { generateTasks } from '../../environments/generate.js';
import { ensureEnvironmentImage } from '../../environments/image.js';
import { baseImageTag } from '../../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { LABEL_EPISODE, LABEL_POOL, LABEL_RUN, LABEL_TASK, LABEL_TEMPORAL, POOL_NAME_PREFIX, type SandboxLimits } from '../../sandboxes/profile.js';
import { RemovalQueue } from '../../sandboxes/removal-queue.js';
import { SandboxManager, sandboxName } from '../../sandboxes/sandbox.js';
import { WarmPool } from '../../sandboxes/warm-pool.js';
import type { TaskSpec } from '../../schemas/types.js';
import { sweepSandboxes } from '../../worker/sandbox-sweep.js';

const docker = connectDocker();
const limits: SandboxLimits = { memoryMb: 256, pidsLimit: 64, cpus: 1, timeoutMs: 10_000, outputLimitBytes: 4096 };
const manager = new SandboxManager(docker, limits);
const runId = `warm-pool-${process.pid}`;
const SERVICE = `warm-pool-test-${process.pid}`;
const owner = { [LABEL_TEMPORAL]: SERVICE };
let image: string;
let tasks: TaskSpec[];

before(async () => {
  await pingDocker(docker);
  // A package whose tasks start from files (a database), so the initial state is something to compare.
  const pkg = new EnvironmentCatalog().get('sql-analytics');
  image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
  const scratch = await manager.create(image, { [LABEL_RUN]: runId });
  try {
    tasks = await generateTasks(manager, scratch, pkg, { scope: runId, seed: 5, tier: 0, count: 2, offset: 0 });
  } finally {
    await manager.remove(scratch);
  }
});

after(async () => {
  await manager.reap(0, { [LABEL_RUN]: runId });
});

/** Each test starts from a host holding none of this run's sandboxes, whatever the one before left. */
beforeEach(async () => {
  await manager.reap(0, { [LABEL_RUN]: runId });
});

function host(opts: { size?: number; cap?: number } = {}) {
  const removals = new RemovalQueue(manager);
  const pool = new WarmPool(manager, removals, { size: opts.size ?? 2, idleMs: 60_000 });
  const activities = createSandboxActivities(docker, new EnvironmentCatalog(), { owner, maxLiveSandboxes: opts.cap, pool, removals });
  return { pool, removals, activities };
}

const up = (activities: ReturnType<typeof host>['activities'], task: TaskSpec, episode: string, ahead: number) =>
  activities.sandboxUp({
    id: `${task.id}/model/${episode}`, task, image, limits, ahead,
    labels: { [LABEL_RUN]: runId, [LABEL_TASK]: task.id, [LABEL_EPISODE]: `${task.id}/model/${episode}` },
  });

/** Every file under /work with its content hash: the initial state as the agent finds it. */
const stateOf = async (id: string) => (await manager.exec(id, ['sh', '-c', 'find . -type f | sort | xargs -r sha256sum'])).output;
const containers = (label: string) => docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`, label] } });
const nameOf = async (id: string) => (await docker.getContainer(id).inspect()).Name.replace(/^\//, '');

test('an episode takes a warm sandbox holding its task\'s initial state, under its own name, and no other episode gets it', { timeout: 120_000 }, async () => {
  const { pool, activities, removals } = host();
  const [task] = tasks;
  const first = await up(activities, task!, '0', 3);
  assert.equal(pool.stats().cold, 1, 'nothing was warm for the first episode');
  await pool.settled();
  assert.equal(pool.stats().ready, 2, 'the pool warmed as many as it holds (fewer than the 3 announced)');

  const second = await up(activities, task!, '1', 2);
  assert.equal(pool.stats().warm, 1, 'the second episode got a warm sandbox');
  assert.equal(await nameOf(second), sandboxName(`${task!.id}/model/1`), 'it carries the episode\'s sandbox name');
  assert.ok((await manager.isRunning(second)));
  const expected = await stateOf(first);
  assert.ok(expected.includes('./'), `the task has an initial state: ${expected}`);
  assert.equal(await stateOf(second), expected, 'the warm sandbox holds the same initial state as a cold one');

  // Two episodes at once, the last ones of the task: each gets its own sandbox, and the pool keeps none for later.
  await pool.settled();
  const [third, fourth] = await Promise.all([up(activities, task!, '2', 0), up(activities, task!, '3', 0)]);
  const ids = new Set([first, second, third, fourth]);
  assert.equal(ids.size, 4, 'no sandbox was handed out twice');
  await pool.settled();
  await removals.drain();
  assert.equal(pool.stats().ready, 0, 'nothing stays warm once no episode of the task is expected');
  assert.equal((await containers(LABEL_POOL)).filter((c) => c.Names[0]!.startsWith(`/${POOL_NAME_PREFIX}`)).length, 0);

  for (const episode of ['0', '1', '2', '3']) await activities.sandboxDiscard(`${task!.id}/model/${episode}`);
  await pool.drain();
  assert.equal((await containers(LABEL_TASK)).length, 0, 'every sandbox was removed');
});

test('a warm sandbox that stopped (a Docker daemon restart) is never handed out', { timeout: 120_000 }, async () => {
  const { pool, activities, removals } = host({ size: 1 });
  const [task] = tasks;
  const first = await up(activities, task!, '0', 1);
  await pool.settled();
  const warm = (await containers(LABEL_POOL)).find((c) => c.Names[0]!.startsWith(`/${POOL_NAME_PREFIX}`));
  assert.ok(warm, 'one sandbox is warm');
  await docker.getContainer(warm.Id).kill();
  // The pool hears of the stop from the daemon and drops it.
  for (let waited = 0; pool.stats().ready > 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  assert.equal(pool.stats().ready, 0, 'the stopped sandbox left the pool');

  const second = await up(activities, task!, '1', 0);
  assert.notEqual(second, warm.Id);
  assert.ok(await manager.isRunning(second), 'the episode got a running sandbox');
  assert.deepEqual({ warm: pool.stats().warm, cold: pool.stats().cold }, { warm: 0, cold: 2 });
  await removals.drain();
  assert.equal(await manager.idOf(warm.Id), null, 'the stopped one was removed');
  await manager.remove(first);
  await manager.remove(second);
  await pool.drain();
});

test('at the host\'s cap a warm sandbox gives its slot to an episode that needs one; drain removes what nobody took', { timeout: 120_000 }, async () => {
  const { pool, activities } = host({ size: 1, cap: 2 });
  const [task, other] = tasks;
  const first = await up(activities, task!, '0', 5);
  await pool.settled();
  assert.equal(pool.stats().ready, 1);
  // The cap (2) is reached: the first episode's sandbox and the warm one. Another task's episode still starts.
  const second = await up(activities, other!, '0', 0);
  assert.ok(await manager.isRunning(second));
  assert.equal(pool.stats().ready, 0, 'the warm sandbox was evicted for it');
  await assert.rejects(up(activities, other!, '1', 0), /its cap is 2/, 'with nothing warm left, the host is full');

  await manager.remove(second);
  await up(activities, task!, '1', 5).then((id) => manager.remove(id));
  await pool.settled();
  assert.equal(pool.stats().ready, 1);
  await pool.drain();
  const left = await containers(LABEL_TASK);
  assert.deepEqual(left.map((c) => c.Id), [first], 'drained: only the episode\'s own sandbox is left');
  await manager.remove(first);
});

test('the sweep removes a handed-out warm sandbox once its episode is over, and one nobody took', { timeout: 120_000 }, async () => {
  const { pool, activities } = host({ size: 2 });
  const [task] = tasks;
  await up(activities, task!, '0', 3);
  await pool.settled();
  const taken = await up(activities, task!, '1', 1);
  await pool.settled();
  const over = new Set<string>();
  const isOver = async (workflowId: string) => over.has(workflowId);

  const during = await sweepSandboxes(docker, SERVICE, isOver, 2 * 60 * 60_000, 0);
  const names = during.removed;
  assert.equal(names.length, 1, `one warm sandbox nobody took is removed: ${names.join(', ')}`);
  assert.ok(names[0]!.startsWith(POOL_NAME_PREFIX));
  assert.ok(await manager.isRunning(taken), 'the handed-out one stays while its task runs');

  // Once its episode is over, the handed-out one goes, though its task still runs (its name names the episode).
  over.add(episodeWorkflowId(`${task!.id}/model/1`));
  const afterEpisode = await sweepSandboxes(docker, SERVICE, isOver, 2 * 60 * 60_000, 0);
  assert.deepEqual(afterEpisode.removed, [sandboxName(`${task!.id}/model/1`)]);
  assert.equal(await manager.idOf(taken), null);

  over.add(taskWorkflowId(task!.id)).add(episodeWorkflowId(`${task!.id}/model/0`));
  const afterTask = await sweepSandboxes(docker, SERVICE, isOver, 2 * 60 * 60_000, 0);
  assert.equal(afterTask.removed.length, 1, 'once the task is over, its first (cold) sandbox goes too');
  await pool.drain();
});
