// The environment families tasksynth can synthesize, by name. Each family is a folder with a generator
// (TypeScript, runs on the worker) and its in-sandbox tools and probe (Python, baked into the family's image).
import type { TaskSpec } from '../schemas/types.js';
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
