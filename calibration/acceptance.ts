// The acceptance band: a task is kept when its pass rate over its model episodes lies within [min, max]. The
// default keeps what the model solves at least once in k (DeepSeek kept pass@100 > 0); an upper bound below 1
// drops tasks the model always solves, which teach it nothing.
export interface AcceptanceBand {
  minPassRate: number;
  maxPassRate: number;
}

export const inBand = (band: AcceptanceBand, passRate: number) => passRate >= band.minPassRate && passRate <= band.maxPassRate;

export const bandText = (band: AcceptanceBand) => `[${band.minPassRate}, ${band.maxPassRate}]`;

/**
 * A family's frontier: its lowest tier (of those measured, in order) whose pass rate is below the band's upper
 * bound, i.e. the easiest tier the model does not yet saturate; null when every measured tier is saturated.
 */
export function frontierTier(passRateByTier: Array<{ tier: number; passRate: number | null }>, band: AcceptanceBand): number | null {
  const sorted = [...passRateByTier].filter((t) => t.passRate !== null).sort((a, b) => a.tier - b.tier);
  // With the default upper bound of 1, that is the lowest tier not solved in every episode.
  return sorted.find((t) => t.passRate! < band.maxPassRate)?.tier ?? null;
}
