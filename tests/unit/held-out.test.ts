// The rules that keep an evaluation honest, on an in-memory store (no services): evaluation runs are never
// exported; their tasks are compared with synthesized tasks only, and later synthesis keeps clear of them; the
// held-out seed is one no synthesis run used; base and tuned are compared on the same tasks; a registered adapter
// name stands for one adapter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdapterNameTaken } from '../../data/adapter-registry.js';
import type { TaskFingerprint } from '../../data/dedup/fingerprint.js';
import { exportOpenAIChat } from '../../data/export/openai-chat.js';
import { Store } from '../../data/store.js';
import { compareRuns } from '../../evaluation/compare.js';
import { EvalPlanError, planEvaluation } from '../../evaluation/held-out-plan.js';
import { validateConfig } from '../../config/load-config.js';
import type { EpisodeRecord, TaskSpec } from '../../schemas/types.js';
import { sampleTask } from '../helpers/sample-task.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tools = [{ name: 'submit', description: 'Finish', parameters: { type: 'object', properties: {} } }];
const config = (purpose?: 'evaluation') =>
  validateConfig({ name: 'r', family: 'files', seed: 1, tiers: [0, 1], tasksPerTier: 2, episodesPerTask: 2, ...(purpose ? { purpose } : {}) }, 'test config');

function task(runId: string, tier: number, seed: number, index: number): TaskSpec {
  return sampleTask({ id: `${runId}/files/t${tier}/s${seed}/${index}`, tier, seed, index, tools });
}

function episode(t: TaskSpec, runId: string, index: number, passed: boolean): EpisodeRecord {
  return {
    id: `${t.id}/model/${index}`, runId, taskId: t.id, policy: 'model', index,
    messages: [
      { role: 'system', content: 'You are an agent.' },
      { role: 'user', content: t.prompt },
      { role: 'assistant', toolCall: { name: 'submit', arguments: {} }, callId: 'call_0' },
    ],
    steps: [], outcome: { submitted: {}, state: {} }, verdict: { passed, errors: [] },
  };
}

/** A run whose tasks passed as `passes` says: passes[i] = passed episodes of task i (of 2). */
function seedRun(store: Store, runId: string, purpose: 'evaluation' | undefined, tasks: Array<{ tier: number; seed: number; index: number; passes: number }>) {
  store.upsertRun({ id: runId, name: runId, config: config(purpose) });
  for (const spec of tasks) {
    const t = task(runId, spec.tier, spec.seed, spec.index);
    store.upsertTask(runId, t);
    for (let i = 0; i < 2; i++) store.saveEpisode(episode(t, runId, i, i < spec.passes));
    store.saveTaskResult(runId, { taskId: t.id, passRate: spec.passes / 2, episodes: 2, passed: spec.passes, accepted: true, reason: null });
  }
}

const print = (exact: string): TaskFingerprint => ({ exact, signature: Array.from({ length: 128 }, (_, i) => (i * 7919 + exact.length) % 65521), entries: 1 }) as unknown as TaskFingerprint;

test('an evaluation run\'s trajectories are never exported (or trained on), a synthesis run\'s are', async () => {
  const store = Store.open(':memory:');
  seedRun(store, 'synth', undefined, [{ tier: 0, seed: 7, index: 0, passes: 2 }]);
  seedRun(store, 'heldout', 'evaluation', [{ tier: 0, seed: 1000, index: 0, passes: 2 }]);
  assert.deepEqual([...new Set(store.acceptedTrajectories().map((t) => t.episode.runId))], ['synth']);
  assert.equal(store.acceptedTrajectories({ runId: 'heldout' }).length, 0);
  const file = join(mkdtempSync(join(tmpdir(), 'tasksynth-heldout-')), 'all.jsonl');
  const { lines } = await exportOpenAIChat(store, file);
  assert.equal(lines, 2);
  assert.ok(!readFileSync(file, 'utf8').includes('heldout/'), 'no evaluation task in the export');
  store.close();
});

