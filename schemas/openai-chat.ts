// The OpenAI chat format (messages with tool_calls, function tools), shared by the OpenAI-compatible engine,
// which speaks it to servers, and the exporter, which writes it as training data
// (schemas/openai-chat-line.schema.json checks the written lines).
import type { ChatMessage, ToolSpec } from './types.js';

export type OpenAIMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAITool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export function toOpenAIMessage(m: ChatMessage): OpenAIMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: m.callId, type: 'function', function: { name: m.toolCall.name, arguments: JSON.stringify(m.toolCall.arguments) } },
        ],
      };
    case 'tool':
      // OpenAI's tool message has no name; the call id ties it to the assistant's call.
      return { role: 'tool', tool_call_id: m.callId, content: m.content };
  }
}

export const toOpenAIMessages = (messages: ChatMessage[]): OpenAIMessage[] => messages.map(toOpenAIMessage);

export const toOpenAITools = (tools: ToolSpec[]): OpenAITool[] =>
  tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
