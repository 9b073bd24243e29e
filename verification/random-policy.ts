// The random policy: schema-valid random calls of a task's tools, seeded. Its strings come half from random
// letters and half from words the tools have printed so far (file names, values), so it explores like a blind
// agent that does not read the instruction. Hand-written rather than a JSON Schema faker: a faker cannot draw
// values from what the episode has seen, and tool parameters use a small part of JSON Schema (types, enum,
// const, bounds, required, items).
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { seedFor } from '../core/seed.js';
import { SUBMIT_TOOL, type JsonSchema, type ToolCall, type ToolSpec } from '../schemas/types.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export class RandomPolicy {
  private readonly rng: RandomGenerator;
  private readonly pool: string[] = [];

  constructor(taskId: string, index: number, private readonly tools: ToolSpec[]) {
    this.rng = xoroshiro128plus(seedFor(taskId, 'random', index));
  }

  private int(max: number): number {
    return unsafeUniformIntDistribution(0, Math.max(0, max - 1), this.rng);
  }

  /** Remembers the words of a tool's output, to draw strings from. */
  observe(output: string): void {
    for (const word of output.split(/[^A-Za-z0-9._:/-]+/)) {
      if (word.length > 0 && word.length <= 64 && !this.pool.includes(word)) this.pool.push(word);
    }
  }

  /** The next call: any of the task's tools, submit included, with arguments valid for its schema. */
  next(): ToolCall {
    const tool = this.tools[this.int(this.tools.length)];
    const args = this.value(tool.parameters, 0);
    return { name: tool.name, arguments: (args && typeof args === 'object' ? args : {}) as Record<string, unknown> };
  }

  /** The submit tool's call, for a rollout that ran out of steps. */
  get submitTool(): ToolSpec | undefined {
    return this.tools.find((t) => t.name === SUBMIT_TOOL);
  }

  private string(schema: JsonSchema): string {
    const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const max = typeof schema.maxLength === 'number' ? schema.maxLength : 24;
    if (this.pool.length > 0 && this.int(2) === 0) {
      const word = this.pool[this.int(this.pool.length)];
      if (word.length >= min && word.length <= max) return word;
    }
    const length = Math.min(max, Math.max(min, 1 + this.int(12)));
    return Array.from({ length }, () => LETTERS[this.int(LETTERS.length)]).join('');
  }

  private number(schema: JsonSchema, integer: boolean): number {
    const low = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 0;
    const high = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - 1 : low + 100;
    const span = Math.max(0, Math.floor(high - low));
    const n = Math.ceil(low) + this.int(span + 1);
    return integer ? n : n + this.int(100) / 100;
  }

  private value(schema: JsonSchema, depth: number): unknown {
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum)) return schema.enum[this.int(schema.enum.length)];
    const types = Array.isArray(schema.type) ? schema.type : [schema.type ?? (schema.properties ? 'object' : 'string')];
    const type = types[this.int(types.length)];
    switch (type) {
      case 'integer':
        return this.number(schema, true);
      case 'number':
        return this.number(schema, false);
      case 'boolean':
        return this.int(2) === 1;
      case 'null':
        return null;
      case 'array': {
        const items = (schema.items ?? {}) as JsonSchema;
        const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
        return depth > 3 ? [] : Array.from({ length: min + this.int(3) }, () => this.value(items, depth + 1));
      }
      case 'object': {
        const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
        const required = new Set((schema.required as string[] | undefined) ?? []);
        const out: Record<string, unknown> = {};
        for (const [name, prop] of Object.entries(props)) {
          if (required.has(name) || (depth < 3 && this.int(2) === 0)) out[name] = this.value(prop, depth + 1);
        }
        return out;
      }
      default:
        return this.string(schema);
    }
  }
}
