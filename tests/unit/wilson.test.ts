// The Wilson interval against values worked out independently (Newcombe 1998, Table I; and the closed form at 0).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wilsonInterval } from '../../calibration/wilson.js';

const close = (a: number, b: number, digits = 4) => assert.ok(Math.abs(a - b) < 10 ** -digits, `${a} vs ${b}`);

test('matches published 95% Wilson intervals', () => {
  // Newcombe (1998), method 3: 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611; 1/29 -> 0.0061 to 0.1718.
  for (const [c, n, low, high] of [[81, 263, 0.2553, 0.3662], [15, 148, 0.0624, 0.1605], [0, 20, 0, 0.1611], [1, 29, 0.0061, 0.1718]] as const) {
    const w = wilsonInterval(c, n);
    close(w.low, low);
    close(w.high, high);
  }
});

test('is symmetric around one half, stays in [0, 1], and narrows as n grows', () => {
  const a = wilsonInterval(3, 10);
  const b = wilsonInterval(7, 10);
  close(a.low, 1 - b.high, 12);
  close(a.high, 1 - b.low, 12);
  const all = wilsonInterval(8, 8);
  assert.equal(all.high, 1);
  assert.ok(all.low > 0.6 && all.low < 0.7, `${all.low}`);
  assert.ok(wilsonInterval(30, 100).high - wilsonInterval(30, 100).low < wilsonInterval(3, 10).high - wilsonInterval(3, 10).low);
});

test('refuses counts that are not counts', () => {
  assert.throws(() => wilsonInterval(3, 0), RangeError);
  assert.throws(() => wilsonInterval(4, 3), RangeError);
  assert.throws(() => wilsonInterval(1.5, 3), RangeError);
});
