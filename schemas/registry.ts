// The one place JSON Schemas are compiled. A single Ajv instance (2020-12 dialect, strict) holds every
// schemas/*.schema.json by its $id, so schemas can $ref each other and each is compiled exactly once;
// ad-hoc schemas (per-task outcome schemas) are cached by content so repeated tasks never recompile.
import { createHash } from 'node:crypto';
import { closest, distance } from 'fastest-levenshtein';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { projectRoot } from '../config/paths.js';

export type { ValidateFunction };

const SCHEMA_BASE = 'https://tasksynth.dev/schemas/';

/** The $id of the project schema `schemas/<name>.schema.json`. */
export function schemaId(name: string): string {
  return `${SCHEMA_BASE}${name}.schema.json`;
}

interface Registry {
  ajv: Ajv2020;
  byId: Map<string, ValidateFunction>;
  /** Compiled ad-hoc schemas by content hash, least recently used first (Map keeps insertion order). */
  adHoc: Map<string, { schema: object; validate: ValidateFunction }>;
}

/** Ad-hoc schemas kept compiled: a worker sees a new outcome schema per task, so the cache must not grow forever. */
const AD_HOC_CACHE = 2000;

let registry: Registry | undefined;

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    // `type: ["string", "null"]` is the plain way to say "nullable".
    allowUnionTypes: true,
    // strictRequired rejects the standard `if/then: { required: [...] }` idiom (names defined one level up);
    // every other strict check (unknown keywords, types, tuples, numbers) stays on.
    strictRequired: false,
    allErrors: true,
    // The config loader relies on this: validation fills `default` values into the (copied) value in place.
    useDefaults: true,
    // Ad-hoc schemas (a task's outcome schema) are compiled, not registered: two tasks whose schemas carry the
    // same $id must not collide. Project schemas are registered explicitly with addSchema.
    addUsedSchema: false,
  });
  // ajv-formats is CommonJS: under NodeNext the default import is module.exports, whose .default is the plugin.
  formats.default(ajv);
  // Tool-call arguments travel as a JSON string that must decode to an object (OpenAI chat format).
  ajv.addFormat('json-object', {
    type: 'string',
    validate: (text: string) => {
      try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      } catch {
        return false;
      }
    },
  });
  return ajv;
}

