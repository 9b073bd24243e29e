// The verdict: an outcome ({submitted, state}) checked against the task's outcome schema with ajv. The schema is
// the verifier; probes only report facts.
import { compileSchema, formatErrors } from '../schemas/registry.js';
import type { JsonSchema, Outcome, Verdict } from '../schemas/types.js';

export function verifyOutcome(schema: JsonSchema, outcome: Outcome): Verdict {
  const validate = compileSchema(schema);
  if (validate(outcome)) return { passed: true, errors: [] };
  return { passed: false, errors: formatErrors(validate.errors) };
}
