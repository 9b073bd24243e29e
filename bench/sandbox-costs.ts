// Benchmark: what a sandbox costs an episode, each figure beside Docker's own way of doing the same, in one run:
// - acquire: the sandboxUp activity (the episode's own call) until the task's initial state is in place, from the
//   host's warm pool, beside the same call with no pool (a cold create, start and setup), and beside one Docker
//   rename of a running container: a warm handover is that rename, so the rename is its floor. Warm samples are
//   asked 250 ms after the pool's warm start finished, as an episode asks while another runs; a second warm row
//   asks at once, where Docker's rename is slower;
// - cold create+start of a hardened container (SandboxManager.create) beside `docker run -d` with the same
//   hardening flags (the CLI reads the same seccomp profile from a file);
// - one exec (SandboxManager.exec) beside `docker exec` running the same command in the same container.
// Samples alternate between the two sides so load on the machine falls on both alike.
// Run: npm run bench (or node dist/bench/sandbox-costs.js); needs the Docker engine and the base image.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createSandboxActivities } from '../activities/sandbox-activities.js';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { generateTasks } from '../environments/generate.js';
import { ensureEnvironmentImage } from '../environments/image.js';
import { baseImageTag } from '../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { DEFAULT_LIMITS, hardenedContainerConfig, LABEL_EPISODE, LABEL_RUN, LABEL_TASK } from '../sandboxes/profile.js';
import { RemovalQueue } from '../sandboxes/removal-queue.js';
import { SandboxManager } from '../sandboxes/sandbox.js';
import { seccompProfile } from '../sandboxes/seccomp-profile.js';
import { WarmPool } from '../sandboxes/warm-pool.js';

const run = promisify(execFile);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
/** How long after the pool's last warm start a warm sample is asked for (see the acquire loop). */
const SETTLE_MS = 250;
const ENV = process.env.BENCH_ENV ?? 'sql-analytics';
const runId = `bench-sandbox-costs-${process.pid}`;
const labels = { [LABEL_RUN]: runId };

function quantiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
};

/** The same container as SandboxManager.create makes, as `docker run` flags (the config is the single source). */
function dockerRunArgs(image: string, seccompFile: string): string[] {
  const { HostConfig: h, ...c } = hardenedContainerConfig({ image, labels, limits: DEFAULT_LIMITS });
  const args = ['run', '-d', '--user', c.User!, '--workdir', c.WorkingDir!, '--hostname', c.Hostname!, '--network', 'none'];
  for (const [k, v] of Object.entries(c.Labels ?? {})) args.push('--label', `${k}=${v}`);
  for (const cap of h!.CapDrop ?? []) args.push('--cap-drop', cap);
  args.push('--security-opt', 'no-new-privileges', '--security-opt', `seccomp=${seccompFile}`, '--read-only', '--ipc', 'none');
  for (const [path, opts] of Object.entries(h!.Tmpfs ?? {})) args.push('--tmpfs', `${path}:${opts}`);
  args.push('--pids-limit', String(h!.PidsLimit), '--memory', `${h!.Memory}b`, '--memory-swap', `${h!.MemorySwap}b`);
  args.push('--cpus', String(h!.NanoCpus! / 1e9), '--init', '--log-driver', 'none');
  for (const u of h!.Ulimits ?? []) args.push('--ulimit', `${u.Name}=${u.Soft}:${u.Hard}`);
  return [...args, image, ...(c.Cmd as string[])];
}

