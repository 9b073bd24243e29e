// The hardening profile is pure data: check every setting, and that seeded file paths stay inside /work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LIMITS,
  LABEL_MANAGED,
  hardenedContainerConfig,
  type SandboxLimits,
} from '../../sandboxes/profile.js';
import { tarEntriesFor, utf8Prefix } from '../../sandboxes/sandbox.js';
import { CappedSink, composeOutput } from '../../sandboxes/exec.js';
import { randomBytes } from 'node:crypto';

const limits: SandboxLimits = { memoryMb: 256, pidsLimit: 40, cpus: 0.5, timeoutMs: 5000, outputLimitBytes: 1000 };
const config = hardenedContainerConfig({ image: 'img:1', name: 'sbx-1', labels: { 'tasksynth.task': 't1' }, limits });
const host = config.HostConfig!;

test('no network at all', () => {
  assert.equal(host.NetworkMode, 'none');
  assert.equal(config.NetworkDisabled, true);
});

test('no capabilities, no privilege gain, not privileged', () => {
  assert.deepEqual(host.CapDrop, ['ALL']);
  assert.deepEqual(host.CapAdd ?? [], []);
  assert.equal(host.SecurityOpt?.[0], 'no-new-privileges');
  assert.equal(host.Privileged, false);
});

test('a pinned seccomp profile: namespaces, mounts, keyrings, BPF, io_uring and ptrace denied; fork and threads kept', () => {
  const opts = host.SecurityOpt ?? [];
  assert.equal(opts.length, 2);
  assert.ok(opts[1].startsWith('seccomp={'), 'the profile travels inline, as Docker\'s API takes it');
  const profile = JSON.parse(opts[1].slice('seccomp='.length));
  assert.equal(profile.defaultAction, 'SCMP_ACT_ALLOW');
  const denied = new Set(profile.syscalls.filter((r: { args?: unknown }) => !r.args).flatMap((r: { names: string[] }) => r.names));
  for (const name of ['unshare', 'setns', 'mount', 'fsopen', 'keyctl', 'bpf', 'io_uring_setup', 'ptrace', 'userfaultfd', 'perf_event_open', 'clone3', 'open_by_handle_at']) {
    assert.ok(denied.has(name), `${name} is denied`);
  }
  for (const name of ['clone', 'fork', 'vfork', 'execve', 'personality']) assert.ok(!denied.has(name), `${name} stays allowed`);
  const cloneRules = profile.syscalls.filter((r: { names: string[]; args?: unknown }) => r.names.includes('clone') && r.args);
  const flags = cloneRules.map((r: { args: Array<{ value: number; op: string }> }) => (assert.equal(r.args[0].op, 'SCMP_CMP_MASKED_EQ'), r.args[0].value));
  assert.ok(flags.includes(0x10000000), 'clone(CLONE_NEWUSER) is denied');
  assert.equal(flags.reduce((a: number, b: number) => a | b, 0), 0x7e020000, 'every namespace flag, and only those');
});

test('an open-files limit is pinned', () => {
  assert.deepEqual(host.Ulimits?.find((u) => u.Name === 'nofile'), { Name: 'nofile', Soft: 1024, Hard: 1024 });
});

test('the idle keeper runs as the verifier (1001), which the agent (1000) cannot signal; work happens in /work', () => {
  assert.equal(config.User, '1001:1001');
  assert.equal(config.WorkingDir, '/work');
});

test('read-only root; capped tmpfs mounts at /work (the agent\'s, 0755) and /verifier (the verifier\'s, 0700) only', () => {
  assert.equal(host.ReadonlyRootfs, true);
  assert.deepEqual(Object.keys(host.Tmpfs ?? {}).sort(), ['/verifier', '/work']);
  const work = (host.Tmpfs ?? {})['/work']!.split(',');
  assert.ok(work.includes('uid=1000') && work.includes('gid=1000'), 'agent-owned');
  assert.ok(work.includes('mode=0755'), 'mode=0755');
  const verifier = (host.Tmpfs ?? {})['/verifier']!.split(',');
  assert.ok(verifier.includes('uid=1001') && verifier.includes('gid=1001'), 'verifier-owned');
  assert.ok(verifier.includes('mode=0700'), 'closed to the agent');
  for (const opts of [work, verifier]) {
    assert.ok(opts.some((o) => /^size=\d+[kmg]?$/.test(o)), 'size cap');
    assert.ok(opts.includes('nosuid') && opts.includes('nodev') && opts.includes('noexec'), 'nosuid,nodev,noexec');
  }
  assert.equal(host.IpcMode, 'none', 'no writable /dev/shm');
  assert.deepEqual(
    host.Ulimits?.find((u) => u.Name === 'msgqueue'),
    { Name: 'msgqueue', Soft: 0, Hard: 0 },
    'nothing can be created in /dev/mqueue',
  );
  assert.equal(host.Binds, undefined);
  assert.equal(host.Mounts, undefined);
  assert.equal(config.Volumes, undefined);
});

