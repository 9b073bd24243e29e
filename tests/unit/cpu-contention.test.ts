import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CpuContention, hostBusySeconds, threadsFor } from '../../inference/cpu-contention.js';

test('/proc/stat: busy seconds are all CPU time but idle and iowait, in 1/100 s ticks', () => {
  const stat = 'cpu  1000 50 300 9000 200 10 20 5 0 0\ncpu0 500 25 150 4500 100 5 10 2 0 0\nintr 1 2 3\n';
  assert.equal(hostBusySeconds(stat), (1000 + 50 + 300 + 10 + 20 + 5) / 100);
  assert.equal(hostBusySeconds('intr 1 2 3\n'), null);
  assert.equal(hostBusySeconds('cpu  a b c d\n'), null);
});

test('the cores other processes keep busy while this process evaluates: host busy time less its own, per second', () => {
  // Doubles for the three clocks: host busy seconds, own CPU seconds, wall seconds.
  let busy = 100;
  let own = 10;
  let now = 0;
  const c = new CpuContention(() => busy, () => own, () => now);
  assert.equal(c.othersBusy(), null, 'nothing measured yet');
  c.start();
  now = 2;
  busy += 4; // the host was busy 4 core-seconds in 2 s ...
  own += 2; // ... of which this process used 2: others kept one core busy
  c.stop();
  assert.equal(c.othersBusy(), 1);
  // Between evaluations a sandbox burst comes and goes: not measured.
  now = 10;
  busy += 8;
  c.start();
  now = 10.125;
  busy += 0.25;
  c.stop();
  assert.equal(c.othersBusy(), 1, 'a window shorter than a quarter second keeps the last estimate');
  c.start();
  now = 12;
  busy += 2;
  own += 2;
  c.stop();
  assert.equal(c.othersBusy(), 0, 'the host was busy only with this process');
  const blind = new CpuContention(() => null);
  blind.start();
  blind.stop(0);
  assert.equal(blind.othersBusy(), null, 'unknown without /proc/stat');
});

test('threads follow the free cores: a core others keep busy CORE_TAKEN_AT (0.65) of the time is taken, never fewer than one thread', () => {
  assert.equal(threadsFor(2, 2, 0), 2);
  assert.equal(threadsFor(2, 2, 0.4), 2);
  assert.equal(threadsFor(2, 2, 0.9), 1);
  // Between a half and CORE_TAKEN_AT of a core, two threads still beat one (bench:threads).
  assert.equal(threadsFor(2, 2, 0.6), 2);
  assert.equal(threadsFor(2, 2, 0.75), 1);
  assert.equal(threadsFor(2, 2, 0.65), 1, 'at CORE_TAKEN_AT the core is taken');
  assert.equal(threadsFor(2, 2, 0.64), 2);
  assert.equal(threadsFor(4, 4, 1.65), 2);
  assert.equal(threadsFor(2, 2, 3), 1);
  assert.equal(threadsFor(4, 8, 1), 4, 'never more than configured');
  assert.equal(threadsFor(8, 8, 2.2), 6);
  assert.equal(threadsFor(2, 2, null), 2, 'unknown load: as configured');
});
