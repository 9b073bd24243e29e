// The family x tier report from a store filled by hand (an in-memory database): screening drops, gates by kind,
// measured tasks with their pass@1 / pass@k, and the frontier.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runReport } from '../../data/run-report.js';
import { Store } from '../../data/store.js';
import type { TaskSpec } from '../../schemas/types.js';

const task = (family: string, tier: number, index: number) =>
  ({ id: `r/${family}/t${tier}/${index}`, family, environment: { name: family, version: '1', hash: 'h' }, tier, seed: 1, index, prompt: `p${index}`, tools: [] }) as unknown as TaskSpec;

function episodes(store: Store, t: TaskSpec, passed: boolean[]) {
  passed.forEach((p, i) =>
    store.saveEpisode({
      id: `${t.id}/model/${i}`, runId: 'r', taskId: t.id, policy: 'model', index: i, messages: [], steps: [],
      outcome: { submitted: null, state: null }, verdict: { passed: p, errors: [] },
    }),
  );
  const c = passed.filter(Boolean).length;
  store.saveTaskResult('r', { taskId: t.id, passRate: c / passed.length, episodes: passed.length, passed: c, accepted: c > 0, reason: null });
}

test('the report counts each tier\'s fate of tasks, pass rates and the frontier', () => {
  const store = Store.open(':memory:');
  store.upsertRun({ id: 'r', name: 'r', config: null });
  const fingerprint = { exact: 'x', signature: Array.from({ length: 128 }, (_, i) => i), entries: 0 };
  const screen = (t: TaskSpec, contamination: boolean) =>
    store.screenings.screen({ runId: 'r', taskId: t.id, family: t.family, fingerprint: { ...fingerprint, exact: t.id }, contamination: contamination ? { file: 'e', ngram: 'g' } : null, exact: true, nearThreshold: null });
  const tasks = [task('a', 0, 0), task('a', 0, 1), task('a', 0, 2), task('a', 1, 0), task('a', 1, 1), task('b', 2, 0)];
  tasks.forEach((t) => store.upsertTask('r', t));
  tasks.forEach((t, i) => screen(t, i === 2));
  store.saveTaskResult('r', { taskId: tasks[2].id, passRate: null, episodes: 0, passed: 0, accepted: false, reason: 'contaminated' });
  episodes(store, tasks[0], [true, true, true, true]);
  episodes(store, tasks[1], [true, true, true, true]);
  episodes(store, tasks[3], [true, false, false, false]);
  store.saveGates(tasks[4].id, [
    { gate: 'reference', name: 'reference', mustPass: true, passed: true, detail: '', steps: 2 },
    { gate: 'random', name: 'random 1', mustPass: false, passed: true, detail: '', steps: 3 },
  ]);
  store.saveTaskResult('r', { taskId: tasks[4].id, passRate: null, episodes: 0, passed: 0, accepted: false, reason: 'gameable' });
  episodes(store, tasks[5], [false, false, false, false]);

  const report = runReport(store, 'r', { minPassRate: 0.01, maxPassRate: 1 }, 4);
  const [a, b] = report.families;
  assert.equal(a.family, 'a');
  assert.deepEqual(a.tiers.map((t) => [t.tier, t.generated, t.contaminated, t.measured, t.accepted, t.passedEpisodes, t.episodes]), [
    [0, 3, 1, 2, 2, 8, 8],
    [1, 2, 0, 1, 1, 1, 4],
  ]);
  assert.deepEqual(a.tiers[1].gatedOut, { random: 1 });
  assert.equal(a.tiers[0].passAt1, 1);
  assert.equal(a.tiers[1].passAt1, 0.25);
  assert.equal(a.tiers[1].passAtK, 1);
  assert.equal(a.frontier, 1, 'tier 0 is solved every time, tier 1 is not');
  assert.equal(b.frontier, 2);
  assert.equal(b.tiers[0].passAtK, 0);
  store.close();
});
