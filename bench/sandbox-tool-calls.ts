// Benchmark: what one tool call costs with tasksynth's design (one hardened container per episode, each tool
// call a `docker exec` into it) against the baseline of a fresh hardened container per tool call.
// Both run the same `files` tool call on the same engine in the same process; the ratio is what matters.
// Run: npm run bench (needs the Docker engine and the base image: npm run setup).
import { performance } from 'node:perf_hooks';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { ensureEnvironmentImage } from '../environments/image.js';
import { toolArgv, toolInput } from '../environments/layout.js';
import { baseImageTag } from '../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { DEFAULT_LIMITS } from '../sandboxes/profile.js';
import { SandboxManager } from '../sandboxes/sandbox.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 20);
const call = { name: 'write_file', arguments: { path: 'notes.txt', content: 'apple' } };
const labels = { 'tasksynth.bench': 'sandbox-tool-calls' };

function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { mean: samples.reduce((a, b) => a + b, 0) / samples.length, p50: pick(0.5), p90: pick(0.9) };
}

async function main(): Promise<void> {
  const docker = connectDocker();
  await pingDocker(docker);
  const pkg = new EnvironmentCatalog().get('files');
  const image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
  const sandboxes = new SandboxManager(docker, DEFAULT_LIMITS);
  const argv = toolArgv('files', pkg.tools.find((t) => t.name === call.name)!.argv);
  const stdin = toolInput(call);

  const expectOk = (exitCode: number, what: string) => {
    if (exitCode !== 0) throw new Error(`${what}: tool call exited ${exitCode}`);
  };

  // tasksynth: one container, CALLS execs (container start counted once, spread over the calls).
  const reused: number[] = [];
  const t0 = performance.now();
  const id = await sandboxes.create(image, labels, {});
  const startup = performance.now() - t0;
  try {
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      expectOk((await sandboxes.toolCall(id, argv, { stdin })).exitCode, 'exec into episode sandbox');
      reused.push(performance.now() - t);
    }
  } finally {
    await sandboxes.remove(id);
  }

  // Baseline: create, start, exec, remove for every call.
  const fresh: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    const one = await sandboxes.create(image, labels, {});
    try {
      expectOk((await sandboxes.toolCall(one, argv, { stdin })).exitCode, 'exec into fresh sandbox');
    } finally {
      await sandboxes.remove(one);
    }
    fresh.push(performance.now() - t);
  }

  const a = summarize(reused);
  const b = summarize(fresh);
  const amortized = a.mean + startup / CALLS;
  const row = (name: string, s: { mean: number; p50: number; p90: number }, extra = '') =>
    `${name.padEnd(34)} ${s.mean.toFixed(1).padStart(8)} ${s.p50.toFixed(1).padStart(8)} ${s.p90.toFixed(1).padStart(8)}  ${extra}`;
  console.log(`sandbox tool calls: ${CALLS} calls each, ms per call`);
  console.log(`${''.padEnd(34)} ${'mean'.padStart(8)} ${'p50'.padStart(8)} ${'p90'.padStart(8)}`);
  console.log(row('exec into episode sandbox', a, `(+ ${startup.toFixed(0)} ms start once: ${amortized.toFixed(1)} ms amortized)`));
  console.log(row('baseline: fresh container per call', b));
  console.log(`ratio baseline / tasksynth (amortized mean): ${(b.mean / amortized).toFixed(2)}x`);
}

main().catch((error) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
