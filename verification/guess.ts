// The guess gate of answer tasks: the share of the visible candidate answers that the verifier accepts, each
// submitted in place of the reference's answer over the reference's final state. A task whose answer a guess
// finds more often than MAX_GUESS_CHANCE teaches guessing, not solving.
import { SUBMIT_TOOL, type TaskSpec } from '../schemas/types.js';
import { MAX_GUESS_CHANCE, type GateOutcome } from './gates.js';
import { verifyOutcome } from './verify.js';

export function guessGate(task: TaskSpec, referenceState: unknown): GateOutcome | null {
  if (!task.guess) return null;
  const { field, candidates } = task.guess;
  const submit = task.reference[task.reference.length - 1];
  const base = submit?.name === SUBMIT_TOOL ? submit.arguments : {};
  // Alike by value, whatever their type (JSON is how they travelled).
  const unique = [...new Map(candidates.map((c) => [JSON.stringify(c), c])).values()];
  const passing = unique.filter((c) => verifyOutcome(task.outcomeSchema, { submitted: { ...base, [field]: c }, state: referenceState }).passed);
  const chance = passing.length / unique.length;
  const gate = { gate: 'guess' as const, name: 'guess among visible candidates', mustPass: false, steps: 0 };
  if (passing.length === 0) {
    // Then the candidates do not hold the answer (another form, another space): the chance is not measured at all.
    return { ...gate, passed: true, detail: `none of ${unique.length} candidates passes: the answer space does not hold the answer, so the chance of a guess is unknown` };
  }
  return {
    ...gate,
    passed: chance > MAX_GUESS_CHANCE,
    detail: `${passing.length} of ${unique.length} candidates pass: chance ${(chance * 100).toFixed(2)}% (at most ${MAX_GUESS_CHANCE * 100}%)`,
  };
}
