// Whether two tool calls are the same call: same tool, same arguments, whatever order the model wrote the keys
// in. Pure, so the episode workflow can use it (see agentEpisode's rule for repeated calls).
import type { ChatMessage, ToolCall } from '../schemas/types.js';

export function sameCall(a: ToolCall, b: ToolCall): boolean {
  return a.name === b.name && canonical(a.arguments) === canonical(b.arguments);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The conversation's latest tool call, or null before the model made one. */
export function lastCall(messages: ChatMessage[]): ToolCall | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'assistant') return m.toolCall;
  }
  return null;
}
