// What a run did, per family and tier: tasks generated, dropped by screening (evaluation overlap, exact and near
// duplicates), gated out (by which gate), measured by the model, accepted, their pass@1 and pass@k, and each
// family's frontier. Read from the store, so `run`, a re-attached run and tests see the same figures.
import { bandText, frontierTier, type AcceptanceBand } from '../calibration/acceptance.js';
import { meanOf, passAtK } from '../calibration/pass-at-k.js';
import type { Store } from './store.js';

export interface TierReport {
  family: string;
  tier: number;
  generated: number;
  contaminated: number;
  exactDuplicates: number;
  nearDuplicates: number;
  /** Tasks a gate rejected, by the first gate that failed (or `error` when the gates could not run). */
  gatedOut: Record<string, number>;
  /** Tasks rejected for another reason (a failed episode, a calibration that failed outright). */
  failed: number;
  /** Tasks with model episodes. */
  measured: number;
  accepted: number;
  episodes: number;
  passedEpisodes: number;
  /** Model episodes not run because the task's decision was settled early (`acceptance.earlyStop`). */
  episodesSaved: number;
  /** Mean over measured tasks of the unbiased pass@1 and pass@k (k = episodes per task). */
  passAt1: number | null;
  passAtK: number | null;
  k: number;
}

export interface FamilyReport {
  family: string;
  tiers: TierReport[];
  /** The lowest measured tier whose pass rate is below the band's upper bound; null when none is. */
  frontier: number | null;
}

export interface RunReport {
  runId: string;
  band: AcceptanceBand;
  bandText: string;
  families: FamilyReport[];
}

export function runReport(store: Store, runId: string, band: AcceptanceBand, k: number): RunReport {
  const screenings = store.screenings.ofRun(runId);
  const episodes = store.modelEpisodeCounts(runId);
  const rows = new Map<string, TierReport & { rates: number[]; atK: number[] }>();
  for (const task of store.listTasks(runId)) {
    const key = `${task.family}\u0000${task.tier}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        family: task.family, tier: task.tier, generated: 0, contaminated: 0, exactDuplicates: 0, nearDuplicates: 0,
        gatedOut: {}, failed: 0, measured: 0, accepted: 0, episodes: 0, passedEpisodes: 0, episodesSaved: 0, passAt1: null, passAtK: null, k,
        rates: [], atK: [],
      };
      rows.set(key, row);
    }
    row.generated++;
    if (task.status === 'accepted') row.accepted++;
    const verdict = screenings.get(task.id)?.verdict;
    if (verdict === 'contaminated') row.contaminated++;
    else if (verdict === 'exact-duplicate') row.exactDuplicates++;
    else if (verdict === 'near-duplicate') row.nearDuplicates++;
    else {
      const counts = episodes.get(task.id);
      if (counts && counts.episodes > 0) {
        row.measured++;
        row.episodes += counts.episodes;
        row.passedEpisodes += counts.passed;
        // A task decided on its pass rate over fewer than k episodes stopped early; a broken one has no rate.
        if (task.passRate !== null && counts.episodes < k) row.episodesSaved += k - counts.episodes;
        row.rates.push(counts.passed / counts.episodes);
        row.atK.push(passAtK(counts.episodes, counts.passed, Math.min(k, counts.episodes)));
      } else if (task.status === 'rejected') {
        const gate = failedGate(store, task.id, task.reason);
        if (gate) row.gatedOut[gate] = (row.gatedOut[gate] ?? 0) + 1;
        else row.failed++;
      }
    }
  }
  const byFamily = new Map<string, TierReport[]>();
  for (const { rates, atK, ...row } of rows.values()) {
    const report = { ...row, passAt1: meanOf(rates), passAtK: meanOf(atK) };
    byFamily.set(row.family, [...(byFamily.get(row.family) ?? []), report]);
  }
  const families = [...byFamily.entries()].map(([family, tiers]) => ({
    family,
    tiers: tiers.sort((a, b) => a.tier - b.tier),
    frontier: frontierTier(tiers.map((t) => ({ tier: t.tier, passRate: t.episodes > 0 ? t.passedEpisodes / t.episodes : null })), band),
  }));
  return { runId, band, bandText: bandText(band), families };
}

/** The gate that rejected a task: the first recorded gate whose outcome was not the required one. */
function failedGate(store: Store, taskId: string, reason: string | null): string | null {
  const wrong = store.listGates(taskId).find((g) => g.passed !== g.mustPass);
  if (wrong) return wrong.gate;
  if (reason?.startsWith('gates failed')) return 'error';
  return null;
}
