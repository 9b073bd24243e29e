// Chaos, bounded in time: one synthesis run on the real components (a Temporal dev server with its database file,
// as `run` starts it; two `tasksynth worker` processes, one of them with the store; the Docker engine; the SmolLM2
// model), while worker processes are SIGKILLed at random and restarted, the dev server is killed and started again
// on the same database, and the Docker daemon is restarted (which stops every container). Then it counts:
// - lost: planned tasks without a decision on their merits (one that broke counts), and measured tasks with fewer
//   stored episodes than episodesPerTask;
// - duplicated: model calls made twice in an episode (two model activities with the same sampling seed in one
//   episode's history: a finished call is never repeated, a restarted episode samples with seeds of its own);
// - leaked: containers of the run left on the Docker host after it ended.
// Used by bench/chaos.ts (the full form) and tests/integration/chaos.test.ts (the short form CI runs).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { runIdFor } from '../client/run-id.js';
import { startSynthesisRun } from '../client/start-run.js';
import { validateConfig } from '../config/load-config.js';
import { projectRoot } from '../config/paths.js';
import { episodeWorkflowId } from '../core/ids.js';
import { Store } from '../data/store.js';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { environmentRef } from '../environments/package.js';
import { resolveModelPath } from '../inference/model-path.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { LABEL_RUN } from '../sandboxes/profile.js';
import { findTemporalCli, listening } from '../worker/temporal-server.js';
import { engineFingerprint } from '../worker/queue-names.js';

export interface ChaosPlan {
  /** SIGKILLs of worker processes, spread over the run. */
  kills: number;
  serverRestarts: number;
  dockerRestarts: number;
  tasks: number;
  episodesPerTask: number;
  seed: number;
  /** Pause between two faults. */
  everyMs: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  kills: number;
  serverRestarts: number;
  dockerRestarts: number;
  tasks: number;
  episodes: number;
  lost: number;
  duplicated: number;
  leaked: number;
  wallMs: number;
}

const cli = join(projectRoot(), 'dist', 'cli', 'main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PORT_BASE = 17233;

/** The Docker daemon as this machine runs it: a systemd unit, or a dockerd started by `scripts/setup`. */
export function dockerRestartable(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('systemctl', ['is-active', '--quiet', 'docker']).status === 0 || spawnSync('pidof', ['dockerd']).status === 0;
}

async function restartDocker(log: (l: string) => void): Promise<void> {
  const docker = connectDocker();
  if (spawnSync('systemctl', ['is-active', '--quiet', 'docker']).status === 0) {
    spawnSync('systemctl', ['restart', 'docker'], { stdio: 'ignore' });
  } else {
    const pid = spawnSync('pidof', ['dockerd'], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0];
    if (!pid) throw new Error('no dockerd process to restart');
    process.kill(Number(pid), 'SIGTERM');
    for (let i = 0; i < 600 && spawnSync('kill', ['-0', pid]).status === 0; i++) await sleep(100);
    const logFile = join(process.env.TASKSYNTH_HOME ?? join(tmpdir()), 'dockerd-chaos.log');
    const out = openSync(logFile, 'a');
    // Detached, as scripts/setup starts it: the daemon outlives this process.
    spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] }).unref();
  }
  for (let i = 0; i < 600; i++) {
    if (await pingDocker(docker).then(() => true, () => false)) return log('docker: restarted');
    await sleep(100);
  }
  throw new Error('dockerd did not come back within 60 s');
}

/** The dev server as `run` starts it (its database file kept), on its own port so it is the harness's to kill. */
function startServer(dbFile: string, port: number): ChildProcess {
  const temporal = findTemporalCli();
  if (!temporal) throw new Error('no temporal CLI: run `npm run setup`');
  return spawn(temporal, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(port + 1000),
    '--db-filename', dbFile, '--namespace', 'default', '--log-level', 'error', '--headless'], { stdio: 'ignore' });
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await listening('127.0.0.1', port)) return;
    await sleep(100);
  }
  throw new Error(`the dev server did not listen on ${port} within 60 s`);
}