async function main(): Promise<void> {
  const docker = connectDocker();
  await pingDocker(docker);
  const pkg = new EnvironmentCatalog().get(ENV);
  const image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
  const manager = new SandboxManager(docker, DEFAULT_LIMITS);
  const scratchDir = mkdtempSync(join(tmpdir(), 'tasksynth-bench-'));
  const seccompFile = join(scratchDir, 'seccomp.json');
  writeFileSync(seccompFile, JSON.stringify(seccompProfile()));
  try {
    const scratch = await manager.create(image, labels);
    const [task] = await generateTasks(manager, scratch, pkg, { scope: runId, seed: 1, tier: 0, count: 1, offset: 0 }).finally(() => manager.remove(scratch));

    // Acquire: warm (the pool refilled between samples, as it is while an episode runs) and cold, alternating.
    const removals = new RemovalQueue(manager);
    const pool = new WarmPool(manager, removals, { size: 1, idleMs: 600_000 });
    const pooled = createSandboxActivities(docker, new EnvironmentCatalog(), { pool, removals, maxLiveSandboxes: 64 });
    const unpooled = createSandboxActivities(docker, new EnvironmentCatalog(), { maxLiveSandboxes: 64 });
    const up = (activities: typeof pooled, i: number, side: string) =>
      activities.sandboxUp({
        id: `${task!.id}/model/${side}${i}`, task: task!, image, limits: DEFAULT_LIMITS, ahead: SAMPLES,
        labels: { ...labels, [LABEL_TASK]: task!.id, [LABEL_EPISODE]: `${task!.id}/model/${side}${i}` },
      });
    await up(pooled, -1, 'warmup').then((id) => manager.remove(id));
    const warm: number[] = [];
    const warmAtOnce: number[] = [];
    const cold: number[] = [];
    // Docker's own floor for a handover: one rename of a running container, the call a warm handover waits on.
    const renamed: number[] = [];
    const renameBox = await manager.create(image, labels);
    for (let i = 0; i < SAMPLES; i++) {
      // As a pool works: the next episode asks while an episode of the task runs (a model step alone takes a
      // second or more), well after the warm start it takes has finished. Docker answers a rename of a container
      // more slowly in the moments right after its start, which the row asked at once shows.
      await pool.settled();
      await sleep(SETTLE_MS);
      const [r] = await time(() => manager.rename(renameBox, `tasksynth-bench-rename-${process.pid}-${i}`));
      renamed.push(r);
      const [w, wid] = await time(() => up(pooled, i, 'w'));
      await pool.settled();
      const [a, aid] = await time(() => up(pooled, i, 'a'));
      await pool.settled(); // the refill must not run beside the cold sample
      const [c, cid] = await time(() => up(unpooled, i, 'c'));
      warm.push(w);
      warmAtOnce.push(a);
      cold.push(c);
      await Promise.all([manager.remove(wid), manager.remove(aid), manager.remove(cid)]);
    }
    const handedWarm = pool.stats().warm;
    await Promise.all([pool.drain(), manager.remove(renameBox)]);

    // Cold create+start: ours against the CLI's `docker run -d`, same flags.
    const ours: number[] = [];
    const cli: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const [a, id] = await time(() => manager.create(image, labels));
      const [b, out] = await time(() => run('docker', dockerRunArgs(image, seccompFile)));
      ours.push(a);
      cli.push(b);
      await Promise.all([manager.remove(id), manager.remove(out.stdout.trim())]);
    }

    // Exec: ours against `docker exec`, the same command in the same container.
    const box = await manager.create(image, labels);
    const execOurs: number[] = [];
    const execCli: number[] = [];
    try {
      for (let i = 0; i < SAMPLES; i++) {
        const [a, r] = await time(() => manager.exec(box, ['cat', '/etc/hostname']));
        const [b] = await time(() => run('docker', ['exec', '-u', '1000:1000', '-w', '/work', box, 'timeout', '-s', 'KILL', '30', 'cat', '/etc/hostname']));
        if (r.exitCode !== 0) throw new Error(`exec failed: ${r.output}`);
        execOurs.push(a);
        execCli.push(b);
      }
    } finally {
      await manager.remove(box);
    }

    const fmt = (n: number) => n.toFixed(1).padStart(8);
    const row = (name: string, s: number[]) => {
      const q = quantiles(s);
      return `${name.padEnd(44)}${fmt(q.p50)}${fmt(q.p95)}${fmt(q.mean)}`;
    };
    console.log(`sandbox costs (${ENV} tasks, ${SAMPLES} samples each, ms)`);
    console.log(`${''.padEnd(44)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'mean'.padStart(8)}`);
    console.log(row(`acquire, warm pool (${handedWarm}/${2 * SAMPLES} warm)`, warm));
    console.log(row('  the same, asked at once after its warm start', warmAtOnce));
    console.log(row('  docker rename alone (its floor)', renamed));
    console.log(row('acquire, no pool (create, start, setup)', cold));
    console.log(row('create+start, SandboxManager', ours));
    console.log(row('create+start, docker run -d', cli));
    console.log(row('exec, SandboxManager', execOurs));
    console.log(row('exec, docker exec', execCli));
    const p50 = (s: number[]) => quantiles(s).p50;
    console.log(`warm acquire p50 ${p50(warm).toFixed(1)} ms (goal <= 5 ms); ${(p50(cold) / p50(warm)).toFixed(0)}x faster than a cold acquire; ` +
        `a rename alone ${p50(renamed).toFixed(1)} ms`);
    console.log(`cold create+start vs docker run ${(p50(ours) / p50(cli)).toFixed(2)}x (goal <= 1.2x)`);
    console.log(`exec vs docker exec ${(p50(execOurs) / p50(execCli)).toFixed(2)}x (goal <= 1.1x)`);
  } finally {
    await manager.reap(0, labels);
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