test('held-out screening: compared with synthesized tasks only; base and tuned share tasks; later synthesis keeps clear of them', () => {
  const store = Store.open(':memory:');
  store.upsertRun({ id: 's1', name: 's1', config: config() });
  store.upsertRun({ id: 'base', name: 'base', config: config('evaluation') });
  store.upsertRun({ id: 'tuned', name: 'tuned', config: config('evaluation') });
  store.upsertRun({ id: 's2', name: 's2', config: config() });
  const screen = (runId: string, id: string, exact: string, heldOut: boolean) => {
    store.upsertTask(runId, task(runId, 0, 1, Number(id.replace(/\D/g, '')) || 0));
    return store.screenings.screen({
      runId, taskId: task(runId, 0, 1, Number(id.replace(/\D/g, '')) || 0).id, family: 'files', fingerprint: print(exact),
      contamination: null, exact: true, nearThreshold: null, heldOut,
    });
  };
  assert.equal(screen('s1', 'a0', 'trained-content', false).verdict, 'kept');
  // A held-out task identical to a trained one is dropped before any rollout.
  const leaked = screen('base', 'b1', 'trained-content', true);
  assert.equal(leaked.verdict, 'exact-duplicate');
  assert.equal(leaked.duplicateOf, 's1/files/t0/s1/0');
  // The same held-out task in the base and in the tuned run: kept in both.
  assert.equal(screen('base', 'b2', 'held-out-content', true).verdict, 'kept');
  assert.equal(screen('tuned', 'c2', 'held-out-content', true).verdict, 'kept');
  // A later synthesis run that draws it is turned away: nobody trains on a held-out task.
  const later = screen('s2', 'd3', 'held-out-content', false);
  assert.equal(later.verdict, 'exact-duplicate');
  assert.match(later.duplicateOf ?? '', /^(base|tuned)\//);
  store.close();
});

test('the evaluation plan draws a seed no synthesis run used, over the trained families and tiers', () => {
  const store = Store.open(':memory:');
  seedRun(store, 'synth', undefined, [
    { tier: 0, seed: 1000, index: 0, passes: 1 },
    { tier: 1, seed: 1001, index: 0, passes: 1 },
  ]);
  // An earlier evaluation's seed does not count as used: evaluations of one plan share their held-out tasks.
  seedRun(store, 'old-eval', 'evaluation', [{ tier: 0, seed: 1002, index: 0, passes: 0 }]);
  const adapter = store.adapters.register({
    name: 'a', path: '/x/a.gguf', sha256: 'aa', basePath: '/x/base.gguf', baseSha256: 'bb',
    data: { runs: ['synth'], lines: 2, labelTokens: 20, sha256: 'cc', taskIds: ['synth/files/t0/s1000/0', 'synth/files/t1/s1001/0'] },
    hyperparameters: { epochs: 1 }, losses: [1, 0.5], seconds: 3,
  });
  const plan = planEvaluation(store, { adapter, tasksPerTier: 3, k: 5 });
  assert.equal(plan.seed, 1002);
  assert.deepEqual(plan.base.families.map((f) => [f.name, f.tiers, f.seed, f.tasksPerTier]), [['files', [0, 1], 1002, 3]]);
  assert.equal(plan.base.purpose, 'evaluation');
  assert.equal(plan.base.episodesPerTask, 5);
  assert.deepEqual(plan.base.acceptance, { minPassRate: 0, maxPassRate: 1, earlyStop: false }, 'measured whatever any model scores');
  assert.equal(plan.base.model.adapter, undefined);
  assert.equal(plan.tuned.model.adapter, '/x/a.gguf');
  assert.deepEqual({ ...plan.tuned, model: { ...plan.tuned.model, adapter: undefined } }, { ...plan.base, model: { ...plan.base.model, adapter: undefined } }, 'the two runs differ by the adapter only');
  assert.throws(() => planEvaluation(store, { adapter, tasksPerTier: 3, k: 5, seed: 1001 }), EvalPlanError);
  assert.throws(() => planEvaluation(store, { adapter, tasksPerTier: 3, k: 5, families: ['sql-analytics'] }), /not trained on/);
  store.close();
});

test('base vs tuned: paired tasks only, pass@1 over episodes, pass@k over tasks', () => {
  const store = Store.open(':memory:');
  seedRun(store, 'base', 'evaluation', [
    { tier: 0, seed: 1000, index: 0, passes: 0 },
    { tier: 0, seed: 1000, index: 1, passes: 1 },
    { tier: 1, seed: 1000, index: 0, passes: 0 },
    { tier: 1, seed: 1000, index: 1, passes: 2 }, // measured by base only: left out
  ]);
  seedRun(store, 'tuned', 'evaluation', [
    { tier: 0, seed: 1000, index: 0, passes: 2 },
    { tier: 0, seed: 1000, index: 1, passes: 1 },
    { tier: 1, seed: 1000, index: 0, passes: 1 },
  ]);
  const rows = compareRuns(store, 'base', 'tuned');
  const all = rows.find((r) => r.family === '*')!;
  assert.deepEqual(all.base, { tasks: 3, episodes: 6, passed: 1, solved: 1 });
  assert.deepEqual(all.tuned, { tasks: 3, episodes: 6, passed: 4, solved: 3 });
  const t1 = rows.find((r) => r.family === 'files' && r.tier === 1)!;
  assert.equal(t1.base.tasks, 1);
  store.close();
});

test('an adapter name stands for one adapter: registering it again is a no-op, another adapter under it is refused', () => {
  const store = Store.open(':memory:');
  const record = {
    name: 'n', path: '/x/n.gguf', sha256: 'aa', basePath: '/x/base.gguf', baseSha256: 'bb',
    data: { runs: ['r'], lines: 1, labelTokens: 5, sha256: 'cc', taskIds: ['t'] }, hyperparameters: { epochs: 1 }, losses: [1], seconds: 1,
  };
  const first = store.adapters.register(record);
  assert.equal(store.adapters.register(record).createdAt, first.createdAt);
  assert.throws(() => store.adapters.register({ ...record, sha256: 'dd' }), AdapterNameTaken);
  assert.deepEqual(store.adapters.list().map((a) => a.name), ['n']);
  store.close();
});
