import assert from 'node:assert/strict';
import { test } from 'node:test';
import { observeBatch, planBatch, startCurriculum } from '../../calibration/curriculum.js';

const solved = (tier: number, n = 4) => ({ tier, episodes: n, passed: n });
const never = (tier: number, n = 4) => ({ tier, episodes: n, passed: 0 });
const sometimes = (tier: number) => ({ tier, episodes: 4, passed: 1 });

test('a family starts at its lowest tier and moves up while solved in every episode', () => {
  let s = startCurriculum([3, 1, 2]);
  assert.deepEqual(planBatch(s, 2), [1, 1]);
  s = observeBatch(s, [solved(1), solved(1)]);
  assert.deepEqual(planBatch(s, 2), [2, 2]);
  s = observeBatch(s, [solved(2), sometimes(2)]);
  assert.deepEqual(planBatch(s, 2), [2, 2], 'one task not always solved: the tier holds');
  s = observeBatch(s, [solved(2), solved(2)]);
  s = observeBatch(s, [solved(3), solved(3)]);
  assert.deepEqual(planBatch(s, 3), [3, 3, 3], 'the top tier is the ceiling');
});

test('a tier never solved is sampled less, down to one task a batch, and recovers when solved', () => {
  let s = observeBatch(startCurriculum([0, 1]), [solved(0)]);
  assert.deepEqual(planBatch(s, 4), [1, 1, 1, 1]);
  s = observeBatch(s, [never(1), never(1), never(1), never(1)]);
  assert.deepEqual(planBatch(s, 4), [1, 1, 0, 0]);
  s = observeBatch(s, [never(1), never(1), solved(0), solved(0)]);
  assert.deepEqual(planBatch(s, 4), [1, 0, 0, 0]);
  s = observeBatch(s, [never(1), solved(0), solved(0), solved(0)]);
  assert.deepEqual(planBatch(s, 4), [1, 0, 0, 0], 'never below one task');
  s = observeBatch(s, [sometimes(1), solved(0), solved(0), solved(0)]);
  assert.deepEqual(planBatch(s, 4), [1, 1, 1, 1]);
});

test('tasks dropped before any episode do not move the curriculum', () => {
  const s = startCurriculum([0, 1]);
  assert.deepEqual(observeBatch(s, [{ tier: 0, episodes: 0, passed: 0 }]), s);
  assert.deepEqual(observeBatch(s, [never(0)]).level, 0, 'the lowest tier has no tier below to fall back on');
});
