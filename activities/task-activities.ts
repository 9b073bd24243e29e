// Task generation and outcome verification: pure work, no Docker and no model.
import { getFamily } from '../families/index.js';
import { compileSchema } from '../schemas/registry.js';
import type { JsonSchema, Outcome, TaskSpec, Verdict } from '../schemas/types.js';

export function createTaskActivities() {
  return {
    /** The family's tasks, with ids scoped to the run so two runs of the same seed never share store rows. */
    async generateTasks(
      runId: string,
      family: string,
      seed: number,
      tier: number,
      count: number,
      offset: number,
    ): Promise<TaskSpec[]> {
      return getFamily(family)
        .generate(seed, tier, count, offset)
        .map((task) => ({ ...task, id: `${runId}/${task.id}` }));
    },

    /** Checks an outcome against the task's outcome schema with ajv; errors name the failing path. */
    async verifyOutcome(schema: JsonSchema, outcome: Outcome): Promise<Verdict> {
      const validate = compileSchema(schema);
      if (validate(outcome)) return { passed: true, errors: [] };
      const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
      return { passed: false, errors };
    },
  };
}

export type TaskActivities = ReturnType<typeof createTaskActivities>;
