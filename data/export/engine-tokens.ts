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
}

/** Writes the lines for `model` (an engine fingerprint) to `outFile`, whole or not at all. */
export async function exportEngineTokens(
  store: Store,
  renderer: PromptRenderer,
  model: string,
  outFile: string,
  opts: { runId?: string } = {},
): Promise<EngineTokensExport> {
  let skippedSteps = 0;
  const skippedRuns = new Set<string>();
  const written = await writeJsonlFile(
    outFile,
    stepLines(store, renderer, model, opts, (n) => (skippedSteps += n), (r) => skippedRuns.add(r)),
  );
  return { ...written, skippedSteps, skippedRuns: [...skippedRuns] };
}

/** The lines, one model step at a time; skipped steps and runs are reported through the callbacks. */
function* stepLines(
  store: Store,
  renderer: PromptRenderer,
  model: string,
  opts: { runId?: string },
  skipSteps: (n: number) => void,
  skipRun: (runId: string) => void,
): Generator<EngineTokensLine> {
  const runModel = new Map<string, string | null>();
  for (const { task, episode } of store.acceptedTrajectories(opts)) {
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
