// The embedded engine serving a LoRA adapter, on the real model: an adapter that changes nothing leaves every
// greedy output as the base model's, one that changes the attention changes what the model writes, the adapter's
// content and scale name a model of their own, and an adapter for another model is refused naming the adapter.
// The adapters are written by tests/helpers/lora-adapter.ts (GGUF files llama.cpp loads), not trained.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { EmbeddedEngine } from '../../inference/embedded-engine.js';
import { InvalidModelOutputError } from '../../inference/engine.js';
import { resolveModelPath } from '../../inference/model-path.js';
import type { ModelStepInput, ToolSpec } from '../../schemas/types.js';
import { engineFingerprint } from '../../worker/queue-names.js';
import { writeLoraAdapter, type AdaptedWeight } from '../helpers/lora-adapter.js';

const dir = mkdtempSync(join(tmpdir(), 'tasksynth-adapter-'));
const modelPath = resolveModelPath();
const small = { sequences: 1, contextSize: 2048, adaptThreads: false } as const;

const tools: ToolSpec[] = [
  {
    name: 'write_file',
    description: 'Create or overwrite a text file.',
    parameters: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'], additionalProperties: false },
  },
  { name: 'submit', description: 'Finish the task.', parameters: { type: 'object', properties: {}, additionalProperties: false } },
];
const prompts = ['Create a file named notes.txt containing the word apple.', 'Write hello into greeting.txt, then finish.', 'Save the number 42 in answer.txt.'];
const greedy = (content: string): ModelStepInput => ({ messages: [{ role: 'user', content }], tools, seed: 1, temperature: 0, maxTokens: 96 });
/** What the model wrote, a valid call or not (an adapter may well break the call). */
const written = (engine: EmbeddedEngine, prompt: string) =>
  engine.step(greedy(prompt)).then(
    (r) => r.raw,
    (e: unknown) => {
      if (e instanceof InvalidModelOutputError) return `invalid: ${e.raw}`;
      throw e;
    },
  );

describe('the embedded engine with a LoRA adapter', () => {
  const engines: EmbeddedEngine[] = [];
  let attention: AdaptedWeight[];
  let architecture: string;
  const adapter = (name: string, valueB: (i: number) => number, arch = architecture) => {
    const file = join(dir, `${name}.gguf`);
    // A deterministic spread of values, so the random adapter is the same on every run.
    const valueA = (i: number) => Math.sin(i * 12.9898) * 0.5;
    writeLoraAdapter(file, attention, { architecture: arch, rank: 4, alpha: 4, valueA, valueB });
    return file;
  };
  const load = async (opts: Parameters<typeof EmbeddedEngine.load>[1]) => {
    const engine = await EmbeddedEngine.load(modelPath, opts);
    engines.push(engine);
    return engine;
  };

  before(async () => {
    const info = await readGgufFileInfo(modelPath);
    architecture = String(info.metadata.general.architecture);
    // Every layer's query projection, by the model's own tensor names and shapes.
    attention = (info.fullTensorInfo ?? info.tensorInfo ?? [])
      .filter((t) => /^blk\.\d+\.attn_q\.weight$/.test(t.name))
      .map((t) => ({ name: t.name, inputs: Number(t.dimensions[0]), outputs: Number(t.dimensions[1]) }));
    assert.ok(attention.length > 0, 'the model has attention weights to adapt');
  });

  after(async () => {
    for (const e of engines) await e.close();
  });

  it('a zero adapter leaves every greedy output as it was; a nonzero one changes what the model writes', async () => {
    const base = await load(small);
    const zero = await load({ ...small, adapter: { path: adapter('zero', () => 0) } });
    const strong = await load({ ...small, adapter: { path: adapter('strong', (i) => Math.cos(i * 78.233) * 0.5), scale: 4 } });
    let changed = 0;
    for (const prompt of prompts) {
      const [b, z, s] = [await written(base, prompt), await written(zero, prompt), await written(strong, prompt)];
      assert.equal(z, b, `a zero adapter changed the output for "${prompt}"`);
      if (s !== b) changed++;
    }
    assert.ok(changed >= 1, 'the adapter changed none of the outputs');
  });

  it('the adapter\'s content and scale name another model (queue, run ids)', () => {
    const zero = adapter('zero', () => 0);
    const other = adapter('other', () => 1e-3);
    const plain = engineFingerprint({ engine: 'embedded', path: modelPath });
    const withZero = engineFingerprint({ engine: 'embedded', path: modelPath, adapter: zero });
    assert.notEqual(withZero, plain);
    assert.ok(withZero.startsWith(plain), 'the base model stays in the name');
    assert.notEqual(engineFingerprint({ engine: 'embedded', path: modelPath, adapter: other }), withZero, 'other content, another model');
    assert.notEqual(engineFingerprint({ engine: 'embedded', path: modelPath, adapter: zero, adapterScale: 0.5 }), withZero, 'another scale, another model');
    assert.equal(engineFingerprint({ engine: 'embedded', path: modelPath, adapter: zero, adapterScale: 1 }), withZero, 'scale 1 is the default');
  });

  it('an adapter made for another architecture, or not a GGUF file, is refused naming the adapter', async () => {
    const foreign = adapter('foreign', () => 0, 'gpt2');
    await assert.rejects(load({ ...small, adapter: { path: foreign } }), (error: Error) => error.message.includes(foreign));
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, 'not a gguf file');
    await assert.rejects(load({ ...small, adapter: { path: junk } }), (error: Error) => error.message.includes(junk));
  });
});
