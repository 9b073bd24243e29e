// Base vs tuned on the same held-out tasks: pass@1 and pass@k per family and tier, and over all of them, each with
// a 95% Wilson interval. pass@1 is the share of passed episodes (its interval treats the k episodes of a task as
// independent draws, which they are not quite: the interval is a little narrow). pass@k is the share of tasks
// solved in at least one of their k episodes (the interval is over tasks). Only tasks both runs measured count,
// paired by family, tier, seed and index (the two runs generate the same tasks from the same seed).
import Table from 'cli-table3';
import { wilsonInterval } from '../calibration/wilson.js';
import type { Store } from '../data/store.js';
import { tableStyle } from '../cli/summary-table.js';

export interface Tally {
  tasks: number;
  episodes: number;
  passed: number;
  /** Tasks passed in at least one episode. */
  solved: number;
}

export interface ComparisonRow {
  family: string;
  /** null: every tier of the family; the last row (family '*') is everything. */
  tier: number | null;
  base: Tally;
  tuned: Tally;
}

const empty = (): Tally => ({ tasks: 0, episodes: 0, passed: 0, solved: 0 });

function measured(store: Store, runId: string): Map<string, { family: string; tier: number; episodes: number; passed: number }> {
  const counts = store.modelEpisodeCounts(runId);
  const out = new Map<string, { family: string; tier: number; episodes: number; passed: number }>();
  for (const t of store.listTasks(runId)) {
    const c = counts.get(t.id);
    if (c && c.episodes > 0) out.set(`${t.family}\t${t.tier}\t${t.seed}\t${t.index}`, { family: t.family, tier: t.tier, ...c });
  }
  return out;
}

export function compareRuns(store: Store, baseRunId: string, tunedRunId: string): ComparisonRow[] {
  const base = measured(store, baseRunId);
  const tuned = measured(store, tunedRunId);
  const rows = new Map<string, ComparisonRow>();
  const add = (key: string, family: string, tier: number | null, b: { episodes: number; passed: number }, t: { episodes: number; passed: number }) => {
    if (!rows.has(key)) rows.set(key, { family, tier, base: empty(), tuned: empty() });
    const row = rows.get(key)!;
    for (const [tally, c] of [[row.base, b], [row.tuned, t]] as const) {
      tally.tasks++;
      tally.episodes += c.episodes;
      tally.passed += c.passed;
      if (c.passed > 0) tally.solved++;
    }
  };
  const keys = [...base.keys()].filter((k) => tuned.has(k)).sort();
  for (const key of keys) {
    const b = base.get(key)!;
    const t = tuned.get(key)!;
    add(`${b.family}\t${String(b.tier).padStart(4, '0')}`, b.family, b.tier, b, t);
    add(`${b.family}\t~all`, b.family, null, b, t);
    add('~\t~all', '*', null, b, t);
  }
  // A family measured at one tier needs no row for all its tiers.
  const tiersOf = (family: string) => [...rows.values()].filter((r) => r.family === family && r.tier !== null).length;
  return [...rows.keys()].sort().map((k) => rows.get(k)!).filter((r) => r.family === '*' || r.tier !== null || tiersOf(r.family) > 1);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}`;
const withInterval = (passed: number, n: number) => {
  if (n === 0) return '-';
  const { low, high } = wilsonInterval(passed, n);
  return `${pct(passed / n)} [${pct(low)}, ${pct(high)}]`;
};
const points = (b: number, bn: number, t: number, tn: number) => (bn === 0 || tn === 0 ? '-' : `${(100 * (t / tn - b / bn) >= 0 ? '+' : '')}${(100 * (t / tn - b / bn)).toFixed(1)}`);

export function renderComparison(rows: ComparisonRow[], k: number, opts: { color?: boolean } = {}): string {
  const table = new Table({
    head: ['family', 'tier', 'tasks', 'base pass@1 % [95% CI]', 'tuned pass@1 % [95% CI]', 'Δ pass@1 (points)', `base pass@${k} %`, `tuned pass@${k} %`, `Δ pass@${k}`],
    style: tableStyle(opts.color),
  });
  for (const r of rows) {
    table.push([
      r.family === '*' ? 'all' : r.family,
      r.tier === null ? 'all' : `t${r.tier}`,
      r.base.tasks,
      withInterval(r.base.passed, r.base.episodes),
      withInterval(r.tuned.passed, r.tuned.episodes),
      points(r.base.passed, r.base.episodes, r.tuned.passed, r.tuned.episodes),
      withInterval(r.base.solved, r.base.tasks),
      withInterval(r.tuned.solved, r.tuned.tasks),
      points(r.base.solved, r.base.tasks, r.tuned.solved, r.tuned.tasks),
    ]);
  }
  return [
    table.toString(),
    `pass@1: passed episodes / episodes; pass@${k}: tasks passed in at least one of ${k} episodes / tasks. Intervals: Wilson score, 95%`,
    '(pass@1 treats the episodes of a task as independent, so its interval is somewhat narrow).',
  ].join('\n');
}
