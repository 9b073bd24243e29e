// Benchmark: the chaos run in full (20 worker SIGKILLs over two workers, one Temporal dev server kill and restart,
// one Docker daemon restart) against the same run without faults, measured in the same invocation, side by side.
// Run: npm run bench:chaos (root, the Docker engine, the model: npm run setup). Sizes: CHAOS_TASKS, CHAOS_K.
import { dockerRestartable, runChaos, type ChaosReport } from './chaos-harness.js';

const tasks = Number(process.env.CHAOS_TASKS ?? 8);
const k = Number(process.env.CHAOS_K ?? 3);

async function main(): Promise<void> {
  if (!dockerRestartable()) throw new Error('bench/chaos restarts the Docker daemon: run it as root on a machine whose dockerd it may restart');
  const log = (line: string) => console.error(`  ${line}`);
  console.error(`baseline: ${tasks} tasks x ${k} episodes, no faults`);
  const baseline = await runChaos({ kills: 0, serverRestarts: 0, dockerRestarts: 0, tasks, episodesPerTask: k, seed: 23, everyMs: 0, log });
  console.error(`chaos: the same run with 20 kills, 1 server restart, 1 Docker restart`);
  const chaos = await runChaos({ kills: 20, serverRestarts: 1, dockerRestarts: 1, tasks, episodesPerTask: k, seed: 23, everyMs: 6_000, log });
  const row = (name: string, r: ChaosReport) =>
    `${name.padEnd(9)} ${String(r.kills).padStart(5)} ${String(r.serverRestarts + r.dockerRestarts).padStart(8)} ${String(r.episodes).padStart(8)} ` +
    `${String(r.lost).padStart(4)} ${String(r.duplicated).padStart(10)} ${String(r.leaked).padStart(6)} ${(r.wallMs / 1000).toFixed(1).padStart(8)} s`;
  console.log('run       kills restarts episodes lost duplicated leaked     wall');
  console.log(row('baseline', baseline));
  console.log(row('chaos', chaos));
  console.log(`wall time with faults: ${(chaos.wallMs / baseline.wallMs).toFixed(2)}x the run without`);
  if (chaos.lost || chaos.duplicated || chaos.leaked) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
