// Benchmark: the embedded engine keeping what its sequence evaluated (prefix reuse) against clearing the sequence
// before every step (the baseline), on the same multi-step episodes in one process. Both engines load the same
// model; episodes alternate between them so that any load on the machine falls on both alike. Prints model time
// per episode, prompt tokens evaluated and reused, and whether the two produced the same output at every step
// (the rule the engine states: a step's output depends on its input and seed only, not on the sequence's state).
// Run: npm run bench:prefix (needs the default model: npm run setup).
import { performance } from 'node:perf_hooks';
import { FILES_PROMPTS, filesTools } from './files-prompts.js';
import { EmbeddedEngine } from '../inference/embedded-engine.js';
import { resolveModelPath } from '../inference/model-path.js';
import { SUBMIT_TOOL, type ChatMessage, type ModelStepResult, type ToolSpec } from '../schemas/types.js';

const EPISODES = Number(process.env.BENCH_EPISODES ?? 6);
const STEPS = Number(process.env.BENCH_STEPS ?? 4);
const TEMPERATURE = Number(process.env.BENCH_TEMPERATURE ?? 0.8);

interface Tally {
  ms: number;
  steps: number;
  prompt: number;
  evaluated: number;
  completion: number;
}

/** One episode: STEPS model calls, each tool answered by a fixed line, so both engines see the same turns. */
async function episode(engine: EmbeddedEngine, tools: ToolSpec[], prompt: string, seed: number, tally: Tally): Promise<string[]> {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are an agent working in a Linux sandbox. You act only by calling tools, one call per turn.' },
    { role: 'user', content: prompt },
  ];
  const raws: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    let out: ModelStepResult;
    try {
      out = await engine.step({ messages, tools, seed: seed * 100 + i, temperature: TEMPERATURE, maxTokens: 96 });
    } catch (error) {
      raws.push(`invalid: ${(error as Error).message}`);
      break;
    }
    tally.ms += out.durationMs;
    tally.steps++;
    tally.prompt += out.usage?.promptTokens ?? 0;
    tally.evaluated += out.usage?.evaluatedTokens ?? 0;
    tally.completion += out.usage?.completionTokens ?? 0;
    raws.push(out.raw);
    const callId = `call_${i}`;
    messages.push({ role: 'assistant', toolCall: out.toolCall, callId });
    if (out.toolCall.name === SUBMIT_TOOL) break;
    messages.push({ role: 'tool', callId, name: out.toolCall.name, content: `done: ${out.toolCall.name} (step ${i + 1})` });
  }
  return raws;
}

async function main(): Promise<void> {
  const tools = filesTools();
  const prompts = FILES_PROMPTS;
  const modelPath = resolveModelPath();
  const reuse = await EmbeddedEngine.load(modelPath, { reusePrefix: true });
  const clear = await EmbeddedEngine.load(modelPath, { reusePrefix: false });
  const tallies = { reuse: zero(), clear: zero() };
  let same = 0;
  let compared = 0;
  try {
    for (let e = 0; e < EPISODES; e++) {
      const prompt = prompts[e % prompts.length]!;
      // Alternate which engine goes first, so neither always runs on a warmer cache or a quieter moment.
      const order = e % 2 === 0 ? (['reuse', 'clear'] as const) : (['clear', 'reuse'] as const);
      const outs: Record<string, string[]> = {};
      for (const mode of order) outs[mode] = await episode(mode === 'reuse' ? reuse : clear, tools, prompt, e + 1, tallies[mode]);
      const [a, b] = [outs.reuse!, outs.clear!];
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        compared++;
        if (a[i] === b[i]) same++;
      }
      process.stderr.write(`\r  ${e + 1}/${EPISODES} episodes`);
    }
  } finally {
    await reuse.close();
    await clear.close();
  }
  process.stderr.write('\n');
  const row = (name: string, t: Tally) =>
    `${name.padEnd(22)} ${(t.ms / EPISODES / 1000).toFixed(2).padStart(10)} ${String(t.steps).padStart(6)} ${String(t.prompt).padStart(9)} ${String(t.evaluated).padStart(10)} ${String(t.prompt - t.evaluated).padStart(8)} ${String(t.completion).padStart(11)}`;
  console.log(`prefix reuse, ${EPISODES} episodes of up to ${STEPS} steps each, SmolLM2 embedded, same seeds`);
  console.log(`${'engine'.padEnd(22)} ${'s/episode'.padStart(10)} ${'steps'.padStart(6)} ${'prompt'.padStart(9)} ${'evaluated'.padStart(10)} ${'reused'.padStart(8)} ${'completion'.padStart(11)}`);
  console.log(row('clear every step', tallies.clear));
  console.log(row('reuse prefix', tallies.reuse));
  console.log(`model time: ${(tallies.clear.ms / tallies.reuse.ms).toFixed(2)}x faster with reuse`);
  console.log(`same output at ${same} of ${compared} steps`);
}

function zero(): Tally {
  return { ms: 0, steps: 0, prompt: 0, evaluated: 0, completion: 0 };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
