// Benchmark: the embedded engine's decode speed against node-llama-cpp called directly, in one process, with the
// same model file, the same context (size, sequences, batch size, read from the engine's own context) and the same
// fixed thread count (the engine's adaptive threads off). Goal: engine decode tokens/s at least 0.95x direct.
//
// Engine side: each round runs one step cold (the prompt starts with a round number, so the sequence holds almost
// none of it), then the same step again warm (the sequence holds the whole prompt, evaluatedTokens ~0). The engine
// reports only a step's total time, so the warm step stands for its decode time: decode tokens/s = tokens the step
// decoded / warm step time. That time also holds the step's own work around decoding (rendering and tokenizing the
// prompt, matching it against the sequence, parsing the call), which is part of what a step costs. Tokens decoded
// come from the engine's sequences' token meters, not its completionTokens, which re-tokenizes the call it returns:
// node-llama-cpp's JSON grammar ends every call with "\n\n\n\n", decoded and then trimmed, and whitespace the model
// writes a space at a time re-tokenizes into fewer tokens. The rate over completionTokens (what a caller gets) is
// printed too. Time to first token is estimated as the cold step minus the warm step's time per token for all tokens
// after the first. A step whose greedy output loops until maxTokens writes no valid call but still decoded, so it
// is measured all the same; the engine keeps no conversation after such a step, so a round whose warm step had to
// evaluate the prompt again is left out of the engine's figures (and says so).
// Direct side: the same prompt tokens (same chat wrapper, same rendering) evaluated on an empty sequence, then
// greedy generation of exactly BENCH_TOKENS tokens (end-of-generation tokens banned): time to first token is the
// prompt evaluation up to the first token; decode tokens/s counts the tokens after it over the time after it.
// A third row, for diagnosis, decodes directly with the sampling the engine's steps use (its tool-call grammar and
// the chat's default repeat penalty), so a gap splits into sampling cost and the rest of a step; two more rows take
// the grammar alone and the penalty alone (over as many tokens as the grammar's run), to say which part costs what.
// Engine and direct runs alternate which goes first over BENCH_ROUNDS rounds, so machine load falls on both alike;
// the figures are medians over rounds (tokens/s per round), so a burst of load in one round does not decide them.
// The engine runs one step at a time on one of its sequences, so per-sequence and aggregate tokens/s are the same
// figure; the direct baseline likewise decodes one sequence of a context with as many sequences as the engine's.
// Run: npm run build && node dist/bench/decode-speed.js (needs the default model: npm run setup).
// Sizes: BENCH_ROUNDS (default 9), BENCH_TOKENS (default 128).
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  getLlama,
  LlamaGrammarEvaluationState,
  resolveChatWrapper,
  TokenBias,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type SequenceEvaluateOptions,
  type Token,
} from 'node-llama-cpp';
import { FILES_PROMPTS, filesTools } from './files-prompts.js';
import { EmbeddedEngine } from '../inference/embedded-engine.js';
import { InvalidModelOutputError } from '../inference/engine.js';
import { resolveModelPath } from '../inference/model-path.js';
import { renderChatHistory } from '../inference/prompt.js';
import { buildToolCallSchema } from '../inference/tool-call-schema.js';
import type { ChatMessage, ModelStepInput, ModelStepResult, ToolSpec } from '../schemas/types.js';

/** The step budget the other model benchmarks use. */
const MAX_TOKENS = 96;
/** node-llama-cpp's chat applies a repeat penalty over its last 64 generated tokens unless told otherwise. */
const CHAT_PENALTY_TOKENS = 64;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** One side's figures for one round. */
interface Sample {
  promptTokens: number;
  ttftMs: number;
  /** Tokens decoded after the prompt, and the time they took (per side, as the header says). */
  decoded: number;
  decodeMs: number;
  /** Engine only: the tokens of the call it returned, as it counts them (none for a step that wrote no valid call). */
  callTokens: number;
}

interface Tally {
  samples: Sample[];
  /** Engine only: rounds left out because the warm step was not warm. */
  skipped: number;
}

const zero = (): Tally => ({ samples: [], skipped: 0 });

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The round's conversation; the leading round number makes the engine's first step evaluate nearly all of it. */
function conversation(round: number | 'warm-up'): ChatMessage[] {
  return [
    { role: 'system', content: `Session ${round}. You are an agent working in a Linux sandbox. You act only by calling tools, one call per turn.` },
    { role: 'user', content: FILES_PROMPTS[typeof round === 'number' ? round % FILES_PROMPTS.length : 0]! },
  ];
}

interface EngineInternals {
  context: LlamaContext;
  sequences: LlamaContextSequence[];
}

/**
 * The engine's context and sequences, read from its private fields: the baseline must use the sizes the engine
 * actually created (not a copy of its defaults that could drift), and the sequences' token meters count every token
 * a step decodes, including those it trims from the call it reports.
 */
