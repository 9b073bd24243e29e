// Export accepted trajectories as OpenAI chat fine-tuning JSONL (messages + tools). Every line is checked
// against schemas/openai-chat-line.schema.json before it is written, and the file appears only when whole.
import { schemaId, validateWith } from '../../schemas/registry.js';
import { toOpenAIMessages, toOpenAITools, type OpenAIMessage, type OpenAITool } from '../../schemas/openai-chat.js';
import type { EpisodeRecord, TaskSpec } from '../../schemas/types.js';
import type { Store } from '../store.js';
import { writeJsonlFile } from './jsonl-file.js';

export const OPENAI_CHAT_LINE_SCHEMA = schemaId('openai-chat-line');

export interface OpenAIChatLine {
  messages: OpenAIMessage[];
  tools: OpenAITool[];
  metadata?: { task_id: string; family: string; tier: number; episode_id: string; run_id: string };
}

/** One trajectory as one training line. */
export function toOpenAIChatLine(task: TaskSpec, episode: EpisodeRecord): OpenAIChatLine {
  return {
    messages: toOpenAIMessages(episode.messages),
    tools: toOpenAITools(task.tools),
    metadata: {
      task_id: task.id,
      family: task.family,
      tier: task.tier,
      episode_id: episode.id,
      run_id: episode.runId,
    },
  };
}

/** Writes every accepted trajectory (optionally of one run) to `outFile` as JSONL, whole or not at all. */
export async function exportOpenAIChat(store: Store, outFile: string, opts: { runId?: string } = {}): Promise<{ lines: number; file: string }> {
  return writeJsonlFile(outFile, (function* () {
    for (const { task, episode } of store.acceptedTrajectories(opts)) {
      const line = toOpenAIChatLine(task, episode);
      const errors = validateWith(OPENAI_CHAT_LINE_SCHEMA, line);
      if (errors.length > 0) {
        throw new Error(`episode ${episode.id} (task ${task.id}) does not make a valid OpenAI chat line:\n  ${errors.join('\n  ')}`);
      }
      yield line;
    }
  })());
}
