import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inBand } from '../../calibration/acceptance.js';
import { decisionSettled } from '../../calibration/early-stop.js';
import { mapLimitUntil } from '../../core/map-limit.js';

test('a decision is settled only when every completion of the k episodes lands on the same side of the band', () => {
  const band = { minPassRate: 0.01, maxPassRate: 1 };
  assert.equal(decisionSettled(band, 8, 1, 1), true, 'one pass and one failure: every completion is in [0.01, 1]');
  assert.equal(decisionSettled(band, 8, 1, 0), false, 'no failure yet: the task might be solved in every episode');
  assert.equal(decisionSettled(band, 8, 0, 7), false, 'no pass yet: the last episode could still pass');
  assert.equal(decisionSettled(band, 8, 0, 8), true, 'all ran');
  const upper = { minPassRate: 0.2, maxPassRate: 0.75 };
  assert.equal(decisionSettled(upper, 8, 1, 1), false, '1/8 and 7/8 are both still possible');
  assert.equal(decisionSettled(upper, 8, 2, 2), true, 'every rate from 2/8 to 6/8 lies in the band');
  assert.equal(decisionSettled(upper, 8, 7, 1), true, '7/8 is above 0.75 whatever the rest do');
  assert.equal(decisionSettled(upper, 8, 1, 6), false, '1/8 or 2/8: one is outside, one inside');
  assert.equal(decisionSettled(upper, 10, 1, 8), false, '1/10 is below the band, 2/10 on its edge');
  assert.equal(decisionSettled(upper, 10, 1, 9), true, 'all ran');
});

test('when settled, the rate over the episodes that ran decides as every completion would', () => {
  const bands = [{ minPassRate: 0.01, maxPassRate: 1 }, { minPassRate: 0.2, maxPassRate: 0.75 }, { minPassRate: 0.5, maxPassRate: 0.9 }];
  for (const band of bands) {
    for (let k = 1; k <= 12; k++) {
      for (let p = 0; p <= k; p++) {
        for (let f = 0; p + f <= k; f++) {
          if (!decisionSettled(band, k, p, f)) continue;
          const rest = k - p - f;
          const outcomes = Array.from({ length: rest + 1 }, (_, extra) => inBand(band, (p + extra) / k));
          assert.ok(outcomes.every((o) => o === outcomes[0]), `k=${k} p=${p} f=${f}: completions disagree`);
          if (p + f > 0) assert.equal(inBand(band, p / (p + f)), outcomes[0], `k=${k} p=${p} f=${f}: the early rate decides otherwise`);
        }
      }
    }
  }
});

test('mapLimitUntil starts nothing once stop holds, lets started items finish, and returns them in order', async () => {
  let done = 0;
  const started: number[] = [];
  const results = await mapLimitUntil([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
    started.push(i);
    await new Promise((resolve) => setTimeout(resolve, 5 * (i % 2 === 0 ? 2 : 1)));
    done++;
    return i * 10;
  }, () => done >= 3);
  assert.deepEqual(results, started.map((i) => i * 10).sort((a, b) => a - b));
  assert.ok(results.length >= 3 && results.length <= 4, `ran ${results.length}`);
  assert.deepEqual(await mapLimitUntil([1, 2, 3], 2, async (i) => i, () => false), [1, 2, 3]);
});
