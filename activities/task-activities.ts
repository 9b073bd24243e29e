// Verification: pure work, no Docker and no model.
import type { JsonSchema, Outcome, Verdict } from '../schemas/types.js';
import { verifyOutcome } from '../verification/verify.js';

export function createTaskActivities() {
  return {
    /** Checks an outcome against the task's outcome schema with ajv; errors name the failing path. */
    async verifyOutcome(schema: JsonSchema, outcome: Outcome): Promise<Verdict> {
      return verifyOutcome(schema, outcome);
    },

  };
}

export type TaskActivities = ReturnType<typeof createTaskActivities>;
