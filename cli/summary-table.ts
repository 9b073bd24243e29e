// The closing tables of `tasksynth run`: per family and tier, what was generated, dropped, gated out, measured and
// accepted, with pass rates; each family's frontier; the run's totals. A short run also lists its tasks.
import Table from 'cli-table3';
import type { AcceptanceBand } from '../calibration/acceptance.js';
import { runReport, type TierReport } from '../data/run-report.js';
import type { Store } from '../data/store.js';
import { passRateText } from './progress-view.js';

// Colours only on a terminal: piped output (CI logs, files) stays plain text.
const PLAIN = { head: [], border: [] };
/** cli-table3's style: colours on a terminal (or when asked), plain text otherwise. */
export const tableStyle = (color: boolean = Boolean(process.stdout.isTTY)) => (color ? {} : PLAIN);
const TASK_LIST_MAX = 30;

const percent = (value: number | null) => (value === null ? '-' : `${(100 * value).toFixed(0)}%`);
const gatedText = (row: TierReport) => {
  const parts = Object.entries(row.gatedOut).map(([gate, n]) => `${gate} ${n}`);
  return parts.length === 0 ? '0' : parts.join(', ');
};

export function renderSummary(store: Store, runId: string, band: AcceptanceBand, k: number, opts: { color?: boolean } = {}): string {
  const style = tableStyle(opts.color);
  const out: string[] = [];
  const tasks = store.listTasks(runId);
  if (tasks.length <= TASK_LIST_MAX) {
    const list = new Table({ head: ['task', 'tier', 'status', 'pass rate', 'reason'], style });
    const counts = store.modelEpisodeCounts(runId);
    for (const t of tasks) {
      const ran = counts.get(t.spec.id)?.episodes ?? k;
      // A task stopped early says over how many episodes its rate is.
      const rate = t.passRate === null ? '-' : `${(100 * t.passRate).toFixed(0)}%${ran < k ? ` of ${ran}` : ''}`;
      list.push([t.spec.id.replace(`${runId}/`, ''), t.tier, t.status, rate, t.reason ?? '']);
    }
    out.push(list.toString());
  }

  const report = runReport(store, runId, band, k);
  const table = new Table({
    head: ['family', 'tier', 'generated', 'eval overlap', 'duplicates (exact/near)', 'gated out (by gate)', 'failed', 'measured', 'accepted', 'episodes passed', 'pass@1', `pass@${k}`],
    style,
  });
  for (const family of report.families) {
    for (const row of family.tiers) {
      table.push([
        family.family, `t${row.tier}`, row.generated, row.contaminated, `${row.exactDuplicates}/${row.nearDuplicates}`, gatedText(row), row.failed,
        row.measured, row.accepted, `${row.passedEpisodes}/${row.episodes}`, percent(row.passAt1), percent(row.passAtK),
      ]);
    }
  }
  out.push(table.toString());
  const rows = report.families.flatMap((f) => f.tiers);
  const saved = rows.reduce((n, row) => n + row.episodesSaved, 0);
  if (saved > 0) {
    const planned = k * rows.reduce((n, row) => n + row.measured, 0);
    out.push(`early stop saved ${saved} of ${planned} planned model episodes; a task stopped early has its pass rate over the episodes that ran`);
  }
  const frontiers = new Table({ head: ['family', 'frontier', 'meaning'], style });
  for (const family of report.families) {
    frontiers.push([
      family.family,
      family.frontier === null ? 'none' : `t${family.frontier}`,
      family.frontier === null
        ? `every measured tier passed at or above ${band.maxPassRate} (or none was measured)`
        : `lowest measured tier passing below ${band.maxPassRate} of its episodes`,
    ]);
  }
  out.push(frontiers.toString());

  const s = store.runSummary(runId);
  const totals = new Table({ style });
  totals.push(
    { run: runId },
    { tasks: `${s.tasks} (accepted ${s.accepted}, rejected ${s.rejected}; acceptance band ${report.bandText} of ${k} episodes)` },
    { 'model episodes': `${s.episodes} (passed ${s.passed})` },
    { 'model pass rate': passRateText(s.passed, s.episodes) },
  );
  out.push(totals.toString());
  return out.join('\n');
}
