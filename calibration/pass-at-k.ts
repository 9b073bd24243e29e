// The unbiased pass@k estimator (Chen et al., 2021): with n episodes of which c passed, the chance that at least
// one of k episodes drawn without replacement passes is 1 - C(n-c, k) / C(n, k). Computed as a running product so
// it stays exact-enough for any n the config allows, with no factorials.
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1) {
    throw new RangeError(`passAtK needs integers 0 <= c <= n and k >= 1 (n=${n}, c=${c}, k=${k})`);
  }
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} episodes, not ${n}`);
  if (n - c < k) return 1;
  let allFail = 1;
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i;
  return 1 - allFail;
}

/** The mean of a metric over tasks, or null without tasks: a family's or a tier's pass@k. */
export function meanOf(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
