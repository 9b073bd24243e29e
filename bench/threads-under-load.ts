// Benchmark: the embedded engine's step time on a quiet machine and with another process spinning on one core,
// with its thread count following the load (adaptThreads, the default) against a fixed thread count (the
// baseline), both in one process on the same steps. llama.cpp's threads wait for one another at every layer,
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

function hog(): ChildProcess {
  // One shell spinning on a core, as a busy neighbour (a build, another job) does.
  return spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const tools = filesTools();
  const prompts = FILES_PROMPTS;
  const threads = availableParallelism();
  const path = resolveModelPath();
  // Every step from an empty sequence: each measures the same work.
  const adaptive = await EmbeddedEngine.load(path, { reusePrefix: false, threads });
  const fixed = await EmbeddedEngine.load(path, { reusePrefix: false, threads, adaptThreads: false });
  const rows: Array<{ phase: string; engine: string; tally: Tally }> = [];
  try {
    for (const phase of ['quiet', 'one core busy'] as const) {
      const neighbour = phase === 'quiet' ? null : hog();
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        for (const [name, engine] of [['adaptive threads', adaptive], [`fixed ${threads} threads`, fixed]] as const) {
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
  }
  const quiet = (engine: string) => rows.find((r) => r.phase === 'quiet' && r.engine === engine)!.tally.ms;
  console.log(`threads under load: ${STEPS} steps each, ${threads} cores, SmolLM2 (reusePrefix off, every step the same work)`);
  console.log('phase          | engine             | ms/step | tokens/s | vs its quiet time');
  for (const r of rows) {
    console.log(
      `${r.phase.padEnd(14)} | ${r.engine.padEnd(18)} | ${(r.tally.ms / STEPS).toFixed(0).padStart(7)} | ${(r.tally.tokens / (r.tally.ms / 1000)).toFixed(0).padStart(8)} | ${(r.tally.ms / quiet(r.engine)).toFixed(2)}x`,
    );
  }
  for (const phase of ['quiet', 'one core busy']) {
    const [a, b] = rows.filter((r) => r.phase === phase).map((r) => r.tally.outputs);
    const same = a!.filter((o, i) => o === b![i]).length;
    console.log(`${phase}: ${same} of ${STEPS} outputs identical between the two engines`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
