// The host's cap of live sandboxes as one process counts it, with a double for the daemon's list of running ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostSlots } from '../../sandboxes/host-slots.js';

/** Test double for the daemon: `running` containers, answered after a tick, as a real list call would be. */
const daemon = (running: string[]) => async () => {
  await new Promise((r) => setImmediate(r));
  return running.map((n) => ({ Names: [`/${n}`] }));
};

test('two starts at once cannot both take the last slot; a released slot is free again', async () => {
  const slots = new HostSlots(daemon(['a', 'b']), 3);
  const [x, y] = await Promise.all([slots.reserve(), slots.reserve()]);
  assert.deepEqual([x.ok, y.ok].sort(), [false, true], 'one start got the last slot');
  const refused = [x, y].find((s) => !s.ok)!;
  assert.equal(refused.ok === false && refused.live, 2, 'the refusal says how many are live');
  const granted = [x, y].find((s) => s.ok)!;
  if (granted.ok) {
    granted.release();
    granted.release(); // a second release must not free a slot that was never taken
  }
  const [p, q] = await Promise.all([slots.reserve(), slots.reserve()]);
  assert.deepEqual([p.ok, q.ok].sort(), [false, true], 'exactly one slot was free again');
});

test('a retried start whose container is already there keeps its slot, even at the cap', async () => {
  const slots = new HostSlots(daemon(['a', 'mine']), 2);
  assert.equal((await slots.reserve('other')).ok, false);
  assert.equal((await slots.reserve('mine')).ok, true);
});

test('a daemon that fails the list takes no slot', async () => {
  let up = false;
  const slots = new HostSlots(async () => {
    if (!up) throw new Error('daemon gone');
    return [];
  }, 1);
  await assert.rejects(slots.reserve(), /daemon gone/);
  up = true;
  assert.equal((await slots.reserve()).ok, true, 'the failed reservation gave its slot back');
});
