import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frontierTier } from '../../calibration/acceptance.js';
import { passAtK } from '../../calibration/pass-at-k.js';

/** pass@k by enumerating every k-subset of n episodes: the definition the estimator must match. */
function bruteForce(n: number, c: number, k: number): number {
  let hit = 0;
  let all = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    let pass = false;
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) {
        bits++;
        if (i < c) pass = true;
      }
    }
    if (bits !== k) continue;
    all++;
    if (pass) hit++;
  }
  return hit / all;
}

test('the unbiased pass@k matches the count over every k-subset', () => {
  for (let n = 1; n <= 8; n++) {
    for (let c = 0; c <= n; c++) {
      for (let k = 1; k <= n; k++) {
        assert.ok(Math.abs(passAtK(n, c, k) - bruteForce(n, c, k)) < 1e-12, `n=${n} c=${c} k=${k}`);
      }
    }
  }
  assert.equal(passAtK(4, 1, 1), 0.25);
  assert.equal(passAtK(100, 0, 100), 0);
  assert.equal(passAtK(100, 1, 100), 1);
});

test('pass@k refuses impossible counts', () => {
  assert.throws(() => passAtK(4, 5, 1), RangeError);
  assert.throws(() => passAtK(4, 1, 5), /at least 5 episodes/);
  assert.throws(() => passAtK(4, 1, 0), RangeError);
});

test('the frontier is the lowest measured tier passing below the upper bound', () => {
  const band = { minPassRate: 0.01, maxPassRate: 1 };
  assert.equal(frontierTier([{ tier: 1, passRate: 0.5 }, { tier: 0, passRate: 1 }], band), 1);
  assert.equal(frontierTier([{ tier: 0, passRate: 1 }, { tier: 1, passRate: null }], band), null);
  assert.equal(frontierTier([{ tier: 0, passRate: 0.9 }, { tier: 2, passRate: 0 }], { minPassRate: 0.01, maxPassRate: 0.8 }), 2);
  assert.equal(frontierTier([{ tier: 0, passRate: 0 }], band), 0);
});
