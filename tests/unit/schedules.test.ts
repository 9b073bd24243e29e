import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { durationMs, overlapPolicy, scheduleAction, scheduleSpec } from '../../client/schedules.js';
import { UsageError } from '../../core/usage-error.js';
import { validateConfig } from '../../config/load-config.js';
import { scheduledRunId } from '../../core/ids.js';
import { firingConfig } from '../../workflows/scheduled-run.js';

const config = validateConfig(
  { name: 'nightly', families: [{ name: 'files', tiers: [0], tasks: 2 }, { name: 'sql-analytics', tiers: [0, 1], tasks: 2, seed: 9 }], seed: 3, episodesPerTask: 2 },
  'nightly.yaml',
);

test('each firing derives its own seeds from the schedule and fire time; the same firing derives the same ones', () => {
  const a = firingConfig(config, 'nightly', '2026-12-01T03:00:00Z');
  const again = firingConfig(config, 'nightly', '2026-12-01T03:00:00Z');
  const b = firingConfig(config, 'nightly', '2026-12-02T03:00:00Z');
  const other = firingConfig(config, 'weekly', '2026-12-01T03:00:00Z');
  assert.deepEqual(a, again);
  for (const [i, family] of a.families.entries()) {
    assert.notEqual(family.seed, config.families[i].seed);
    assert.notEqual(family.seed, b.families[i].seed, `${family.name}: another fire time, another seed`);
    assert.notEqual(family.seed, other.families[i].seed, `${family.name}: another schedule, another seed`);
  }
  assert.notEqual(a.families[0].seed, a.families[1].seed, 'families of one firing draw from different seeds');
  assert.deepEqual({ ...a, families: [] }, { ...config, families: [] }, 'nothing but the seeds changes');
});

test('a firing run id names the schedule and the fire time', () => {
  assert.equal(scheduledRunId('nightly', '2026-12-01T03:00:00Z'), 'nightly-20261201T030000Z');
});

test('timetables: exactly one of --every and --cron, durations and cron fields checked', () => {
  assert.deepEqual(scheduleSpec({ every: '6h' }), { intervals: [{ every: 6 * 3600_000 }], jitter: undefined });
  assert.deepEqual(scheduleSpec({ cron: ' 0 3 * * * ', jitter: '5m' }), { cronExpressions: ['0 3 * * *'], jitter: 300_000 });
  assert.deepEqual(scheduleSpec({ cron: '@daily' }), { cronExpressions: ['@daily'], jitter: undefined });
  const refused: Array<[Parameters<typeof scheduleSpec>[0], RegExp]> = [
    [{}, /exactly one of --every and --cron/],
    [{ every: '1h', cron: '0 3 * * *' }, /exactly one/],
    [{ every: 'often' }, /--every "often" is not a duration/],
    [{ every: '0s' }, /--every "0s" must be at least 1 s/],
    [{ every: '-5m' }, /must be at least/],
    [{ cron: '0 3' }, /needs five fields/],
    [{ every: '1h', jitter: 'a bit' }, /--jitter "a bit" is not a duration/],
  ];
  for (const [timing, message] of refused) {
    assert.throws(() => scheduleSpec(timing), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && message.test(e.message), JSON.stringify(timing));
  }
  assert.equal(durationMs('catchup-window', '1h'), 3600_000);
});

test('overlap names map to Temporal policies, and anything else is named as wrong', () => {
  assert.equal(overlapPolicy('skip'), ScheduleOverlapPolicy.SKIP);
  assert.equal(overlapPolicy('buffer-one'), ScheduleOverlapPolicy.BUFFER_ONE);
  assert.equal(overlapPolicy('allow'), ScheduleOverlapPolicy.ALLOW_ALL);
  assert.throws(() => overlapPolicy('cancel'), /--overlap "cancel": choose one of skip, buffer-one, allow/);
});

test('the action starts a scheduledRun on the job\'s queue with the run\'s model and store queues', () => {
  const origin = { configFile: '/etc/nightly.yaml', every: null, cron: '0 3 * * *', jitter: '5m', exportDir: '/data/exports', model: 'embedded-m.gguf', taskQueue: 'farm', storeId: 'a1b2c3d4e5f6' };
  const action = scheduleAction({ name: 'nightly', config, environments: [], taskQueue: 'farm', engineFingerprint: 'embedded-m.gguf', storeId: 'a1b2c3d4e5f6', exportDir: '/data/exports' }, origin);
  assert.equal(action.workflowType, 'scheduledRun');
  assert.equal(action.workflowId, 'schedule/nightly');
  assert.equal(action.taskQueue, 'farm');
  const [input] = action.args;
  assert.deepEqual(input.queues, { model: 'farm/model/embedded-m.gguf', store: 'farm/store/a1b2c3d4e5f6' });
  assert.equal(input.exportDir, '/data/exports');
  assert.equal(input.schedule, 'nightly');
  assert.deepEqual(input.origin, origin, 'the timetable as given travels with the action (a schedule\'s memo cannot be updated)');
});