function internals(engine: EmbeddedEngine): EngineInternals {
  const peek = engine as unknown as { context?: LlamaContext; slots?: Array<{ sequence?: LlamaContextSequence }> };
  const sequences = (peek.slots ?? []).flatMap((slot) => (slot.sequence ? [slot.sequence] : []));
  if (peek.context === undefined || typeof peek.context.totalSequences !== 'number' || sequences.length === 0) {
    throw new Error('bench/decode-speed reads EmbeddedEngine\'s `context` and `slots` fields, which are no longer there: update the bench');
  }
  return { context: peek.context, sequences };
}

/** The engine's sequences' meters summed: tokens evaluated as input, and tokens sampled (one decode each). */
function metered(engine: EngineInternals): { input: number; output: number } {
  const sum = (pick: (s: LlamaContextSequence) => number) => engine.sequences.reduce((n, s) => n + pick(s), 0);
  return { input: sum((s) => s.tokenMeter.usedInputTokens), output: sum((s) => s.tokenMeter.usedOutputTokens) };
}

/**
 * One engine step, measured whether or not the model wrote a valid call: a greedy step that loops until maxTokens
 * fails to parse, yet it decoded every one of those tokens, which is what this benchmark times.
 */
async function measuredStep(engine: EmbeddedEngine, inside: EngineInternals, input: ModelStepInput) {
  const before = metered(inside);
  const started = performance.now();
  let out: ModelStepResult | null = null;
  try {
    out = await engine.step(input);
  } catch (error) {
    if (!(error instanceof InvalidModelOutputError)) throw error;
  }
  // The engine's own step time when it returned one; a failed step reports none, so the same span from outside.
  const ms = out?.durationMs ?? performance.now() - started;
  const after = metered(inside);
  return { ms, evaluated: after.input - before.input, decoded: after.output - before.output, callTokens: out?.usage?.completionTokens ?? 0 };
}

async function engineRound(
  engine: EmbeddedEngine,
  inside: EngineInternals,
  tools: ToolSpec[],
  round: number,
  prompt: Token[],
  tally: Tally,
): Promise<void> {
  const input: ModelStepInput = { messages: conversation(round), tools, seed: round + 1, temperature: 0, maxTokens: MAX_TOKENS };
  const cold = await measuredStep(engine, inside, input);
  // Both sides must decode after the very same tokens, or their attention spans differ.
  const holds = (s: LlamaContextSequence) => {
    const held = s.contextTokens;
    return held.length > prompt.length && prompt.every((t, i) => held[i] === t);
  };
  if (!inside.sequences.some(holds)) {
    throw new Error(`round ${round + 1}: the engine evaluated a prompt other than the direct side's ${prompt.length} tokens`);
  }
  const warm = await measuredStep(engine, inside, input);
  if (warm.evaluated > 0) {
    // The engine keeps a sequence's conversation only after a valid call, so a cold step that failed leaves nothing
    // to reuse: this round's engine figures would mix prompt evaluation into decoding.
    process.stderr.write(
      `\n  round ${round + 1}: the engine's second step evaluated ${warm.evaluated} prompt tokens (its first wrote no valid call); engine figures left out\n`,
    );
    tally.skipped++;
    return;
  }
  const perToken = warm.ms / warm.decoded;
  const ttft = cold.ms - (cold.decoded - 1) * perToken;
  tally.samples.push({
    promptTokens: prompt.length,
    // Not positive when load from elsewhere slowed the warm step more than the cold one: no estimate then.
    ttftMs: ttft > 0 ? ttft : Number.NaN,
    decoded: warm.decoded,
    decodeMs: warm.ms,
    callTokens: warm.callTokens,
  });
}

/** The engine's prompt for a conversation as tokens, rendered the way its chat renders it. */
function promptTokens(model: LlamaModel, messages: ChatMessage[], tools: ToolSpec[]): Token[] {
  const chatHistory = [...renderChatHistory(messages, tools), { type: 'model' as const, response: [] }];
  return resolveChatWrapper(model).generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer);
}

/**
 * Evaluates the prompt on an empty sequence and generates until `limit` tokens or `stop` says so. Returns the time to
 * the first token and the time and count of the decodes after it. A run that ends by itself ended on an
 * end-of-generation token, which evaluate() samples but does not yield: that decode is counted too.
 */
