// The random policy: schema-valid random calls of a task's tools, seeded. Its strings come half from random
// letters and half from words the tools have printed so far (file names, values), so it explores like a blind
// agent that does not read the instruction. Hand-written rather than a JSON Schema faker: a faker cannot draw
// values from what the episode has seen, and tool parameters use a small part of JSON Schema (types, enum,
// const, bounds, lengths, required, items, anyOf/oneOf). Every draw is checked with ajv and drawn again when a
// keyword it does not model (a pattern, say) rejects it.
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import { seedFor } from '../core/seed.js';
import { compileSchema } from '../schemas/registry.js';
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
    return this.callOf(this.tools[this.int(this.tools.length)]);
  }

  /** A random submit, for a rollout that ran out of steps: its outcome then carries a submission too. */
  submit(): ToolCall {
    const tool = this.tools.find((t) => t.name === SUBMIT_TOOL);
    return tool ? this.callOf(tool) : { name: SUBMIT_TOOL, arguments: {} };
  }

  private callOf(tool: ToolSpec): ToolCall {
    const validate = compileSchema(tool.parameters);
    let args: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 20; attempt++) {
      const drawn = this.value(tool.parameters, 0);
      args = (drawn && typeof drawn === 'object' && !Array.isArray(drawn) ? drawn : {}) as Record<string, unknown>;
      if (validate(args)) break;
    }
    return { name: tool.name, arguments: args };
  }

  private string(schema: JsonSchema): string {
    const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const max = typeof schema.maxLength === 'number' ? schema.maxLength : Math.max(min, 24);
    if (this.pool.length > 0 && this.int(2) === 0) {
      const word = this.pool[this.int(this.pool.length)];
      if (word.length >= min && word.length <= max) return word;
    }
    const length = min + this.int(Math.min(max - min, 12) + 1);
    return Array.from({ length }, () => LETTERS[this.int(LETTERS.length)]).join('');
  }

  private number(schema: JsonSchema, integer: boolean): number {
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const step = integer ? 1 : 0.01;
    const low = num(schema.minimum) ?? (num(schema.exclusiveMinimum) !== undefined ? num(schema.exclusiveMinimum)! + step : 0);
    const high = num(schema.maximum) ?? (num(schema.exclusiveMaximum) !== undefined ? num(schema.exclusiveMaximum)! - step : low + 100);
    if (integer) return Math.ceil(low) + this.int(Math.max(0, Math.floor(high) - Math.ceil(low)) + 1);
    // Hundredths between the bounds, both included.
    const steps = Math.max(0, Math.floor((high - low) * 100));
    return Math.min(high, low + this.int(steps + 1) / 100);
  }

  private value(schema: JsonSchema, depth: number): unknown {
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum)) return schema.enum[this.int(schema.enum.length)];
    const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(branches) && branches.length > 0) {
      const { anyOf: _a, oneOf: _o, ...rest } = schema;
      return this.value({ ...rest, ...branches[this.int(branches.length)] }, depth);
    }
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
        const max = typeof schema.maxItems === 'number' ? schema.maxItems : min + 2;
        const length = depth > 3 ? min : min + this.int(Math.max(0, max - min) + 1);
        return Array.from({ length }, () => this.value(items, depth + 1));
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
