// Task generator of the `files` family: small file-system chores in /work, verified by reading the files back.
// Tiers grow harder: 0 names the tool and its arguments, 1 asks for the same in plain words, 2 copies a word
// from one file to another, 3 finds which of several files holds a word. The same (seed, tier, index) always
// yields the same task.
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';
import type { JsonSchema, TaskSpec, ToolCall, ToolSpec } from '../../schemas/types.js';
import { SUBMIT_TOOL } from '../../schemas/types.js';
import { seedFor } from '../../workflows/episode-seed.js';

export const FAMILY = 'files';
export const MAX_TIER = 3;

const WORDS = [
  'apple', 'river', 'candle', 'garden', 'pepper', 'silver', 'tiger', 'window', 'planet', 'coffee',
  'marble', 'rocket', 'violet', 'pencil', 'harbor', 'meadow', 'lantern', 'orange', 'falcon', 'cookie',
];
const FILE_STEMS = ['notes', 'todo', 'report', 'memo', 'draft', 'list', 'summary', 'log', 'answer', 'result'];

const tool = (name: string, description: string, properties: Record<string, JsonSchema>): ToolSpec => ({
  name,
  description,
  parameters: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false },
});

const PATH = { type: 'string', description: 'file path relative to the work directory' };
const TOOLS = {
  list_files: tool('list_files', 'List every file in the work directory.', {}),
  read_file: tool('read_file', 'Read a text file.', { path: PATH }),
  write_file: tool('write_file', 'Create or overwrite a text file.', {
    path: PATH,
    content: { type: 'string', description: 'the text to write' },
  }),
  submit: tool(SUBMIT_TOOL, 'Finish the task.', {}),
  submitAnswer: tool(SUBMIT_TOOL, 'Finish the task and give the answer.', {
    answer: { type: 'string', description: 'the answer' },
  }),
};

/** A case-insensitive regex for a word; ECMA regexes in JSON Schema have no flags, so each letter gets a class. */
const anyCase = (word: string): string =>
  [...word].map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`)).join('');

/** A file's content counts as the word when it is the word alone, in any case, surrounding white space allowed. */
const exactWord = (word: string): JsonSchema => ({ type: 'string', pattern: `^\\s*${anyCase(word)}\\s*$` });

/** Outcome schema: the agent called submit (with `submitted` as given) and the state holds `files`. */
function outcomeSchema(submitted: JsonSchema, files: Record<string, JsonSchema>): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['submitted', 'state'],
    properties: {
      submitted: submitted,
      state: {
        type: 'object',
        required: ['files'],
        properties: {
          files: { type: 'object', required: Object.keys(files), properties: files },
        },
      },
    },
  };
}

const SUBMITTED_ANY: JsonSchema = { type: 'object' };

class Picker {
  constructor(private readonly rng: RandomGenerator) {}
  int(max: number): number {
    return unsafeUniformIntDistribution(0, max - 1, this.rng);
  }
  one<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** `n` distinct items, in random order. */
  distinct<T>(items: readonly T[], n: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < n) out.push(pool.splice(this.int(pool.length), 1)[0]);
    return out;
  }
}

type Body = Omit<TaskSpec, 'id' | 'family' | 'tier' | 'seed' | 'index'>;

/** Tier 0: the instruction spells out the call; a small model's first rung. */
function writeWordSpelledOut(p: Picker): Body {
  const body = writeWord(p);
  const { path, content } = body.reference[0].arguments as { path: string; content: string };
  return { ...body, prompt: `Call write_file with path "${path}" and content "${content}", then submit.` };
}

function writeWord(p: Picker): Body {
  const file = `${p.one(FILE_STEMS)}.txt`;
  const word = p.one(WORDS);
  return {
    prompt: `Create a file named ${file} that contains the word ${word}.`,
    tools: [TOOLS.write_file, TOOLS.submit],
    files: {},
    reference: [call('write_file', { path: file, content: word }), call(SUBMIT_TOOL, {})],
    outcomeSchema: outcomeSchema(SUBMITTED_ANY, { [file]: exactWord(word) }),
  };
}

function copyWord(p: Picker): Body {
  const [source, target] = p.distinct(FILE_STEMS, 2).map((stem) => `${stem}.txt`);
  const word = p.one(WORDS);
  return {
    prompt: `The file ${source} contains one word. Write that same word into a new file named ${target}.`,
    tools: [TOOLS.list_files, TOOLS.read_file, TOOLS.write_file, TOOLS.submit],
    files: { [source]: `${word}\n` },
    reference: [
      call('read_file', { path: source }),
      call('write_file', { path: target, content: word }),
      call(SUBMIT_TOOL, {}),
    ],
    outcomeSchema: outcomeSchema(SUBMITTED_ANY, { [source]: exactWord(word), [target]: exactWord(word) }),
  };
}

function findWord(p: Picker): Body {
  const stems = p.distinct(FILE_STEMS, 2 + p.int(3));
  const words = p.distinct(WORDS, stems.length);
  const names = stems.map((stem) => `${stem}.txt`);
  const target = p.int(names.length);
  const files = Object.fromEntries(names.map((name, i) => [name, `${words[i]}\n`]));
  return {
    prompt: `One file in the work directory contains the word ${words[target]}. Find it and submit its file name as the answer.`,
    tools: [TOOLS.list_files, TOOLS.read_file, TOOLS.submitAnswer],
    files,
    reference: [
      call('list_files', {}),
      ...names.slice(0, target + 1).map((name) => call('read_file', { path: name })),
      call(SUBMIT_TOOL, { answer: names[target] }),
    ],
    outcomeSchema: outcomeSchema(
      {
        type: 'object',
        required: ['answer'],
        properties: { answer: { type: 'string', pattern: `^\\s*(\\./)?${names[target].replace('.', '\\.')}\\s*$` } },
      },
      Object.fromEntries(names.map((name, i) => [name, exactWord(words[i])])),
    ),
  };
}

const TIERS: Array<(p: Picker) => Body> = [writeWordSpelledOut, writeWord, copyWord, findWord];

function call(name: string, args: Record<string, unknown>): ToolCall {
  return { name, arguments: args };
}

/**
 * Tasks `offset .. offset+count-1` of a tier. Each index has its own generator stream, so a task never depends on
 * how many were asked for: a run can generate its tasks in batches.
 */
export function generateTasks(seed: number, tier: number, count: number, offset = 0): TaskSpec[] {
  if (!Number.isInteger(tier) || tier < 0 || tier > MAX_TIER) {
    throw new RangeError(`files family: tier ${tier} does not exist (tiers are 0..${MAX_TIER})`);
  }
  return Array.from({ length: count }, (_, i) => {
    const index = offset + i;
    const picker = new Picker(xoroshiro128plus(seedFor(FAMILY, seed, tier, index)));
    return { id: `${FAMILY}/t${tier}/s${seed}/${index}`, family: FAMILY, tier, seed, index, ...TIERS[tier](picker) };
  });
}