async function directRun(
  sequence: LlamaContextSequence,
  prompt: Token[],
  limit: number,
  options: (generated: Token[]) => SequenceEvaluateOptions,
  stop: (generated: Token[]) => boolean = () => false,
): Promise<{ ttftMs: number; decodeMs: number; tokens: number; generated: Token[] }> {
  await sequence.clearHistory();
  const generated: Token[] = [];
  const started = performance.now();
  let first = started;
  let ended: 'limit' | 'stop' | 'itself' = 'itself';
  for await (const token of sequence.evaluate(prompt, options(generated))) {
    generated.push(token);
    if (generated.length === 1) first = performance.now();
    if (generated.length >= limit) ended = 'limit';
    else if (stop(generated)) ended = 'stop';
    if (ended !== 'itself') break;
  }
  const last = performance.now();
  if (generated.length === 0) throw new Error('direct generation produced no token');
  return { ttftMs: first - started, decodeMs: last - first, tokens: generated.length - 1 + (ended === 'itself' ? 1 : 0), generated };
}

async function main(): Promise<void> {
  const rounds = positiveInt('BENCH_ROUNDS', 9);
  const runLength = positiveInt('BENCH_TOKENS', 128);
  if (runLength < 2) throw new Error('BENCH_TOKENS must be at least 2: the first token is timed apart from decoding');
  const tools = filesTools();
  const modelPath = resolveModelPath();
  // The engine's own default thread count, fixed for the run so both sides use exactly the same.
  const threads = availableParallelism();
  const engine = await EmbeddedEngine.load(modelPath, { threads, adaptThreads: false });
  let llama: Llama | undefined;
  const tallies = { engine: zero(), direct: zero(), sampled: zero(), grammarOnly: zero(), penaltyOnly: zero() };
  try {
    const inside = internals(engine);
    const shape = inside.context;
    // The same getLlama and loadModel options the engine uses.
    llama = await getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, skipDownload: true, progressLogs: false, maxThreads: threads });
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    const context = await model.createContext({
      contextSize: shape.contextSize,
      sequences: shape.totalSequences,
      batchSize: shape.batchSize,
      threads,
    });
    const sizes = (c: LlamaContext) => `${c.contextSize}/${c.batchSize}/${c.totalSequences}`;
    if (sizes(context) !== sizes(shape)) {
      throw new Error(`the direct context differs from the engine's: ${sizes(context)} against ${sizes(shape)} (size/batch/sequences)`);
    }
    const sequence = context.getSequence();
    const grammar: LlamaGrammar = await llama.createGrammarForJsonSchema(buildToolCallSchema(tools));
    // Plain greedy decoding of exactly runLength tokens: banning the end-of-generation tokens keeps every run as long.
    const noEnd = new TokenBias(model.tokenizer);
    for (const token of [model.tokens.eos, model.tokens.eot]) if (token !== null) noEnd.set(token, 'never');
    const plain = (): SequenceEvaluateOptions => ({ temperature: 0, tokenBias: noEnd });
    // What the engine's chat samples with: the call's grammar, and a repeat penalty over the generated tokens
    // (newlines exempt), as node-llama-cpp's LlamaChat applies by default.
    const withGrammar = (): SequenceEvaluateOptions => ({ grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar }) });
    const withPenalty = (generated: Token[]): SequenceEvaluateOptions => ({
      repeatPenalty: {
        punishTokens: () => generated.slice(-CHAT_PENALTY_TOKENS).filter((t) => t !== model.tokens.nl),
        maxPunishTokens: CHAT_PENALTY_TOKENS,
      },
    });
    const sampled = (generated: Token[]): SequenceEvaluateOptions => ({ temperature: 0, ...withGrammar(), ...withPenalty(generated) });
    // The two parts of that sampling apart, to say which one costs what.
    const grammarOnly = (): SequenceEvaluateOptions => ({ temperature: 0, ...withGrammar() });
    const penaltyOnly = (generated: Token[]): SequenceEvaluateOptions => ({ temperature: 0, tokenBias: noEnd, ...withPenalty(generated) });

    // LlamaChat stops a call at the grammar's stop trigger, four newlines, rather than at an end-of-generation token.
    const callComplete = (generated: Token[]) => model.detokenize(generated.slice(-4)).endsWith('\n\n\n\n');

    // Warm-up, untimed: the engine compiles and caches its grammar on its first step; both sides touch their pages.
    await measuredStep(engine, inside, { messages: conversation('warm-up'), tools, seed: 0, temperature: 0, maxTokens: MAX_TOKENS });
    const warmUpPrompt = promptTokens(model, conversation('warm-up'), tools);
    await directRun(sequence, warmUpPrompt, 8, plain);
    await directRun(sequence, warmUpPrompt, 8, sampled);

    for (let round = 0; round < rounds; round++) {
      const prompt = promptTokens(model, conversation(round), tools);
      const direct = async () => {
        const a = await directRun(sequence, prompt, runLength, plain);
        // A run that ends early (the evaluation stops on its own) still timed every token it made; too short a
        // one would time little but the first token.
        if (a.generated.length < Math.min(runLength, 16)) {
          throw new Error(`round ${round + 1}: direct generation stopped after ${a.generated.length} of ${runLength} tokens`);
        }
        add(tallies.direct, prompt.length, a);
        // Mimicked, the penalty may let the text part from the engine's; the rate is what this row is for.
        const b = await directRun(sequence, prompt, runLength, sampled, callComplete);
        add(tallies.sampled, prompt.length, b);
        const c = await directRun(sequence, prompt, runLength, grammarOnly, callComplete);
        add(tallies.grammarOnly, prompt.length, c);
        // As many tokens as the grammar's run, so the two decode over the same positions.
        add(tallies.penaltyOnly, prompt.length, await directRun(sequence, prompt, Math.max(16, c.generated.length), penaltyOnly));
      };
      const viaEngine = () => engineRound(engine, inside, tools, round, prompt, tallies.engine);
      const order = round % 2 === 0 ? [viaEngine, direct] : [direct, viaEngine];
      for (const run of order) await run();
      process.stderr.write(`\r  ${round + 1}/${rounds} rounds`);
    }
    process.stderr.write('\n');

    if (tallies.engine.samples.length === 0) throw new Error(`no round gave engine figures (${tallies.engine.skipped} left out, see above)`);
    const rate = (t: Tally) => median(t.samples.map((x) => x.decoded / (x.decodeMs / 1000)));
    const ttft = (t: Tally) => {
      const known = t.samples.map((x) => x.ttftMs).filter(Number.isFinite);
      return known.length > 0 ? median(known).toFixed(0) : 'n/a';
    };
    const mean = (t: Tally, pick: (x: Sample) => number) => t.samples.reduce((n, x) => n + pick(x), 0) / t.samples.length;
    const row = (name: string, t: Tally) =>
      [
        name.padEnd(40),
        mean(t, (x) => x.promptTokens).toFixed(0).padStart(6),
        ttft(t).padStart(7),
        mean(t, (x) => x.decoded).toFixed(1).padStart(13),
        rate(t).toFixed(1).padStart(12),
      ].join(' | ');
    console.log(
      `decode speed: ${basename(modelPath)}, ${threads} threads, context ${context.contextSize} x ${context.totalSequences} sequences, ` +
        `batch ${context.batchSize}, greedy, ${rounds} rounds alternating (medians)`,
    );
    console.log(`${'side'.padEnd(40)} | prompt | ttft ms | decoded/round | decode tok/s`);
    console.log(row(`direct, ${runLength} tokens`, tallies.direct));
    const skipped = tallies.engine.skipped > 0 ? `, ${tallies.engine.skipped} rounds left out` : '';
    console.log(row(`engine step (ttft: cold - warm${skipped})`, tallies.engine));
    console.log(row("direct with the engine's sampling", tallies.sampled));
    console.log(row('  of which: grammar only', tallies.grammarOnly));
    console.log(row('  of which: repeat penalty only', tallies.penaltyOnly));
    console.log('one sequence decodes at a time on both sides (engine steps are serialized): aggregate tok/s = per-sequence tok/s');
    const [direct, engineRate, sampledRate] = [rate(tallies.direct), rate(tallies.engine), rate(tallies.sampled)];
    console.log(
      `sampling (grammar + repeat penalty) alone: ${(sampledRate / direct).toFixed(2)}x direct; ` +
        `the rest of an engine step: ${(engineRate / sampledRate).toFixed(2)}x; ` +
        `grammar only ${(rate(tallies.grammarOnly) / direct).toFixed(2)}x, repeat penalty only ${(rate(tallies.penaltyOnly) / direct).toFixed(2)}x direct`,
    );
    const e = tallies.engine;
    const useful = median(e.samples.map((x) => x.callTokens / (x.decodeMs / 1000)));
    console.log(
      `engine: ${mean(e, (x) => x.callTokens).toFixed(1)} of ${mean(e, (x) => x.decoded).toFixed(1)} decoded tokens per step ` +
        `count in the call it returns: ${useful.toFixed(1)} call tok/s, ${(useful / direct).toFixed(2)}x direct`,
    );
    const ratio = engineRate / direct;
    console.log(`ratio ${ratio.toFixed(2)} (goal >= 0.95): ${ratio >= 0.95 ? 'met' : 'not met'}`);
  } finally {
    await llama?.dispose();
    await engine.close();
  }
}

function add(tally: Tally, promptTokens: number, run: { ttftMs: number; decodeMs: number; tokens: number }): void {
  tally.samples.push({ promptTokens, ttftMs: run.ttftMs, decoded: run.tokens, decodeMs: run.decodeMs, callTokens: 0 });
}

main().catch((error) => {
  console.error(`bench/decode-speed failed: ${(error as Error).message}`);
  process.exit(1);
});
