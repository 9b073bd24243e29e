// The Wilson score interval for a pass rate: with n episodes of which c passed, the range of true rates the
// observed one is consistent with at the given confidence. Chosen over the normal approximation because it stays
// inside [0, 1] and behaves at 0 and n passes, which small evaluations hit all the time.
export interface Interval {
  low: number;
  high: number;
}

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export function wilsonInterval(passed: number, n: number, z = Z_95): Interval {
  if (!Number.isInteger(n) || !Number.isInteger(passed) || n < 1 || passed < 0 || passed > n) {
    throw new RangeError(`wilsonInterval needs integers 0 <= passed <= n and n >= 1 (passed=${passed}, n=${n})`);
  }
  const p = passed / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n passes the formula's bound is exactly 0 or 1; clamp away float dust.
  return { low: passed === 0 ? 0 : Math.max(0, centre - half), high: passed === n ? 1 : Math.min(1, centre + half) };
}
