// Which tiers a family's next tasks come from: difficulty that follows the model. Pure and deterministic, so the
// family's workflow runs it as is and a replay takes the same path.
//
// A family starts at the lowest tier its config allows. After each batch, the tasks that reached model episodes
// at the current tier decide: all solved in every episode moves the family up one tier (within the bounds); none
// solved even once halves the share of the next batch drawn from that tier (the rest come from the tier below,
// which the model can solve), down to one task per batch, so a tier that is never solved is sampled less but
// still probed; anything in between keeps the tier at full share. In `fixed` mode every tier gets its count.

export interface CurriculumState {
  /** The tiers this family may use, ascending. */
  tiers: number[];
  /** Index into tiers of the current tier. */
  level: number;
  /** Batches in a row whose current-tier tasks were never solved. */
  unsolvedStreak: number;
}

export interface TaskOutcomeAtTier {
  tier: number;
  /** Model episodes run (0 when the task was dropped or gated out before any). */
  episodes: number;
  passed: number;
}

export const startCurriculum = (tiers: number[]): CurriculumState => ({
  tiers: [...new Set(tiers)].sort((a, b) => a - b),
  level: 0,
  unsolvedStreak: 0,
});

/** The tiers of the next `size` tasks. */
export function planBatch(state: CurriculumState, size: number): number[] {
  const current = state.tiers[state.level];
  if (state.level === 0 || size <= 0) return Array.from({ length: size }, () => current);
  const atCurrent = Math.max(1, Math.ceil(size / 2 ** state.unsolvedStreak));
  const below = state.tiers[state.level - 1];
  return Array.from({ length: size }, (_, i) => (i < atCurrent ? current : below));
}

/** The state after a batch's outcomes. */
export function observeBatch(state: CurriculumState, outcomes: TaskOutcomeAtTier[]): CurriculumState {
  const current = state.tiers[state.level];
  const measured = outcomes.filter((o) => o.tier === current && o.episodes > 0);
  if (measured.length === 0) return state;
  if (measured.every((o) => o.passed === o.episodes)) {
    const top = state.level === state.tiers.length - 1;
    return { ...state, level: top ? state.level : state.level + 1, unsolvedStreak: 0 };
  }
  if (measured.every((o) => o.passed === 0)) return { ...state, unsolvedStreak: state.unsolvedStreak + 1 };
  return { ...state, unsolvedStreak: 0 };
}