test('resource limits come from the limits given', () => {
  assert.equal(host.PidsLimit, 40);
  assert.equal(host.Memory, 256 * 1024 * 1024);
  assert.equal(host.MemorySwap, host.Memory, 'no swap');
  assert.equal(host.NanoCpus, 500_000_000);
});

test('idle keeper with an init, kept until removed, labelled as managed', () => {
  assert.deepEqual(config.Cmd, ['sleep', 'infinity']);
  assert.equal(host.Init, true);
  assert.equal(host.AutoRemove, false);
  assert.equal(config.Image, 'img:1');
  assert.equal(config.name, 'sbx-1');
  assert.equal(config.Labels?.[LABEL_MANAGED], 'true');
  assert.equal(config.Labels?.['tasksynth.task'], 't1');
});

test('a caller cannot switch off the managed label', () => {
  const c = hardenedContainerConfig({ image: 'i', labels: { [LABEL_MANAGED]: 'false' }, limits: DEFAULT_LIMITS });
  assert.equal(c.Labels?.[LABEL_MANAGED], 'true');
  assert.equal('name' in c, false);
});

test('DEFAULT_LIMITS are all positive', () => {
  for (const [key, value] of Object.entries(DEFAULT_LIMITS)) assert.ok(value > 0, key);
});

test('file paths that could leave /work are rejected', () => {
  for (const bad of ['../x', 'a/../../x', 'a/..', '..', '/etc/passwd', '/work/x', '', 'a//b', './a', 'a/./b', 'a/', 'a\nb']) {
    assert.throws(() => tarEntriesFor({ [bad]: 'x' }), /Invalid sandbox file path/, JSON.stringify(bad));
  }
});

test('a path cannot be both a file and a directory', () => {
  assert.throws(() => tarEntriesFor({ a: '1', 'a/b': '2' }), /also a directory/);
});

test('plain relative paths give parent directories first, then files', () => {
  const entries = tarEntriesFor({ 'src/pkg/m.py': 'print(1)', 'a.txt': 'hé', '..hidden': 'ok' });
  assert.deepEqual(
    entries.map((e) => `${e.type}:${e.name}`),
    ['directory:src', 'directory:src/pkg', 'file:..hidden', 'file:a.txt', 'file:src/pkg/m.py'],
  );
  const a = entries.find((e) => e.name === 'a.txt');
  assert.ok(a && a.type === 'file');
  assert.equal(a.content.toString('utf8'), 'hé');
});

test('utf8Prefix never splits a character', () => {
  const buf = Buffer.from('aé€', 'utf8'); // 1 + 2 + 3 bytes
  assert.equal(utf8Prefix(buf, 6).toString(), 'aé€');
  assert.equal(utf8Prefix(buf, 5).toString(), 'aé');
  assert.equal(utf8Prefix(buf, 2).toString(), 'a');
  assert.equal(utf8Prefix(buf, 0).length, 0);
});

test('tool output stays within its byte limit even when it is binary or cut inside a character', () => {
  const sink = (bytes: Buffer, limit: number) => {
    const s = new CappedSink(limit);
    s.write(bytes);
    return s;
  };
  const limit = 64;
  // A capture cut inside a 3-byte character, and lone continuation bytes, which decode to 3-byte U+FFFD each.
  const cases = [Buffer.concat([Buffer.alloc(limit - 1, 0x61), Buffer.from('€', 'utf8')]), Buffer.alloc(200, 0x80), randomBytes(500)];
  for (const bytes of cases) {
    for (const [exitCode, stderr] of [[0, Buffer.alloc(0)], [1, randomBytes(100)]] as const) {
      const run = { exitCode, stdout: sink(bytes, limit), stderr: sink(stderr, limit), hostTimedOut: false, durationMs: 1 };
      const { output, truncated } = composeOutput(run, limit);
      assert.ok(Buffer.byteLength(output, 'utf8') <= limit, `${Buffer.byteLength(output, 'utf8')} bytes`);
      assert.equal(truncated, true);
      assert.equal(Buffer.from(output, 'utf8').toString('utf8'), output, 'valid UTF-8');
    }
  }
  const small = composeOutput({ exitCode: 0, stdout: sink(Buffer.from('héllo'), limit), stderr: sink(Buffer.alloc(0), limit), hostTimedOut: false, durationMs: 1 }, limit);
  assert.deepEqual(small, { output: 'héllo', truncated: false });
});
