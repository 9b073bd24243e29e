// Verification: pure work, no Docker and no model.
import type { JsonSchema, Outcome, TaskSpec, Verdict } from '../schemas/types.js';
import type { GateOutcome } from '../verification/gates.js';
import { guessGate } from '../verification/guess.js';
import { verifyOutcome } from '../verification/verify.js';

export function createTaskActivities() {
  return {
    /** Checks an outcome against the task's outcome schema with ajv; errors name the failing path. */
    async verifyOutcome(schema: JsonSchema, outcome: Outcome): Promise<Verdict> {
      return verifyOutcome(schema, outcome);
    },

    /** The guess gate of an answer task (null for other tasks), over the reference's final state. */
    async guessGate(task: TaskSpec, referenceState: unknown): Promise<GateOutcome | null> {
      return guessGate(task, referenceState);
    },
  };
}

export type TaskActivities = ReturnType<typeof createTaskActivities>;
