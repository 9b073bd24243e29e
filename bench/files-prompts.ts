// The model-only benchmarks' workload: the files package's tools plus submit, and three multi-step chores.
import { EnvironmentCatalog } from '../environments/catalog.js';
import { SUBMIT_TOOL, type ToolSpec } from '../schemas/types.js';

export function filesTools(): ToolSpec[] {
  const pkg = new EnvironmentCatalog().get('files');
  return [
    ...pkg.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
    { name: SUBMIT_TOOL, description: 'Finish the task.', parameters: { type: 'object', properties: {}, additionalProperties: false } },
  ];
}

export const FILES_PROMPTS = [
  'Create notes.txt containing the word apple, then rename it to fruit.txt, then submit.',
  'Write the number 42 into answer.txt and delete draft.txt, then submit.',
  'Make a folder named archive and move report.txt into it, then submit.',
];
