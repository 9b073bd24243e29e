// Chaos in CI (the short form of bench/chaos): one run on the real components while worker processes are
// SIGKILLed, the Temporal dev server is killed and restarted on its database, and the Docker daemon is restarted.
// The run must complete with nothing lost, no model call made twice and no container left, within 10 minutes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerRestartable, runChaos } from '../../bench/chaos-harness.js';

test('a run survives 5 worker SIGKILLs, a Temporal server restart and a Docker daemon restart', { timeout: 10 * 60_000, skip: !dockerRestartable() && 'needs root and a dockerd to restart' }, async () => {
  const report = await runChaos({
    // Sized so the run outlasts its faults: with warm sandboxes the 4-task run took under a minute, and faults
    // every 7 s did not all land before it ended.
    kills: 5, serverRestarts: 1, dockerRestarts: 1, tasks: 6, episodesPerTask: 2, seed: 17, everyMs: 5_000,
    log: (line) => console.log(`chaos: ${line}`),
  });
  console.log(`chaos: ${JSON.stringify(report)}`);
  assert.equal(report.kills, 5, 'every kill landed while the run was going');
  assert.equal(report.serverRestarts, 1);
  assert.equal(report.dockerRestarts, 1);
  assert.equal(report.lost, 0, 'nothing lost');
  assert.equal(report.duplicated, 0, 'no model call made twice');
  assert.equal(report.leaked, 0, 'no container left behind');
  assert.ok(report.episodes >= 1, 'episodes were stored');
});
