// Benchmark: the embedded engine's step time on a quiet machine and with another process busy for a share of one
// core (a quarter, half, three quarters, all of it; BENCH_SHARES), with its thread count following the load
// (adaptThreads, the default) against a fixed thread count (the baseline) and against one thread, all in one
// process on the same steps. llama.cpp's threads wait for one another at every layer,
// so one thread sharing a core with a busy process holds all of them up; the goal is at most 2x the quiet time
// under load. Also checks that both engines produce the same outputs (the thread count must change no result).
// Run: npm run bench:threads (needs the default model: npm run setup).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { FILES_PROMPTS, filesTools } from './files-prompts.js';
import { EmbeddedEngine } from '../inference/embedded-engine.js';
import { resolveModelPath } from '../inference/model-path.js';
import type { ChatMessage, ToolSpec } from '../schemas/types.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 6);

interface Tally {
  ms: number;
  tokens: number;
  outputs: string[];
}

async function steps(engine: EmbeddedEngine, tools: ToolSpec[], prompts: string[], count = STEPS): Promise<Tally> {
  const tally: Tally = { ms: 0, tokens: 0, outputs: [] };
  for (let i = 0; i < count; i++) {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are an agent working in a Linux sandbox. You act only by calling tools, one call per turn.' },
      { role: 'user', content: prompts[i % prompts.length]! },
    ];
    const out = await engine.step({ messages, tools, seed: 100 + i, temperature: i % 2 === 0 ? 0 : 0.8, maxTokens: 96 });
    tally.ms += out.durationMs;
    tally.tokens += (out.usage?.evaluatedTokens ?? 0) + (out.usage?.completionTokens ?? 0);
    tally.outputs.push(out.raw);
  }
  return tally;
}

/**
 * A neighbour that wants `share` of one core: it spins whenever the CPU time it has had falls behind `share` of the
 * time since it started, and naps otherwise, so it takes that share even while it competes with the engine for a
 * core (spinning for a share of the wall clock would get less). Share 1 spins without a break, as a build or another
 * job does. It exits by itself once its parent is gone, so a killed benchmark leaves no spinner behind.
 */
function hog(share: number): ChildProcess {
  const script = [
    `const parent = ${process.pid}, share = ${share}, nap = new Int32Array(new SharedArrayBuffer(4));`,
    'const t0 = Date.now(), c0 = process.cpuUsage();',
    'for (;;) {',
    '  if (process.ppid !== parent) process.exit(0);',
    '  const c = process.cpuUsage(c0);',
    '  if ((c.user + c.system) / 1000 < share * (Date.now() - t0)) { const t = Date.now(); while (Date.now() - t < 2); }',
    '  else Atomics.wait(nap, 0, 0, 2);',
    '}',
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  child.on('error', (error) => console.error(`the neighbour process failed: ${error.message}`));
  return child;
}

/** CPU seconds a process has used, from /proc (0 once it is gone). */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** The phases: the share of one core a neighbour keeps busy. */
const PHASES = (process.env.BENCH_SHARES ?? '0,0.25,0.5,0.75,1').split(',').map(Number);
const phaseName = (share: number) => (share === 0 ? 'quiet' : share === 1 ? 'one core busy' : `${share} core busy`);

async function main(): Promise<void> {
  const tools = filesTools();
  const prompts = FILES_PROMPTS;
  const threads = availableParallelism();
  const path = resolveModelPath();
  // Every step from an empty sequence: each measures the same work.
  if (PHASES.some((x) => !(x >= 0 && x <= 1))) throw new Error(`BENCH_SHARES must list shares of a core from 0 to 1, got "${process.env.BENCH_SHARES}"`);
  const adaptive = await EmbeddedEngine.load(path, { reusePrefix: false, threads });
  const fixed = await EmbeddedEngine.load(path, { reusePrefix: false, threads, adaptThreads: false });
  // One thread fixed: where it beats all of them under a partial load, the adaptive rule should pick it there.
  const single = threads > 1 ? await EmbeddedEngine.load(path, { reusePrefix: false, threads: 1, adaptThreads: false }) : null;
  const engines = [['adaptive threads', adaptive], [`fixed ${threads} threads`, fixed], ...(single ? [['fixed 1 thread', single] as const] : [])] as const;
  const rows: Array<{ phase: string; engine: string; tally: Tally; neighbourCores: number }> = [];
  try {
    for (const share of PHASES) {
      const phase = phaseName(share);
      const neighbour = share === 0 ? null : hog(share);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        for (const [name, engine] of engines) {
          await steps(engine, tools, prompts, 1); // warm-up: the load estimate needs one window
          const [cpu0, wall0] = [cpuSecondsOf(neighbour?.pid), performance.now()];
          const tally = await steps(engine, tools, prompts);
          // What the neighbour really had beside this engine: the share it asked for, or less where it lost out.
          const neighbourCores = neighbour ? (cpuSecondsOf(neighbour.pid) - cpu0) / ((performance.now() - wall0) / 1000) : 0;
          rows.push({ phase, engine: name, tally, neighbourCores });
        }
      } finally {
        neighbour?.kill('SIGKILL');
      }
    }
  } finally {
    await adaptive.close();
    await fixed.close();
    await single?.close();
  }
  const quiet = (engine: string) => rows.find((r) => r.phase === 'quiet' && r.engine === engine)?.tally.ms;
  console.log(`threads under load: ${STEPS} steps each, ${threads} cores, SmolLM2 (reusePrefix off, every step the same work)`);
  console.log('phase          | engine             | ms/step | tokens/s | vs its quiet time | neighbour used (cores)');
  for (const r of rows) {
    console.log(
      `${r.phase.padEnd(14)} | ${r.engine.padEnd(18)} | ${(r.tally.ms / STEPS).toFixed(0).padStart(7)} | ${(r.tally.tokens / (r.tally.ms / 1000)).toFixed(0).padStart(8)} | ${(quiet(r.engine) ? `${(r.tally.ms / quiet(r.engine)!).toFixed(2)}x` : 'n/a').padStart(17)} | ${r.neighbourCores.toFixed(2)}`,
    );
  }
  for (const phase of PHASES.map(phaseName)) {
    const [a, ...others] = rows.filter((r) => r.phase === phase).map((r) => r.tally.outputs);
    const same = a!.filter((o, i) => others.every((b) => o === b[i])).length;
    console.log(`${phase}: ${same} of ${STEPS} outputs identical between the ${others.length + 1} engines`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
