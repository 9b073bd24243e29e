// Benchmark: the embedded engine's step time on a quiet machine and with another process busy for a share of one
// core (a quarter, half, three quarters, all of it; BENCH_SHARES), with its thread count following the load
// (adaptThreads, the default) against a fixed thread count (the baseline) and against one thread, all in one
// process on the same steps. llama.cpp's threads wait for one another at every layer,
// so one thread sharing a core with a busy process holds all of them up; the goal is at most 2x the quiet time
// under load. Also checks that both engines produce the same outputs (the thread count must change no result).
// Run: npm run bench:threads (needs the default model: npm run setup).
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
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
 * A neighbour busy for `share` of one core: spinning for that part of every 100 ms and sleeping the rest (share 1
 * spins without a break, as a build or another job does). Partial shares show where one thread starts to beat two.
 */
function hog(share: number): ChildProcess {
  const busyMs = Math.round(share * 100);
  const script =
    `const nap = new Int32Array(new SharedArrayBuffer(4));` +
    `for (;;) { const t = Date.now(); while (Date.now() - t < ${busyMs}); if (${100 - busyMs} > 0) Atomics.wait(nap, 0, 0, ${100 - busyMs}); }`;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
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
  const rows: Array<{ phase: string; engine: string; tally: Tally }> = [];
  try {
    for (const share of PHASES) {
      const phase = phaseName(share);
      const neighbour = share === 0 ? null : hog(share);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        for (const [name, engine] of engines) {
          await steps(engine, tools, prompts, 1); // warm-up: the load estimate needs one window
          rows.push({ phase, engine: name, tally: await steps(engine, tools, prompts) });
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
  console.log('phase          | engine             | ms/step | tokens/s | vs its quiet time');
  for (const r of rows) {
    console.log(
      `${r.phase.padEnd(14)} | ${r.engine.padEnd(18)} | ${(r.tally.ms / STEPS).toFixed(0).padStart(7)} | ${(r.tally.tokens / (r.tally.ms / 1000)).toFixed(0).padStart(8)} | ${quiet(r.engine) ? `${(r.tally.ms / quiet(r.engine)!).toFixed(2)}x` : 'n/a'}`,
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