/** Loads and compiles the project schemas on first use, so importing this module touches no files. */
function load(): Registry {
  if (registry) return registry;
  const ajv = createAjv();
  const dir = join(projectRoot(), 'schemas');
  const files = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort();
  const ids: string[] = [];
  // Add all before compiling any, so cross-file $refs resolve regardless of order.
  for (const file of files) {
    const path = join(dir, file);
    let schema: unknown;
    try {
      schema = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`schema file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    const id = (schema as { $id?: unknown } | null)?.$id;
    if (typeof id !== 'string' || !id.startsWith(SCHEMA_BASE)) {
      throw new Error(`schema file ${path} needs a "$id" starting with ${SCHEMA_BASE}`);
    }
    if (ids.includes(id)) throw new Error(`schema file ${path} repeats the $id ${id}`);
    try {
      ajv.addSchema(schema as object);
    } catch (err) {
      throw new Error(`schema file ${path} was rejected: ${(err as Error).message}`);
    }
    ids.push(id);
  }
  const byId = new Map<string, ValidateFunction>();
  for (const id of ids) {
    try {
      const validate = ajv.getSchema(id);
      if (!validate) throw new Error('not registered');
      byId.set(id, validate);
    } catch (err) {
      throw new Error(`schema ${id} does not compile: ${(err as Error).message}`);
    }
  }
  registry = { ajv, byId, adHoc: new Map() };
  return registry;
}

/** "<instancePath or /> <message>", with the detail ajv keeps in params (allowed values, unknown keys). */
export function formatErrors(errors: ErrorObject[] | null | undefined, rootSchema?: unknown): string[] {
  // An `if` failure ("must match "then" schema") only repeats the errors its branch already reported.
  return (errors ?? []).filter((e) => e.keyword !== 'if').map((e) => {
    const path = e.instancePath || '/';
    const params = e.params as Record<string, unknown>;
    let detail = '';
    if (e.keyword === 'enum') detail = `: ${JSON.stringify(params.allowedValues)}`;
    else if (e.keyword === 'const') detail = `: ${JSON.stringify(params.allowedValue)}`;
    else if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      detail = `: ${JSON.stringify(key)}${rootSchema === undefined ? '' : nearestKeyHint(key, schemaAt(rootSchema, e.schemaPath))}`;
    }
    return `${path} ${e.message ?? e.keyword}${detail}`;
  });
}

/** The subschema holding an error's keyword: its schemaPath ("#/properties/model/additionalProperties") minus the keyword. */
function schemaAt(root: unknown, schemaPath: string): unknown {
  if (!schemaPath.startsWith('#/')) return undefined;
  const parts = schemaPath.slice(2).split('/').slice(0, -1).map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), root);
}

/** ` (did you mean "x"?)` when a known property of the schema is a likely misspelling of `key`. */
function nearestKeyHint(key: string, parentSchema: unknown): string {
  const properties = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  const known = properties ? Object.keys(properties) : [];
  if (known.length === 0) return '';
  const best = closest(key, known);
  // Within about a third of the word (two edits at least): nearer is a typo, farther is another word.
  const near = distance(key.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3));
  return near ? ` (did you mean ${JSON.stringify(best)}?)` : ` (known: ${known.join(', ')})`;
}

/** The ids of every loaded project schema. */
export function knownSchemaIds(): string[] {
  return [...load().byId.keys()];
}

/** Validates against a project schema by $id; returns formatted errors, empty when valid. */
export function validateWith(id: string, value: unknown): string[] {
  const { byId } = load();
  const validate = byId.get(id);
  if (!validate) {
    throw new Error(`unknown schema ${id}; loaded: ${[...byId.keys()].join(', ') || '(none)'}`);
  }
  // Project schemas (configs, packages) are what people write by hand: their errors name the nearest known key.
  return validate(value) ? [] : formatErrors(validate.errors, validate.schema);
}

/** Throws when `value` is not valid against schema `id`; the message names `what` and every error. */
export function assertValid(id: string, value: unknown, what: string): void {
  const errors = validateWith(id, value);
  if (errors.length > 0) {
    throw new Error(`${what} is invalid against ${id}:\n  ${errors.join('\n  ')}`);
  }
}

/**
 * Compiles an ad-hoc schema (e.g. a task's outcome schema) in the shared instance, so it may $ref the
 * project schemas. Returns ajv's validate function (boolean result, then `.errors`; format them with
 * formatErrors). Cached by a hash of its JSON; throws a clear error when the schema does not compile.
 */
export function compileSchema(schema: object): ValidateFunction {
  const reg = load();
  const json = JSON.stringify(schema);
  const key = createHash('sha256').update(json).digest('hex');
  const cached = reg.adHoc.get(key);
  if (cached) {
    reg.adHoc.delete(key);
    reg.adHoc.set(key, cached);
    return cached.validate;
  }
  let validate: ValidateFunction;
  try {
    validate = reg.ajv.compile(schema);
  } catch (err) {
    const preview = json.length > 200 ? `${json.slice(0, 200)}...` : json;
    throw new Error(`schema does not compile: ${(err as Error).message}; schema: ${preview}`);
  }
  reg.adHoc.set(key, { schema, validate });
  if (reg.adHoc.size > AD_HOC_CACHE) {
    const [oldestKey, oldest] = reg.adHoc.entries().next().value as [string, { schema: object }];
    reg.adHoc.delete(oldestKey);
    // Ajv also keeps every compiled schema object; let it go too.
    reg.ajv.removeSchema(oldest.schema);
  }
  return validate;
}
