import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameCall } from '../../core/same-call.js';
import { InvalidModelOutputError } from '../../inference/engine.js';
import { renderChatHistory, renderToolCall } from '../../inference/prompt.js';
import { buildToolCallSchema, parseToolCall, toGrammarSchema } from '../../inference/tool-call-schema.js';
import type { ChatMessage, ToolSpec } from '../../schemas/types.js';

const tools: ToolSpec[] = [
  {
    name: 'write_file',
    description: 'Write a text file.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Relative to the work directory.' }, content: { type: 'string' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  {
    name: 'run',
    description: 'Run a shell command.',
    parameters: {
      type: 'object',
      properties: { command: { type: 'string' }, timeout: { type: 'integer', minimum: 1, default: 10 } },
      required: ['command'],
      additionalProperties: false,
    },
  },
  { name: 'submit', description: 'Finish the task.', parameters: { type: 'object', properties: {}, additionalProperties: false } },
];

/** Asserts that `fn` throws InvalidModelOutputError whose message matches, and returns it. */
function rejects(fn: () => unknown, message: RegExp): InvalidModelOutputError {
  let caught: unknown;
  assert.throws(() => {
    try {
      fn();
    } catch (err) {
      caught = err;
      throw err;
    }
  }, message);
  assert.ok(caught instanceof InvalidModelOutputError, 'expected an InvalidModelOutputError');
  return caught;
}

describe('buildToolCallSchema', () => {
  it('has one branch per tool, naming the tool and carrying its arguments', () => {
    const schema = buildToolCallSchema(tools) as unknown as { oneOf: Array<Record<string, any>> };
    assert.equal(schema.oneOf.length, 3);
    assert.deepEqual(
      schema.oneOf.map((branch) => branch.properties.tool),
      [{ const: 'write_file' }, { const: 'run' }, { const: 'submit' }],
    );
    for (const branch of schema.oneOf) {
      assert.equal(branch.type, 'object');
      assert.deepEqual(Object.keys(branch.properties), ['tool', 'arguments']);
      assert.equal(branch.additionalProperties, false);
    }
    assert.deepEqual(schema.oneOf[0]!.properties.arguments, {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
    });
    // The optional `timeout` is left out: grammar objects make every listed key mandatory.
    assert.deepEqual(schema.oneOf[1]!.properties.arguments, { type: 'object', properties: { command: { type: 'string' } } });
    assert.deepEqual(schema.oneOf[2]!.properties.arguments, { type: 'object', properties: {} });
  });

  it('refuses an empty or duplicated tool list', () => {
    assert.throws(() => buildToolCallSchema([]), /no tools/);
    assert.throws(() => buildToolCallSchema([tools[0]!, tools[0]!]), /"write_file" is offered twice/);
  });
});

describe('toGrammarSchema', () => {
  it('keeps what the grammar can express and drops the rest', () => {
    assert.deepEqual(toGrammarSchema({ type: 'string', pattern: '^a', maxLength: 5 }), { type: 'string', maxLength: 5 });
    assert.deepEqual(toGrammarSchema({ type: 'string', format: 'date' }), { type: 'string', format: 'date' });
    assert.deepEqual(toGrammarSchema({ type: 'integer', minimum: 0 }), { type: 'integer' });
    assert.deepEqual(toGrammarSchema({ enum: ['a', 'b'] }), { enum: ['a', 'b'] });
    assert.deepEqual(toGrammarSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] }), {
      oneOf: [{ type: 'string' }, { type: 'null' }],
    });
    assert.deepEqual(toGrammarSchema({ type: ['string', 'null'] }), { oneOf: [{ type: 'string' }, { type: 'null' }] });
    assert.deepEqual(toGrammarSchema({ type: 'array', items: { type: 'number' }, minItems: 1 }), {
      type: 'array',
      minItems: 1,
      items: { type: 'number' },
    });
  });

  it('turns an unconstrained schema into "any JSON value" and keeps free-form maps open', () => {
    const any = toGrammarSchema({});
    assert.ok('oneOf' in any);
    assert.deepEqual(toGrammarSchema({ type: 'object', additionalProperties: { type: 'string' } }), {
      type: 'object',
      properties: {},
      additionalProperties: { type: 'string' },
    });
  });
});

