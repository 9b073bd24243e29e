// A hand-made task spec for tests that store or export tasks without generating them.
import type { TaskSpec } from '../../schemas/types.js';

export const SAMPLE_ENVIRONMENT = { name: 'files', version: '0.0.0', hash: '0'.repeat(64) };

export function sampleTask(fields: Partial<TaskSpec> & Pick<TaskSpec, 'id' | 'tier' | 'seed' | 'index' | 'tools'>): TaskSpec {
  return {
    family: 'files',
    environment: SAMPLE_ENVIRONMENT,
    prompt: 'Write apple to notes.txt',
    mutatingTools: [],
    reference: [{ name: 'submit', arguments: {} }],
    outcomeSchema: { type: 'object' },
    mutants: [],
    guess: null,
    ...fields,
  };
}
