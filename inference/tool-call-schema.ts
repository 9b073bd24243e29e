// The contract between a model's text and a ToolCall: the JSON schema its output is constrained to,
// and the parser that turns that output back into a validated call.
import type { GbnfJsonOneOfSchema } from 'node-llama-cpp';
import { compileSchema, formatErrors } from '../schemas/registry.js';
import type { JsonSchema, ToolCall, ToolSpec } from '../schemas/types.js';
import { InvalidModelOutputError } from './engine.js';
import { isPlainObject, preview } from './plain-values.js';

type Schema = Record<string, unknown>;

/** Any JSON value, spelled in the subset node-llama-cpp's grammar generator understands. */
const ANY_VALUE: Schema = {
  oneOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'object', additionalProperties: true },
    { type: 'array' },
  ],
};

const GRAMMAR_STRING_FORMATS = new Set(['date-time', 'time', 'date']);

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function optionalNumbers(source: Schema, keys: string[]): Schema {
  const out: Schema = {};
  for (const key of keys) if (typeof source[key] === 'number') out[key] = source[key];
  return out;
}

function objectForGrammar(schema: Schema): Schema {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required)
    ? schema.required.filter((key): key is string => typeof key === 'string')
    : null;
  // A grammar object makes every listed key mandatory, so listing optional keys would force the model
  // to invent values for them. Keep the required keys; a schema that declares no `required` at all
  // keeps all its properties (all-optional is then more likely an omission than a choice).
  const keys = required ?? Object.keys(properties);
  const grammarProps: Schema = {};
  for (const key of keys) grammarProps[key] = toGrammarSchema(properties[key]);
  const out: Schema = { type: 'object', properties: grammarProps };
  // Free-form maps (no declared properties) stay open; declared objects stay closed, which is always valid.
  if (Object.keys(properties).length === 0 && schema.additionalProperties !== false) {
    out.additionalProperties = isPlainObject(schema.additionalProperties)
      ? toGrammarSchema(schema.additionalProperties)
      : true;
    Object.assign(out, optionalNumbers(schema, ['minProperties', 'maxProperties']));
  }
  return out;
}

function arrayForGrammar(schema: Schema): Schema {
  const out: Schema = { type: 'array', ...optionalNumbers(schema, ['minItems', 'maxItems']) };
  if (isPlainObject(schema.items)) out.items = toGrammarSchema(schema.items);
  if (Array.isArray(schema.prefixItems)) out.prefixItems = schema.prefixItems.map(toGrammarSchema);
  return out;
}

function typeForGrammar(schema: Schema, type: unknown): Schema {
  switch (type) {
    case 'object':
      return objectForGrammar(schema);
    case 'array':
      return arrayForGrammar(schema);
    case 'string':
      if (typeof schema.format === 'string' && GRAMMAR_STRING_FORMATS.has(schema.format)) {
        return { type: 'string', format: schema.format };
      }
      return { type: 'string', ...optionalNumbers(schema, ['minLength', 'maxLength']) };
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type };
    default:
      return ANY_VALUE;
  }
}

/**
 * Rewrites a JSON Schema into the subset node-llama-cpp turns into a grammar (see its GbnfJsonSchema
 * type). Keywords the grammar cannot express (pattern, minimum, $ref, allOf, ...) are dropped, so the
 * grammar is looser than the schema; parseToolCall checks the full schema afterwards.
 */
export function toGrammarSchema(schema: unknown): Schema {
  if (!isPlainObject(schema)) return ANY_VALUE;
  if ('const' in schema) return isPrimitive(schema.const) ? { const: schema.const } : ANY_VALUE;
  if (Array.isArray(schema.enum)) return schema.enum.every(isPrimitive) ? { enum: schema.enum } : ANY_VALUE;
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alternatives)) return { oneOf: alternatives.map(toGrammarSchema) };

  const types: unknown[] = Array.isArray(schema.type)
    ? schema.type
    : schema.type !== undefined
      ? [schema.type]
      : isPlainObject(schema.properties)
        ? ['object']
        : schema.items !== undefined
          ? ['array']
          : [];
  if (types.length === 0) return ANY_VALUE;
  if (types.length === 1) return typeForGrammar(schema, types[0]);
  return { oneOf: types.map((type) => typeForGrammar(schema, type)) };
}

/** The shape every model answer must have: `{"tool": <one tool's name>, "arguments": <its arguments>}`. */
export function buildToolCallSchema(tools: ToolSpec[]): GbnfJsonOneOfSchema {
  if (tools.length === 0) throw new Error('cannot build a tool-call schema: no tools offered');
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) throw new Error(`cannot build a tool-call schema: tool "${tool.name}" is offered twice`);
    seen.add(tool.name);
  }
  const oneOf = tools.map((tool) => ({
    type: 'object',
    // Key order matters to the grammar: the tool name comes first, so it picks the arguments' shape.
    properties: { tool: { const: tool.name }, arguments: toGrammarSchema(tool.parameters) },
    required: ['tool', 'arguments'],
    additionalProperties: false,
  }));
  // Built from plain JSON, so the static GbnfJsonOneOfSchema type cannot be inferred; the shape is the one above.
  return { oneOf } as unknown as GbnfJsonOneOfSchema;
}

/**
 * Checks a decoded call against the offered tools: the name must be offered and the arguments must
 * satisfy that tool's parameter schema. `raw` is what the model said, kept on the error.
 */
export function checkToolCall(name: unknown, args: unknown, tools: ToolSpec[], raw: string): ToolCall {
  if (typeof name !== 'string' || name === '') {
    throw new InvalidModelOutputError(`tool call has no tool name (got ${JSON.stringify(name) ?? 'nothing'})`, raw);
  }
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    const offered = tools.map((t) => t.name).join(', ');
    throw new InvalidModelOutputError(`unknown tool "${name}"; offered tools: ${offered}`, raw);
  }
  if (!isPlainObject(args)) {
    throw new InvalidModelOutputError(`arguments for "${name}" must be a JSON object, got ${JSON.stringify(args) ?? 'nothing'}`, raw);
  }
  const validate = compileSchema(tool.parameters as JsonSchema);
  // The shared validator fills in `default` values; check a copy so the call records what the model said.
  if (!validate(structuredClone(args))) {
    const problems = formatErrors(validate.errors).join('; ');
    throw new InvalidModelOutputError(`arguments for "${name}" do not match its parameters: ${problems}`, raw);
  }
  return { name, arguments: args };
}

/** Parses a model answer of the form `{"tool": ..., "arguments": {...}}` into a validated ToolCall. */
export function parseToolCall(text: string, tools: ToolSpec[]): ToolCall {
  // Chat models often wrap JSON in a markdown fence; the JSON inside is what counts.
  const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new InvalidModelOutputError(
      `model output is not valid JSON (${(err as Error).message}): ${JSON.stringify(preview(text))}`,
      text,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new InvalidModelOutputError(`model output must be a JSON object {"tool", "arguments"}, got: ${preview(body)}`, text);
  }
  const extra = Object.keys(parsed).filter((key) => key !== 'tool' && key !== 'arguments');
  if (extra.length > 0) {
    throw new InvalidModelOutputError(`model output has unexpected key(s) ${extra.map((k) => `"${k}"`).join(', ')}; only "tool" and "arguments" are allowed`, text);
  }
  return checkToolCall(parsed.tool, parsed.arguments, tools, text);
}
