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

    // Each step starts from a cleared sequence, so an earlier step cannot change a later one.
    const again = await engine.step(input(1));
    assert.equal(again.raw, raws.get(1), 'the same input and seed must reproduce the same output');
  });

  it('queues concurrent steps instead of interleaving them', async () => {
    const results = await Promise.all([engine.step(input(4)), engine.step(input(5))]);
    for (const result of results) assert.ok(['write_file', 'submit'].includes(result.toolCall.name));
  });
});