describe('parseToolCall', () => {
  it('accepts a valid call', () => {
    const call = parseToolCall('{"tool": "write_file", "arguments": {"path": "notes.txt", "content": "apple"}}\n', tools);
    assert.deepEqual(call, { name: 'write_file', arguments: { path: 'notes.txt', content: 'apple' } });
  });

  it('accepts a call wrapped in a markdown fence', () => {
    const call = parseToolCall('```json\n{"tool": "submit", "arguments": {}}\n```', tools);
    assert.deepEqual(call, { name: 'submit', arguments: {} });
  });

  it('returns the arguments as the model wrote them, without schema defaults', () => {
    const call = parseToolCall('{"tool": "run", "arguments": {"command": "ls"}}', tools);
    assert.deepEqual(call.arguments, { command: 'ls' });
  });

  it('rejects an unknown tool, naming it and the offered tools', () => {
    const raw = '{"tool": "delete_all", "arguments": {}}';
    const err = rejects(() => parseToolCall(raw, tools), /unknown tool "delete_all"; offered tools: write_file, run, submit/);
    assert.equal(err.raw, raw);
  });

  it('rejects arguments that do not match the parameters, naming the problem', () => {
    rejects(
      () => parseToolCall('{"tool": "write_file", "arguments": {"path": "a.txt"}}', tools),
      /arguments for "write_file" do not match its parameters: .*required property 'content'/,
    );
    rejects(
      () => parseToolCall('{"tool": "write_file", "arguments": {"path": 3, "content": "x"}}', tools),
      /\/path must be string/,
    );
    rejects(
      () => parseToolCall('{"tool": "submit", "arguments": {"answer": 1}}', tools),
      /must NOT have additional properties: "answer"/,
    );
    rejects(() => parseToolCall('{"tool": "run", "arguments": {"command": "ls", "timeout": 0}}', tools), /\/timeout must be >= 1/);
    rejects(() => parseToolCall('{"tool": "submit"}', tools), /arguments for "submit" must be a JSON object, got nothing/);
  });

  it('rejects text that is not a JSON tool call', () => {
    rejects(() => parseToolCall('I will write the file now.', tools), /model output is not valid JSON/);
    rejects(() => parseToolCall('{"tool": "write_file", "arguments": {"path": "a', tools), /not valid JSON/);
    rejects(() => parseToolCall('[1, 2]', tools), /must be a JSON object/);
    rejects(() => parseToolCall('{"arguments": {}}', tools), /no tool name/);
    rejects(() => parseToolCall('{"tool": "submit", "arguments": {}, "why": "done"}', tools), /unexpected key\(s\) "why"/);
  });
});

describe('renderChatHistory', () => {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You work in /work.' },
    { role: 'user', content: 'Create notes.txt containing apple.' },
    { role: 'assistant', callId: 'c1', toolCall: { name: 'write_file', arguments: { path: 'notes.txt', content: 'apple' } } },
    { role: 'tool', callId: 'c1', name: 'write_file', content: 'wrote 5 bytes' },
  ];

  it('extends the system prompt with every tool and the answer format', () => {
    const [system] = renderChatHistory(messages, tools);
    assert.equal(system?.type, 'system');
    const text = String(system?.type === 'system' ? system.text : '');
    assert.ok(text.startsWith('You work in /work.'));
    assert.match(text, /- write_file\(path: string, content: string\): Write a text file\./);
    assert.match(text, /path: Relative to the work directory\./);
    assert.match(text, /- run\(command: string, timeout\?: integer\): Run a shell command\./);
    assert.match(text, /- submit\(\): Finish the task\./);
    assert.match(text, /\{"tool": "<tool name>", "arguments": \{/);
    assert.match(text, /Call "submit" when the task is complete\./);
  });

  it('renders calls as the JSON the model must write and results as user turns', () => {
    const history = renderChatHistory(messages, tools);
    assert.deepEqual(history.slice(1), [
      { type: 'user', text: 'Create notes.txt containing apple.' },
      { type: 'model', response: ['{"tool":"write_file","arguments":{"path":"notes.txt","content":"apple"}}'] },
      { type: 'user', text: 'Result of write_file: wrote 5 bytes\n\nIf the task is now complete, call submit.' },
    ]);
    // What the prompt shows as a past call is itself a valid answer.
    const call = { name: 'write_file', arguments: { path: 'notes.txt', content: 'apple' } };
    assert.deepEqual(parseToolCall(renderToolCall(call), tools), call);
  });

  it('uses a default system prompt and merges consecutive user turns', () => {
    const history = renderChatHistory(
      [
        { role: 'user', content: 'Task.' },
        { role: 'tool', callId: 'x', name: 'run', content: 'ok' },
      ],
      tools,
    );
    assert.equal(history.length, 2);
    assert.match(String(history[0]?.type === 'system' ? history[0].text : ''), /^You are an agent/);
    assert.deepEqual(history[1], { type: 'user', text: 'Task.\n\nResult of run: ok\n\nIf the task is now complete, call submit.' });
  });

  it('reminds about submit only when the tools have one', () => {
    const withoutSubmit = tools.filter((t) => t.name !== 'submit');
    const history = renderChatHistory([{ role: 'tool', callId: 'x', name: 'run', content: 'ok' }], withoutSubmit);
    assert.deepEqual(history[1], { type: 'user', text: 'Result of run: ok' });
  });
});

describe('sameCall (the repeated-call rule of an episode)', () => {
  it('is the same tool with the same arguments, in any key order', () => {
    const a = { name: 'query', arguments: { sql: 'SELECT 1', limit: 5, opts: { x: [1, { y: 2, z: 3 }] } } };
    assert.equal(sameCall(a, { name: 'query', arguments: { opts: { x: [1, { z: 3, y: 2 }] }, limit: 5, sql: 'SELECT 1' } }), true);
    assert.equal(sameCall(a, { name: 'query', arguments: { ...a.arguments, sql: 'SELECT 2' } }), false);
    assert.equal(sameCall(a, { name: 'read', arguments: a.arguments }), false);
    assert.equal(sameCall(a, { name: 'query', arguments: { sql: 'SELECT 1', limit: '5', opts: a.arguments.opts } }), false, '5 and "5" differ');
    assert.equal(sameCall({ name: 'query', arguments: { x: [1, 2] } }, { name: 'query', arguments: { x: [2, 1] } }), false, 'array order counts');
  });
});
