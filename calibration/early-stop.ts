// When a task's remaining model episodes can no longer change anything the run does with it (opt-in:
// `acceptance.earlyStop`). Pure, so the calibration workflow calls it as is and a replay takes the same path; a
// change to it changes the path of recorded histories, so it needs a `patched()` in calibrate-task.ts.
//
// Two things must be settled before the rest of the k episodes are skipped:
// - the acceptance decision: every pass rate the remaining episodes could still produce lies inside the band, or
//   every one lies outside it;
// - the curriculum's view of the task (calibration/curriculum.ts): it moves a family up only on tasks solved in
//   every episode and samples a tier less only on tasks never solved, so both a pass and a failure must have been
//   seen. A task stopped early is therefore never taken for "solved every episode" nor for "never solved".
import type { AcceptanceBand } from './acceptance.js';

export function decisionSettled(band: AcceptanceBand, planned: number, passed: number, failed: number): boolean {
  const remaining = planned - passed - failed;
  if (remaining <= 0) return true;
  if (passed === 0 || failed === 0) return false;
  const lowest = passed / planned;
  const highest = (passed + remaining) / planned;
  const allInside = lowest >= band.minPassRate && highest <= band.maxPassRate;
  const allOutside = highest < band.minPassRate || lowest > band.maxPassRate;
  return allInside || allOutside;
}
