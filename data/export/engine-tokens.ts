// Export accepted trajectories in the embedded engine's own tokens, to train the model that made them: one line per
// model step, the prompt exactly as the engine rendered and tokenized it (its tool descriptions, the model's chat
// wrapper) followed by the token ids the model generated for that step, with the loss on those only (labels -100
// over the prompt, as Hugging Face trainers take them). Only runs of the model that tokenizes here are exported;
// steps stored before output tokens were kept are skipped and counted: their text tokenizes back into other tokens
// than the model wrote (it writes whitespace a space at a time).
import type { ChatMessage, ToolSpec } from '../../schemas/types.js';
import type { Store } from '../store.js';
import { writeJsonlFile } from './jsonl-file.js';

/** The label a trainer ignores: prompt tokens carry no loss. */
export const IGNORED_LABEL = -100;

export interface EngineTokensLine {
  input_ids: number[];
  labels: number[];
  metadata: { run_id: string; task_id: string; family: string; tier: number; episode_id: string; step: number; prompt_tokens: number };
}

/** What renders a prompt as the engine does (EmbeddedEngine.promptTokens). */
export interface PromptRenderer {
  promptTokens(messages: ChatMessage[], tools: ToolSpec[]): number[];
}

export interface EngineTokensExport {
  lines: number;
  file: string;
  /** Steps without recorded output tokens, and trajectories of runs another model made. */
  skippedSteps: number;
  skippedRuns: string[];
  /** What was written: the runs and tasks behind the lines, and the tokens that carry loss. */
  runs: string[];
  taskIds: string[];
  labelTokens: number;
  /** Lines left out for being longer than `maxTokens`. */
  tooLong: number;
}

/** Writes the lines for `model` (an engine fingerprint) to `outFile`, whole or not at all. */
export async function exportEngineTokens(
  store: Store,
  renderer: PromptRenderer,
  model: string,
  outFile: string,
  opts: { runId?: string; runIds?: string[]; maxTokens?: number } = {},
): Promise<EngineTokensExport> {
  let skippedSteps = 0;
  let tooLong = 0;
  let labelTokens = 0;
  const skippedRuns = new Set<string>();
  const runs = new Set<string>();
  const taskIds = new Set<string>();
  const counted = function* (lines: Iterable<EngineTokensLine>) {
    for (const line of lines) {
      // A line a trainer would leave out is not written, so what is counted is what is trained on.
      if (opts.maxTokens !== undefined && line.input_ids.length > opts.maxTokens) {
        tooLong++;
        continue;
      }
      runs.add(line.metadata.run_id);
      taskIds.add(line.metadata.task_id);
      labelTokens += line.labels.length - line.metadata.prompt_tokens;
      yield line;
    }
  };
  const written = await writeJsonlFile(
    outFile,
    counted(stepLines(store, renderer, model, opts, (n) => (skippedSteps += n), (r) => skippedRuns.add(r))),
  );
  return { ...written, skippedSteps, tooLong, skippedRuns: [...skippedRuns], runs: [...runs], taskIds: [...taskIds], labelTokens };
}

/** The lines, one model step at a time; skipped steps and runs are reported through the callbacks. */
function* stepLines(
  store: Store,
  renderer: PromptRenderer,
  model: string,
  opts: { runId?: string; runIds?: string[] },
  skipSteps: (n: number) => void,
  skipRun: (runId: string) => void,
): Generator<EngineTokensLine> {
  const runModel = new Map<string, string | null>();
  const only = opts.runIds ? new Set(opts.runIds) : null;
  for (const { task, episode } of store.acceptedTrajectories({ runId: opts.runId })) {
    if (only && !only.has(episode.runId)) continue;
    if (!runModel.has(episode.runId)) runModel.set(episode.runId, store.getRun(episode.runId)?.model ?? null);
    if (runModel.get(episode.runId) !== model) {
      skipRun(episode.runId);
      continue;
    }
    // The k-th model step answered the conversation up to the k-th assistant turn.
    const turns = episode.messages.flatMap((m, at) => (m.role === 'assistant' ? [at] : []));
    for (const [k, step] of episode.steps.entries()) {
      if (!step.outputTokens || step.outputTokens.length === 0 || turns[k] === undefined) {
        skipSteps(1);
        continue;
      }
      const prompt = renderer.promptTokens(episode.messages.slice(0, turns[k]), task.tools);
      yield {
        input_ids: [...prompt, ...step.outputTokens],
        labels: [...prompt.map(() => IGNORED_LABEL), ...step.outputTokens],
        metadata: {
          run_id: episode.runId, task_id: task.id, family: task.family, tier: task.tier, episode_id: episode.id,
          step: step.index, prompt_tokens: prompt.length,
        },
      };
    }
  }
}
