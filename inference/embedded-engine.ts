// Runs a GGUF model in-process with node-llama-cpp on the CPU, constrained by a grammar to answer
// with exactly one tool call.
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import {
  getLlama,
  LlamaChat,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import type { ModelStepInput, ModelStepResult, TokenUsage, ToolSpec } from '../schemas/types.js';
import { InvalidModelOutputError, type InferenceEngine } from './engine.js';
import { checkGgufHeader } from './model-check.js';
import { renderChatHistory } from './prompt.js';
import { CpuContention, threadsFor } from './cpu-contention.js';
import { buildToolCallSchema, parseToolCall } from './tool-call-schema.js';

/** Context sequences the engine keeps by default (see EmbeddedEngineOptions.sequences). */
export const DEFAULT_SEQUENCES = 12;

export interface EmbeddedEngineOptions {
  /** Tokens of context; defaults to the model's training context, capped at 8192. */
  contextSize?: number;
  /** CPU only; the option exists so callers can say so explicitly. */
  gpu?: false;
  /** Compute threads; defaults to the cores available to this process. */
  threads?: number;
  /**
   * Before each step, use fewer threads while other processes keep cores busy (default true; see
   * cpu-contention.ts). False keeps `threads` whatever the load (the baseline bench/threads-under-load compares).
   */
  adaptThreads?: boolean;
  /**
   * Keep what the sequence has evaluated and evaluate only the part of a step's prompt that differs from it
   * (default true). Consecutive steps of an episode share everything up to their last turn, and episodes of one
   * task share the system prompt, the tools and the task. False clears the sequence before every step (the
   * baseline the prefix-reuse benchmark compares against).
   */
  reusePrefix?: boolean;
  /** A LoRA adapter (GGUF) applied to the model in this engine's context, at `scale` (default 1). */
  adapter?: { path: string; scale?: number };
  /**
   * Context sequences, each holding one conversation's evaluated tokens (default 12, about 190 MB each for SmolLM2-135M at 8,192 tokens). Steps still run one at a
   * time (decoding several sequences together does not pay on a small CPU), but interleaved episodes each find
   * their own conversation still evaluated instead of evicting one another's.
   */
  sequences?: number;
}

/** A context sequence and the conversation it last evaluated, for routing the next step to it. */
interface SequenceSlot {
  sequence: LlamaContextSequence;
  /** The tools and messages of the last prompt evaluated on it, each as JSON. */
  holds: string[];
  lastUsed: number;
}

export class EmbeddedEngine implements InferenceEngine {
  readonly name: string;
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  // One context sequence holds one conversation's state, and evaluating two prompts on it at once
  // would interleave their tokens. So steps run one at a time: each waits for the previous to settle.
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Steps run so far: the clock for least-recently-used sequences. */
  private steps = 0;

  private constructor(
    modelPath: string,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly slots: SequenceSlot[],
    private readonly chatWrapper: ChatWrapper,
    private readonly reusePrefix: boolean,
    private readonly threads: number,
    private readonly contention: CpuContention | null,
  ) {
    this.name = `embedded:${basename(modelPath)}`;
  }

  /** Loads the model once and creates its single context; the instance then serves every step. */
  static async load(modelPath: string, opts: EmbeddedEngineOptions = {}): Promise<EmbeddedEngine> {
    const threads = opts.threads ?? availableParallelism();
    const llama = await getLlama({
      gpu: false,
      // Use the shipped prebuilt binary or fail: never compile llama.cpp or download its sources.
      build: 'never',
      usePrebuiltBinaries: true,
      skipDownload: true,
      progressLogs: false,
      // node-llama-cpp defaults to at least 4 threads; on a 2-core machine the extra threads spin
      // against each other and generation slows by orders of magnitude.
      maxThreads: threads,
    });
    try {
      const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
      const contextSize = opts.contextSize ?? Math.min(model.trainContextSize, 8192);
      const sequences = opts.reusePrefix === false ? 1 : Math.max(1, opts.sequences ?? DEFAULT_SEQUENCES);
      const adapter = opts.adapter;
      if (adapter) checkGgufHeader(adapter.path);
      const lora = adapter ? { adapters: [{ filePath: adapter.path, scale: adapter.scale ?? 1 }] } : undefined;
      const context = await model.createContext({ contextSize, sequences, threads, ...(lora ? { lora } : {}) }).catch(async (err: unknown) => {
        if (!adapter) throw err;
        await model.dispose();
        throw new Error(`could not apply LoRA adapter ${adapter.path} (made for another model?): ${(err as Error).message}`, { cause: err });
      });
      const slots = Array.from({ length: sequences }, () => ({ sequence: context.getSequence(), holds: [], lastUsed: 0 }));
      // Resolved once from the model's own metadata (its chat template), not per step.
      const chatWrapper = resolveChatWrapper(model);
      const contention = opts.adaptThreads === false ? null : new CpuContention();
      return new EmbeddedEngine(modelPath, llama, model, context, slots, chatWrapper, opts.reusePrefix ?? true, threads, contention);
    } catch (err) {
      await llama.dispose();
      throw new Error(`could not load model ${modelPath}: ${(err as Error).message}`, { cause: err });
    }
  }

  step(input: ModelStepInput): Promise<ModelStepResult> {
    if (this.closed) return Promise.reject(new Error(`${this.name} is closed`));
    const run = this.queue.then(() => this.runStep(input));
    // A failed step must not block the ones queued behind it.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runStep(input: ModelStepInput): Promise<ModelStepResult> {
    const started = performance.now();
    const grammar = await this.grammarFor(input.tools);
    // The trailing empty model turn is the one to generate.
    const history: ChatHistoryItem[] = [...renderChatHistory(input.messages, input.tools), { type: 'model', response: [] }];

    // The rule for retries. A step that finished is in the workflow history and never runs again. A step whose
    // try was lost runs again with the same input and seed; the tokens it evaluates are the same, but the state
    // reused from the sequence was computed in other batches, and llama.cpp's float results differ by batch
    // split in the last bits: usually the same output, but a near tie between two tokens can fall the other way,
    // greedy or sampled (bench/prefix-reuse measures how often; tests/integration/same-results bounds it on a
    // run). Nothing saw the lost try, so nothing depends on it. With reusePrefix false every step
    // starts from an empty sequence and the same input and seed give the same output bit for bit.
    const holds = [JSON.stringify(input.tools), ...input.messages.map((m) => JSON.stringify(m))];
    const slot = this.slotFor(holds);
    const sequence = slot.sequence;
    if (!this.reusePrefix) await sequence.clearHistory();
    if (this.contention) {
      // Sized by the load seen during the previous evaluation. ggml's CPU kernels split the same work by rows,
      // so the thread count should change how fast a result comes, not the result; bench:threads checks it.
      const threads = threadsFor(this.threads, availableParallelism(), this.contention.othersBusy());
      if (this.llama.maxThreads !== threads) this.llama.maxThreads = threads;
      this.contention.start();
    }
    // Forgotten until the step succeeds: a failed step may leave the sequence anywhere.
    slot.holds = [];
    const metered = sequence.tokenMeter.getState();
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: this.chatWrapper });
    let raw: string;
    let stopReason: string;
    let usage: TokenUsage;
    // The prompt as tokens, to report its size exactly; what the model generates, token by token as it comes.
    const promptLength = this.promptTokens(input.messages, input.tools).length;
    const outputTokens: number[] = [];
    try {
      const response = await chat.generateResponse(history, {
        onToken: (tokens) => outputTokens.push(...tokens),
        grammar,
        temperature: input.temperature,
        // llama.cpp seeds are 32-bit unsigned; derived seeds may be larger or negative.
        seed: input.seed >>> 0,
        maxTokens: input.maxTokens,
      });
      raw = response.response;
      stopReason = response.metadata.stopReason;
      const used = sequence.tokenMeter.diff(metered);
      const completionTokens = this.model.tokenize(raw, false, 'trimLeadingSpace').length;
      usage = { promptTokens: promptLength, evaluatedTokens: used.usedInputTokens, completionTokens };
      slot.holds = holds;
      slot.lastUsed = ++this.steps;
    } finally {
      this.contention?.stop();
      chat.dispose({ disposeSequence: false });
    }

    try {
      const toolCall = parseToolCall(raw, input.tools);
      return { toolCall, raw, durationMs: performance.now() - started, usage, outputTokens };
    } catch (err) {
      if (err instanceof InvalidModelOutputError && stopReason === 'maxTokens') {
        throw new InvalidModelOutputError(
          `${err.message} (generation stopped at maxTokens=${input.maxTokens} before the call was complete)`,
          raw,
        );
      }
      throw err;
    }
  }

  /**
   * The sequence whose conversation shares the most leading messages (and the tools) with this prompt: the next
   * step of the same episode finds its whole history there, another episode of the same task its task prompt.
   * Ties go to the least recently used, so a new conversation evicts the one idle longest.
   */
  private slotFor(holds: string[]): SequenceSlot {
    const shared = (slot: SequenceSlot) => {
      let n = 0;
      while (n < holds.length && n < slot.holds.length && slot.holds[n] === holds[n]) n++;
      return n;
    };
    let best = this.slots[0]!;
    let bestShared = shared(best);
    for (const slot of this.slots.slice(1)) {
      const n = shared(slot);
      if (n > bestShared || (n === bestShared && slot.lastUsed < best.lastUsed)) [best, bestShared] = [slot, n];
    }
    return best;
  }

  /** Grammars take a while to compile, and a task family offers the same tools on every step. */
  private grammarFor(tools: ToolSpec[]): Promise<LlamaGrammar> {
    const key = JSON.stringify(tools.map((t) => [t.name, t.parameters]));
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.llama.createGrammarForJsonSchema(buildToolCallSchema(tools));
      // Don't cache a failure; the next step gets a fresh attempt and its own error.
      grammar.catch(() => this.grammars.delete(key));
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /**
   * The tokens the engine evaluates before it generates a step for `messages` and `tools`: its own rendering and
   * its model's chat wrapper, as generateResponse builds them. The training export takes its prompts from here,
   * so what a model is trained on is what the engine shows it.
   */
  promptTokens(messages: ModelStepInput['messages'], tools: ToolSpec[]): number[] {
    const history: ChatHistoryItem[] = [...renderChatHistory(messages, tools), { type: 'model', response: [] }];
    const { contextText } = this.chatWrapper.generateContextState({ chatHistory: history });
    return [...contextText.tokenize(this.model.tokenizer)];
  }

  /** The tokens of a step's raw output, as the model wrote them after its prompt. */
  outputTokens(raw: string): number[] {
    return [...this.model.tokenize(raw, false, 'trimLeadingSpace')];
  }

  /**
   * The model's mean negative log-likelihood (nats per token) of the labelled tokens of a training line, as this
   * engine computes it (its weights and adapter): labels[i] is the token expected at i, or IGNORED_LABEL; each is
   * scored by the distribution after input_ids[..i-1]. A trained adapter should lower it on its training lines.
   */
  tokenLoss(inputIds: number[], labels: number[]): Promise<{ loss: number; tokens: number }> {
    if (inputIds.length !== labels.length) return Promise.reject(new Error(`tokenLoss: ${inputIds.length} input ids but ${labels.length} labels`));
    const run = this.queue.then(async () => {
      const slot = this.slotFor([]);
      await slot.sequence.clearHistory();
      slot.holds = [];
      const scored = new Set(labels.flatMap((l, i) => (i > 0 && l >= 0 ? [i - 1] : [])));
      const input = inputIds.map((t, i) =>
        // The model's own distribution: no top-k, top-p or min-p cut (node-llama-cpp's defaults would renormalize
        // over the top tokens and leave a label outside them at ~0).
        scored.has(i) ? ([t as Token, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }] as const) : (t as Token),
      );
      const out = await slot.sequence.controlledEvaluate(input as never);
      await slot.sequence.clearHistory();
      let total = 0;
      for (const i of scored) {
        const p = out[i]?.next.probabilities?.get(labels[i + 1] as Token) ?? 0;
        total += -Math.log(Math.max(p, 1e-12));
      }
      return { loss: total / Math.max(1, scored.size), tokens: scored.size };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Drops what every sequence has evaluated, as right after loading (a benchmark starts each phase from here). */
  forget(): Promise<void> {
    const run = this.queue.then(async () => {
      for (const slot of this.slots) {
        await slot.sequence.clearHistory();
        slot.holds = [];
        slot.lastUsed = 0;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Steps accepted before close still run; free native memory only after they settle.
    await this.queue;
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}
