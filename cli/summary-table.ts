// The closing table of `tasksynth run`: one row per task, then the run's totals.
import Table from 'cli-table3';
import type { Store } from '../data/store.js';
import { passRateText } from './progress-view.js';

// Colours only on a terminal: piped output (CI logs, files) stays plain text.
const style = process.stdout.isTTY ? {} : { head: [], border: [] };

export function renderSummary(store: Store, runId: string): string {
  const tasks = new Table({ head: ['task', 'tier', 'status', 'pass rate', 'reason'], style });
  for (const t of store.listTasks(runId)) {
    tasks.push([t.spec.id.replace(`${runId}/`, ''), t.tier, t.status, t.passRate === null ? '-' : `${(100 * t.passRate).toFixed(0)}%`, t.reason ?? '']);
  }
  const s = store.runSummary(runId);
  const totals = new Table({ style });
  totals.push(
    { run: runId },
    { tasks: `${s.tasks} (accepted ${s.accepted}, rejected ${s.rejected})` },
    { 'model episodes': `${s.episodes} (passed ${s.passed})` },
    { 'model pass rate': passRateText(s.passed, s.episodes) },
  );
  return `${tasks.toString()}\n${totals.toString()}`;
}
