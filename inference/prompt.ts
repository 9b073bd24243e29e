// Renders a tool-calling conversation as a plain chat (system/user/model turns), for models that have
// no native tool role: tools are described in the system prompt, calls are JSON, results are user turns.
import type { ChatHistoryItem } from 'node-llama-cpp';
import { SUBMIT_TOOL, type ChatMessage, type ToolCall, type ToolSpec } from '../schemas/types.js';
import { isPlainObject } from './plain-values.js';

export const DEFAULT_SYSTEM_PROMPT = 'You are an agent that completes tasks by calling tools.';

type Schema = Record<string, unknown>;

/** A short type expression for a JSON Schema: `string`, `"a"|"b"`, `array of integer`, `{x: number}`. */
export function describeType(schema: unknown): string {
  if (!isPlainObject(schema)) return 'any';
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join('|');
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alternatives)) return alternatives.map(describeType).join(' or ');
  const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? (schema.properties ? 'object' : 'any')];
  return types
    .map((type) => {
      if (type === 'array') return `array of ${describeType(schema.items)}`;
      if (type === 'object' && isPlainObject(schema.properties)) return `{${describeFields(schema).join(', ')}}`;
      return String(type);
    })
    .join('|');
}

/** `name: type` for each property, with `?` marking the optional ones. */
function describeFields(schema: Schema): string[] {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return Object.entries(properties).map(
    ([name, prop]) => `${name}${required.has(name) ? '' : '?'}: ${describeType(prop)}`,
  );
}

/** One tool as a signature line, plus an indented line per argument that has its own description. */
export function describeTool(tool: ToolSpec): string {
  const lines = [`- ${tool.name}(${describeFields(tool.parameters).join(', ')}): ${tool.description}`];
  const properties = isPlainObject(tool.parameters.properties) ? tool.parameters.properties : {};
  for (const [name, prop] of Object.entries(properties)) {
    if (isPlainObject(prop) && typeof prop.description === 'string' && prop.description !== '') {
      lines.push(`    ${name}: ${prop.description}`);
    }
  }
  return lines.join('\n');
}

/** The system prompt: the conversation's own instructions, then the tools and the answer format. */
export function renderSystemPrompt(base: string, tools: ToolSpec[]): string {
  const parts = [
    base,
    `You can call these tools:\n${tools.map(describeTool).join('\n')}`,
    'Answer with exactly one JSON object and nothing else:\n{"tool": "<tool name>", "arguments": {<argument name>: <value>, ...}}',
  ];
  if (tools.some((t) => t.name === SUBMIT_TOOL)) parts.push(`Call "${SUBMIT_TOOL}" when the task is complete.`);
  return parts.join('\n\n');
}

/** A tool call exactly as the model is asked to write it. */
export function renderToolCall(call: ToolCall): string {
  return JSON.stringify({ tool: call.name, arguments: call.arguments });
}

export function renderToolResult(name: string, content: string): string {
  return `Result of ${name}: ${content}`;
}

/**
 * The conversation as node-llama-cpp chat history (without the model turn to be generated).
 * All system messages are folded into the one leading system turn; consecutive user turns
 * (a task followed by results, or several results) are merged, since some chat templates
 * require user and model turns to alternate.
 */
export function renderChatHistory(messages: ChatMessage[], tools: ToolSpec[]): ChatHistoryItem[] {
  const systemTexts = messages.flatMap((m) => (m.role === 'system' ? [m.content] : []));
  const base = systemTexts.length > 0 ? systemTexts.join('\n\n') : DEFAULT_SYSTEM_PROMPT;
  const history: ChatHistoryItem[] = [{ type: 'system', text: renderSystemPrompt(base, tools) }];
  const canSubmit = tools.some((t) => t.name === SUBMIT_TOOL);

  const pushUser = (text: string): void => {
    const last = history[history.length - 1];
    if (last?.type === 'user') last.text = `${last.text}\n\n${text}`;
    else history.push({ type: 'user', text });
  };

  for (const message of messages) {
    switch (message.role) {
      case 'system':
        break;
      case 'user':
        pushUser(message.content);
        break;
      case 'assistant':
        history.push({ type: 'model', response: [renderToolCall(message.toolCall)] });
        break;
      case 'tool':
        pushUser(renderToolResult(message.name, message.content));
        // Small models tend to repeat their last call; a neutral reminder after each result makes them check
        // whether they are done (measured on SmolLM2-135M: 4 -> 14 submits in 18 finished tasks).
        if (canSubmit) pushUser(`If the task is now complete, call ${SUBMIT_TOOL}.`);
        break;
    }
  }
  return history;
}