export async function runChaos(plan: ChaosPlan): Promise<ChaosReport> {
  const log = plan.log ?? (() => undefined);
  const home = mkdtempSync(join(tmpdir(), 'tasksynth-chaos-'));
  mkdirSync(join(home, 'data'), { recursive: true });
  const model = resolveModelPath();
  symlinkSync(model, join(home, 'model.gguf'));
  const port = PORT_BASE + (process.pid % 500);
  const dbFile = join(home, 'temporal.db');
  let server = startServer(dbFile, port);
  await waitListening(port);
  const address = `127.0.0.1:${port}`;
  const taskQueue = 'chaos';
  const config = validateConfig(
    { name: 'chaos', family: 'files', seed: plan.seed, tiers: [0], tasksPerTier: plan.tasks, episodesPerTask: plan.episodesPerTask,
      maxSteps: 3, concurrency: { tasks: 2, episodes: 2 }, sandbox: { hostWaitSeconds: 30 } },
    'chaos config',
  );
  const environment = environmentRef(new EnvironmentCatalog().get('files'));
  const fingerprint = engineFingerprint({ engine: 'embedded', path: model });
  const runId = runIdFor(config, fingerprint, [environment.hash]);
  const store = Store.open(join(home, 'data', 'tasksynth.db'));
  const storeId = store.storeId;
  store.close();

  const workers: Array<ChildProcess | null> = [null, null];
  let stopping = false;
  const startWorker = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [cli, 'worker', '--task-queue', taskQueue, ...(i === 0 ? ['--store'] : [])], {
        env: { ...process.env, TEMPORAL_ADDRESS: address, TASKSYNTH_HOME: home, TASKSYNTH_MODEL: model },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      workers[i] = child;
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('worker on ')) resolve();
      });
      // A worker that exits by itself (it could not start while Docker or Temporal was down, or it stopped) is
      // started again; one the harness killed is restarted by the kill.
      child.once('exit', () => {
        const killed = workers[i] !== child;
        if (!killed) workers[i] = null;
        if (!stopping && !killed) void sleep(1000).then(() => startWorker(i)).then(resolve);
        else resolve();
      });
    });
  await Promise.all([startWorker(0), startWorker(1)]);
  // Whatever happens, nothing of the harness outlives it: workers and the dev server are stopped.
  try {

    const started = Date.now();
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const handle = await startSynthesisRun(client, { runId, config, environments: [environment], taskQueue, engineFingerprint: fingerprint, storeId });
    log(`run ${runId} started`);
    let done = false;
    let failure: unknown = null;
    const finished = (async () => {
      for (;;) {
        try {
          await client.workflow.getHandle(handle.workflowId).result();
          done = true;
          return;
        } catch (error) {
          // The server being restarted: wait for it and ask again.
          if (/Unavailable|connect|ECONNREFUSED|14 UNAVAILABLE|Connection|deadline/i.test(String((error as Error).message))) {
            await sleep(500);
            continue;
          }
          done = true;
          failure = error;
          return;
        }
      }
    })();

    // The faults, one every `everyMs`, in a shuffled order; kills restart their worker after a moment.
    const faults: Array<'kill' | 'server' | 'docker'> = [
      ...Array<'kill'>(plan.kills).fill('kill'), ...Array<'server'>(plan.serverRestarts).fill('server'), ...Array<'docker'>(plan.dockerRestarts).fill('docker'),
    ];
    for (let i = faults.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [faults[i], faults[j]] = [faults[j]!, faults[i]!];
    }
    const report = { kills: 0, serverRestarts: 0, dockerRestarts: 0 };
    for (const fault of faults) {
      await sleep(plan.everyMs);
      if (done) break;
      if (fault === 'kill') {
        const i = Math.floor(Math.random() * 2);
        const victim = workers[i];
        if (!victim) continue;
        workers[i] = null;
        victim.kill('SIGKILL');
        report.kills++;
        log(`kill ${report.kills}: worker ${i}`);
        await sleep(500 + Math.random() * 1500);
        await startWorker(i);
      } else if (fault === 'server') {
        server.kill('SIGKILL');
        await new Promise((r) => server.once('exit', r));
        await sleep(1000);
        server = startServer(dbFile, port);
        await waitListening(port);
        report.serverRestarts++;
        // The client's channel reconnects by itself; the wait for the result asks again when a call fails meanwhile.
        log('server: restarted on its database');
      } else {
        await restartDocker(log);
        report.dockerRestarts++;
      }
    }
    await finished;
    const wallMs = Date.now() - started;
    stopping = true;
    // Each worker drains its host and sweeps on its way out: wait until it has exited (a minute at most).
    const alive = workers.filter((w): w is ChildProcess => w !== null && w.exitCode === null && w.signalCode === null);
    const exits = alive.map((w) => new Promise<void>((r) => w.once('exit', () => r())));
    for (const w of alive) w.kill('SIGTERM');
    await Promise.race([Promise.all(exits), sleep(60_000)]);
    for (const w of alive) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    if (failure) {
      server.kill('SIGTERM');
      await connection.close().catch(() => undefined);
      throw failure;
    }

    // The counts, from the store and the histories.
    const db = Store.open(join(home, 'data', 'tasksynth.db'));
    let lost = 0;
    let duplicated = 0;
    let episodes = 0;
    try {
      const tasks = db.listTasks(runId);
      lost += Math.max(0, plan.tasks - tasks.length);
      for (const task of tasks) {
        // Every task here passes its gates without faults (envs check), so one rejected by a gate or broken is lost.
        if (task.status === 'pending' || /broke|failed|gameable|reference/.test(task.reason ?? '')) {
          lost++;
          log(`lost: ${task.id}: ${task.reason}`);
          continue;
        }
        const stored = db.listEpisodes(task.id).filter((e) => e.policy === 'model');
        if (task.passRate !== null && stored.length < plan.episodesPerTask) lost += plan.episodesPerTask - stored.length;
        episodes += stored.length;
        for (const e of stored) {
          const history = await client.workflow.getHandle(episodeWorkflowId(e.id)).fetchHistory();
          const seeds = new Map<number, number>();
          for (const ev of history.events ?? []) {
            const a = ev.activityTaskScheduledEventAttributes;
            if (a?.activityType?.name !== 'modelStep') continue;
            const input = JSON.parse(Buffer.from(a.input!.payloads![0]!.data!).toString('utf8')) as { seed: number };
            seeds.set(input.seed, (seeds.get(input.seed) ?? 0) + 1);
          }
          for (const n of seeds.values()) duplicated += n - 1;
        }
      }
    } finally {
      db.close();
    }
    const left = await connectDocker().listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
    await connection.close();
    server.kill('SIGTERM');
    return { ...report, tasks: plan.tasks, episodes, lost, duplicated, leaked: left.length, wallMs };
  } finally {
    stopping = true;
    for (const w of workers) w?.kill('SIGKILL');
    server.kill('SIGTERM');
  }
}
