// The environment families tasksynth can synthesize, by name. Each family is a folder with a generator
// (TypeScript, runs on the worker) and its in-sandbox tools and probe (Python, baked into the family's image).
import type { TaskSpec, ToolCall } from '../schemas/types.js';
import * as files from './files/generator.js';

export interface Family {
  name: string;
  maxTier: number;
  generate(seed: number, tier: number, count: number, offset?: number): TaskSpec[];
}

const FAMILIES: Record<string, Family> = {
  [files.FAMILY]: { name: files.FAMILY, maxTier: files.MAX_TIER, generate: files.generateTasks },
};

export const familyNames = (): string[] => Object.keys(FAMILIES);

export function getFamily(name: string): Family {
  const family = FAMILIES[name];
  if (!family) throw new Error(`unknown environment family "${name}" (known: ${familyNames().join(', ')})`);
  return family;
}

/** Where the family's Python files sit inside its image. */
const inImage = (family: string) => `/opt/tasksynth/families/${family}`;

/** The argv that runs one tool call inside the sandbox; arguments travel as one JSON argument, never via a shell. */
export const toolArgv = (family: string, call: ToolCall): string[] => [
  'python3',
  `${inImage(family)}/tools.py`,
  call.name,
  JSON.stringify(call.arguments),
];

export const probeArgv = (family: string): string[] => ['python3', `${inImage(family)}/probe.py`];
