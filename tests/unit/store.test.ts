// The store's promises: versioned migrations, idempotent writes, and the training-data query.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../data/migrations.js';
import { RunIdentityConflict, Store } from '../../data/store.js';
import type { EpisodeRecord, Policy, TaskSpec } from '../../schemas/types.js';
import { SAMPLE_ENVIRONMENT, sampleTask } from '../helpers/sample-task.js';

function task(index: number): TaskSpec {
  return sampleTask({
    id: `files/1/7/${index}`,
    tier: 1,
    seed: 7,
    index,
    tools: [
      { name: 'bash', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
    ],
  });
}

function episode(t: TaskSpec, runId: string, policy: Policy, index: number, passed: boolean): EpisodeRecord {
  return {
    id: `${t.id}/${policy}/${index}`,
    runId,
    taskId: t.id,
    policy,
    index,
    messages: [
      { role: 'user', content: t.prompt },
      { role: 'assistant', toolCall: { name: 'bash', arguments: { cmd: 'echo apple > notes.txt' } }, callId: 'c0' },
      { role: 'tool', callId: 'c0', name: 'bash', content: '' },
      { role: 'assistant', toolCall: { name: 'submit', arguments: {} }, callId: 'c1' },
    ],
    steps: [
      {
        index: 0,
        toolCall: { name: 'bash', arguments: { cmd: 'echo apple > notes.txt' } },
        result: { exitCode: 0, output: '', truncated: false, timedOut: false, durationMs: 5 },
        raw: policy === 'model' ? '{"name":"bash"}' : null,
      },
      { index: 1, toolCall: { name: 'submit', arguments: {} }, result: null, raw: null },
    ],
    outcome: { submitted: {}, state: { files: { 'notes.txt': 'apple\n' } } },
    verdict: { passed, errors: passed ? [] : ['/state/files must have required property \'notes.txt\''] },
  };
}

describe('Store', () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tasksynth-store-'));
    path = join(dir, 'nested', 'state.db');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('migrations are versioned and re-opening applies nothing twice', () => {
    const first = Store.open(path);
    assert.deepEqual(first.migrated, migrations.map((m) => m.version));
    first.close();
    const second = Store.open(path);
    assert.deepEqual(second.migrated, []);
    second.close();

    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    db.close();
    assert.deepEqual(rows, migrations.map((m) => ({ version: m.version, name: m.name })));
  });

  test('WAL journal mode is on', () => {
    const store = Store.open(path);
    store.close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });

  test('writes are idempotent: one task, one episode, its steps once, one verdict', () => {
    const store = Store.open(path);
    try {
      store.upsertRun({ id: 'r1', name: 'first', config: { tasks: 2 } });
      store.upsertRun({ id: 'r1', name: 'first', config: { tasks: 2 } });
      const t = task(0);
      store.upsertTask('r1', t);
      store.upsertTask('r1', t);
      const rows = store.listTasks('r1');
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0].spec, t);
      assert.equal(rows[0].status, 'pending');

      const e = episode(t, 'r1', 'model', 0, false);
      store.saveEpisode(e);
      // A retried episode may differ (fewer steps, another verdict): the second write replaces the first.
      const retried = { ...episode(t, 'r1', 'model', 0, true), steps: e.steps.slice(1) };
      store.saveEpisode(retried);
      store.saveEpisode(retried);

      assert.equal(store.countEpisodes('r1'), 1);
      const [stored] = store.listEpisodes(t.id);
      assert.deepEqual(stored, retried);

      const db = new Database(path, { readonly: true });
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      assert.equal(count('SELECT count(*) AS n FROM episodes'), 1);
      assert.equal(count('SELECT count(*) AS n FROM steps'), 1);
      assert.equal(count('SELECT count(*) AS n FROM verdicts'), 1);
      assert.equal(count('SELECT count(*) AS n FROM tasks'), 1);
      assert.equal(count('SELECT count(*) AS n FROM runs'), 1);
      db.close();

      const gate = { gate: 'null' as const, name: 'null', mustPass: false, passed: false, detail: 'no', steps: 1 };
      store.saveGates(t.id, [gate, { ...gate, gate: 'reference', name: 'reference', mustPass: true, passed: true }]);
      store.saveGates(t.id, [gate, { ...gate, gate: 'reference', name: 'reference', mustPass: true, passed: true }]);
      assert.deepEqual(store.listGates(t.id).map((g) => g.name), ['null', 'reference'], 'a retried write leaves one set');
      const env = { environment: SAMPLE_ENVIRONMENT, image: 'tasksynth-env-files:abc' };
      assert.equal(store.upsertEnvironment(env), store.upsertEnvironment(env));
    } finally {
      store.close();
    }
  });

  test('an episode of an unknown task fails with a message naming it', () => {
    const store = Store.open(path);
    try {
      assert.throws(() => store.saveEpisode(episode(task(99), 'r1', 'model', 0, true)), /files\/1\/7\/99/);
    } finally {
      store.close();
    }
  });

  test('acceptedTrajectories returns only passing model episodes of accepted tasks', () => {
    const store = Store.open(path);
    try {
      store.upsertRun({ id: 'r2', name: 'second', config: {} });
      const accepted = task(10);
      const rejected = task(11);
      store.upsertTask('r2', accepted);
      store.upsertTask('r2', rejected);
      for (const t of [accepted, rejected]) {
        store.saveEpisode(episode(t, 'r2', 'reference', 0, true));
        store.saveEpisode(episode(t, 'r2', 'null', 0, false));
        store.saveEpisode(episode(t, 'r2', 'model', 0, true));
        store.saveEpisode(episode(t, 'r2', 'model', 1, false));
        store.saveEpisode(episode(t, 'r2', 'model', 2, true));
      }
      // Pending tasks are not training data yet.
      assert.deepEqual(store.acceptedTrajectories({ runId: 'r2' }), []);

      store.saveTaskResult('r2', { taskId: accepted.id, passRate: 2 / 3, episodes: 3, passed: 2, accepted: true, reason: null });
      store.saveTaskResult('r2', { taskId: rejected.id, passRate: 2 / 3, episodes: 3, passed: 2, accepted: false, reason: 'too easy' });

      const got = store.acceptedTrajectories({ runId: 'r2' });
      assert.deepEqual(
        got.map((g) => g.episode.id),
        [`${accepted.id}/model/0`, `${accepted.id}/model/2`],
      );
      assert.deepEqual(got[0].task, accepted);
      assert.ok(got.every((g) => g.episode.policy === 'model' && g.episode.verdict.passed));

      // Without a run filter the earlier run's (pending) task adds nothing.
      assert.equal(store.acceptedTrajectories().length, 2);
      // Re-upserting an unchanged task keeps its result.
      store.upsertTask('r2', accepted);
      assert.equal(store.listTasks('r2').find((r) => r.id === accepted.id)?.status, 'accepted');

      const summary = store.runSummary('r2');
      assert.equal(summary.tasks, 2);
      assert.equal(summary.accepted, 1);
      assert.equal(summary.rejected, 1);
      assert.equal(summary.pending, 0);
      assert.equal(summary.episodes, 6);
      assert.equal(summary.passed, 4);
      assert.deepEqual(summary.byPolicy, {
        reference: { episodes: 2, passed: 2 },
        null: { episodes: 2, passed: 0 },
        model: { episodes: 6, passed: 4 },
      });
      assert.equal(summary.passRate, 4 / 6);
    } finally {
      store.close();
    }
  });

  test('runs record store timestamps and finish', () => {
    const store = Store.open(path);
    try {
      store.upsertRun({ id: 'r3', name: 'third', config: { a: 1 } });
      const started = store.getRun('r3');
      assert.equal(started?.status, 'running');
      assert.match(started?.startedAt ?? '', /^\d{4}-\d\d-\d\dT/);
      assert.equal(started?.finishedAt, null);
      store.finishRun('r3', 'completed');
      const done = store.getRun('r3');
      assert.equal(done?.status, 'completed');
      assert.deepEqual(done?.config, { a: 1 });
      assert.ok(done?.finishedAt);
      assert.equal(store.getRun('nope'), undefined);
      assert.throws(() => store.finishRun('nope', 'failed'), /nope/);
    } finally {
      store.close();
    }
  });

  test('a run id keeps the identity it was first recorded with; another config or model under it is refused', () => {
    const store = Store.open(path);
    try {
      store.upsertRun({ id: 'r4', name: 'fourth', config: { a: 1 }, identity: 'aaaa1111', model: 'embedded-m-111' });
      store.finishRun('r4', 'failed');
      // The same identity may run again (a failed run restarted).
      store.upsertRun({ id: 'r4', name: 'fourth', config: { a: 1 }, identity: 'aaaa1111', model: 'embedded-m-111' });
      assert.equal(store.getRun('r4')?.status, 'running');
      assert.throws(
        () => store.upsertRun({ id: 'r4', name: 'fourth', config: { a: 1 }, identity: 'bbbb2222', model: 'embedded-other-222' }),
        (e: Error) => e instanceof RunIdentityConflict && /run id r4 already names a run with model embedded-m-111, not embedded-other-222/.test(e.message),
      );
      assert.throws(
        () => store.upsertRun({ id: 'r4', name: 'fourth', config: { a: 2 }, identity: 'cccc3333', model: 'embedded-m-111' }),
        /another config or environment package.*--run-id/,
      );
      const kept = store.getRun('r4');
      assert.equal(kept?.identity, 'aaaa1111', 'a refused upsert changes nothing');
      assert.deepEqual(kept?.config, { a: 1 });
    } finally {
      store.close();
    }
  });

  test('every database has its own store id, kept across openings (it names the store queue)', () => {
    const first = Store.open(path);
    const id = first.storeId;
    first.close();
    const again = Store.open(path);
    assert.equal(again.storeId, id);
    again.close();
    const other = Store.open(join(dir, 'other.db'));
    assert.notEqual(other.storeId, id);
    assert.match(id, /^[0-9a-f]{12}$/);
    other.close();
  });
});
