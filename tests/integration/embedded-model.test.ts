// Runs the real default model (or TASKSYNTH_MODEL) on the CPU. Skipped only when the model file is
// missing; CI fetches it with `npm run setup`, so there it always runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmbeddedEngine } from '../../inference/embedded-engine.js';
import { resolveModelPath } from '../../inference/model-path.js';
import type { ModelStepInput, ToolSpec } from '../../schemas/types.js';

let modelPath: string | null = null;
let missingReason = '';
try {
  modelPath = resolveModelPath();
} catch (err) {
  missingReason = `skipped: ${(err as Error).message}`;
}

const tools: ToolSpec[] = [
  {
    name: 'write_file',
    description: 'Create or overwrite a text file.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  { name: 'submit', description: 'Finish the task.', parameters: { type: 'object', properties: {}, additionalProperties: false } },
];

function input(seed: number): ModelStepInput {
  return {
    messages: [{ role: 'user', content: 'Create a file named notes.txt containing the word apple.' }],
    tools,
    seed,
    temperature: 0.8,
    maxTokens: 128,
  };
}

describe('EmbeddedEngine with the real model', { skip: modelPath === null ? missingReason : false }, () => {
  let engine: EmbeddedEngine;

  before(async () => {
    const started = performance.now();
    engine = await EmbeddedEngine.load(modelPath!);
    console.log(`loaded ${engine.name} in ${Math.round(performance.now() - started)} ms`);
  });

  after(async () => {
    await engine?.close();
  });

  it('answers every step with a valid tool call', async () => {
    const raws = new Map<number, string>();
    for (const seed of [1, 2, 3]) {
      const result = await engine.step(input(seed));
      console.log(`seed ${seed}: ${Math.round(result.durationMs)} ms ${JSON.stringify(result.toolCall)}`);
      assert.ok(['write_file', 'submit'].includes(result.toolCall.name));
      raws.set(seed, result.raw);
    }

  });

  it('evaluates only what differs from what its sequence holds, and says how much it reused', async () => {
    const first = await engine.step(input(6));
    const messages: ModelStepInput['messages'] = [
      ...input(6).messages,
      { role: 'assistant', toolCall: first.toolCall, callId: 'call_0' },
      { role: 'tool', callId: 'call_0', name: first.toolCall.name, content: 'done' },
    ];
    const second = await engine.step({ ...input(7), messages });
    const usage = second.usage!;
    assert.ok(usage.promptTokens > first.usage!.promptTokens, JSON.stringify({ first: first.usage, second: usage }));
    // The second prompt starts with the first one (system, tools, task): only its new turns are evaluated.
    assert.ok(usage.evaluatedTokens < usage.promptTokens - first.usage!.promptTokens / 2, JSON.stringify(usage));
    assert.ok(usage.completionTokens > 0);
  });

  it('matches a cleared sequence token for token when decoding greedily', async () => {
    const clearing = await EmbeddedEngine.load(modelPath!, { reusePrefix: false });
    try {
      for (const seed of [8, 9]) {
        await engine.step(input(seed)); // leaves this prompt's tokens in the reusing engine's sequence
        const greedy = { ...input(seed), temperature: 0 };
        greedy.messages = [...greedy.messages, { role: 'user', content: 'Use the file name notes.txt.' }];
        const [reused, cleared] = [await engine.step(greedy), await clearing.step(greedy)];
        assert.equal(reused.raw, cleared.raw);
        assert.ok(reused.usage!.evaluatedTokens < cleared.usage!.evaluatedTokens, JSON.stringify([reused.usage, cleared.usage]));
      }
      // Without reuse every step starts from an empty sequence: the same input and seed give the same output
      // whatever ran before (the rule for bit-for-bit retries).
      const once = await clearing.step(input(1));
      await clearing.step(input(2));
      assert.equal((await clearing.step(input(1))).raw, once.raw, 'the same input and seed must reproduce the same output');
    } finally {
      await clearing.close();
    }
  });

  it('queues concurrent steps instead of interleaving them', async () => {
    const results = await Promise.all([engine.step(input(4)), engine.step(input(5))]);
    for (const result of results) assert.ok(['write_file', 'submit'].includes(result.toolCall.name));
  });
});
