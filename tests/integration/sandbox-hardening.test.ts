// Real Docker, real base image: each hardening claim is probed from inside a sandbox.
// A control container with the hardening relaxed runs the same probes, to show each probe can fail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { baseImageScript, baseImageTag } from '../../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { builtinEnvironmentsDir } from '../../environments/catalog.js';
import { ensureEnvironmentImage } from '../../environments/image.js';
import { loadEnvironment } from '../../environments/package.js';
import { ensureLayerImage } from '../../sandboxes/layer-image.js';
import { hardenedContainerConfig, type SandboxLimits } from '../../sandboxes/profile.js';
import { HOST_GRACE_MS, SandboxManager, STDERR_MARKER } from '../../sandboxes/sandbox.js';

const BUILD_TIMEOUT_MS = 20 * 60_000;
const RUN_LABEL = 'tasksynth.test-run';
const runId = `hardening-${process.pid}-${Date.now()}`;
const limits: SandboxLimits = { memoryMb: 256, pidsLimit: 32, cpus: 1, timeoutMs: 15_000, outputLimitBytes: 4096 };

const docker = connectDocker();
const manager = new SandboxManager(docker, limits);
const image = baseImageTag();
let sandbox = '';
let control = '';
let listener: Server;
let listenerHits = 0;
let hostAddress = '';
let listenerPort = 0;

/** Runs a process to the end; resolves with its exit code and stdout. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], timeout: timeoutMs });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

async function managedContainersOfThisRun(): Promise<string[]> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } });
  return found.map((c) => c.Id);
}

/** The docker0 address (or any external IPv4 of this machine): reachable from a bridged container. */
function localHostAddress(): string {
  const nets = networkInterfaces();
  const all = [...(nets.docker0 ?? []), ...Object.values(nets).flatMap((n) => n ?? [])];
  const v4 = all.find((n) => n.family === 'IPv4' && !n.internal);
  if (!v4) throw new Error('no external IPv4 address on this machine');
  return v4.address;
}

/** A sandbox-shaped container with the hardening switched off, run directly (not via SandboxManager). */
async function createControl(): Promise<string> {
  const config = hardenedContainerConfig({ image, labels: { [RUN_LABEL]: runId }, limits });
  config.NetworkDisabled = false;
  config.HostConfig = {
    ...config.HostConfig,
    NetworkMode: 'bridge',
    CapDrop: [],
    SecurityOpt: [],
    ReadonlyRootfs: false,
    PidsLimit: 0,
  };
  const c = await docker.createContainer(config);
  await c.start();
  return c.id;
}

const python = (id: string, code: string, opts: { timeoutMs?: number } = {}) =>
  manager.exec(id, ['python3', '-c', code], opts);

before(
  async () => {
    await pingDocker(docker);
    if (!(await imageExists(image))) {
      const built = await run('bash', [baseImageScript()], BUILD_TIMEOUT_MS);
      assert.equal(built.code, 0, 'build-base-image.sh failed');
    }
    sandbox = await manager.create(image, { [RUN_LABEL]: runId }, {
      'seed.txt': 'seeded\n',
      'pkg/probe.py': 'print("probe ran")\n',
    });
    control = await createControl();
    hostAddress = localHostAddress();
    listener = createServer((socket) => {
      listenerHits++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    const address = listener.address();
    listenerPort = typeof address === 'object' && address ? address.port : 0;
  },
  { timeout: BUILD_TIMEOUT_MS + 60_000 },
);

after(async () => {
  listener?.close();
  for (const id of await managedContainersOfThisRun()) await manager.remove(id);
});

test('the build script and baseImageTag() name the same image', { skip: process.getuid?.() !== 0 }, async () => {
  const out = await run('bash', [baseImageScript()], BUILD_TIMEOUT_MS);
  assert.equal(out.code, 0);
  assert.equal(out.stdout.trim().split('\n').at(-1), image);
});

test('files given to create() are in /work, owned by the agent', async () => {
  const r = await manager.exec(sandbox, ['sh', '-c', 'cat seed.txt && python3 pkg/probe.py && stat -c "%u:%g %a %n" seed.txt pkg pkg/probe.py']);
  assert.equal(r.exitCode, 0, r.output);
  assert.equal(r.output, 'seeded\nprobe ran\n1000:1000 644 seed.txt\n1000:1000 755 pkg\n1000:1000 644 pkg/probe.py\n');
});

const NETWORK_PROBE = (hostIp: string, port: number) => `
import socket
def attempt(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return 'CONNECTED'
    except OSError as e:
        return 'FAILED %s' % e.errno
routes = open('/proc/net/route').read().splitlines()[1:]
print('ROUTES', len(routes))
print('IFACES', ','.join(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').read().splitlines()[2:])))
print('HOST', attempt(${JSON.stringify(hostIp)}, ${port}))
# A public address only when no route exists: a broken sandbox must not send traffic off this machine.
print('PUBLIC', 'SKIPPED' if routes else attempt('1.1.1.1', 80))
if routes:
    print('DNS SKIPPED')
else:
    try:
        socket.getaddrinfo('deb.debian.org', 80)
        print('DNS RESOLVED')
    except OSError as e:
        print('DNS FAILED')
`;

test('network: no interface but lo, no route, no TCP to this host or the internet, no DNS', async () => {
  const r = await python(sandbox, NETWORK_PROBE(hostAddress, listenerPort));
  assert.equal(r.exitCode, 0, r.output);
  const lines = r.output.trim().split('\n');
  assert.equal(lines[0], 'ROUTES 0');
  assert.equal(lines[1], 'IFACES lo');
  assert.equal(lines[2], 'HOST FAILED 101', 'ENETUNREACH to this machine');
  assert.equal(lines[3], 'PUBLIC FAILED 101', 'ENETUNREACH to 1.1.1.1');
  assert.equal(lines[4], 'DNS FAILED');
  assert.equal(listenerHits, 0);
});

test('control: the network probe sees a bridged container get out', async () => {
  const r = await python(control, NETWORK_PROBE(hostAddress, listenerPort));
  assert.match(r.output, /^HOST CONNECTED$/m);
  assert.doesNotMatch(r.output, /^ROUTES 0$/m);
  assert.ok(listenerHits > 0);
});

const WRITE_PROBE = `
import subprocess
for p in ['/etc/x', '/tmp/x', '/opt/x', '/x', '/var/tmp/x', '/home/x', '/usr/local/x', '/root/x', '/dev/shm/x', '/dev/mqueue/x', '/work/written.txt']:
    try:
        with open(p, 'w') as f:
            f.write('x')
        print('WROTE', p)
    except OSError as e:
        print('DENIED', p)
`;
// Every directory uid 1000 may write to by its mode, outside the kernel's virtual file systems.
// /dev/mqueue is left out: its mode is 1777, but creating anything there fails (probed above).
const WRITABLE_DIRS = [
  'sh',
  '-c',
  'find / \\( -path /proc -o -path /sys -o -path /dev/mqueue \\) -prune -o -type d -writable -print 2>/dev/null | sort',
];

test('filesystem: only /work is writable', async () => {
  const r = await python(sandbox, WRITE_PROBE);
  assert.equal(r.exitCode, 0, r.output);
  const denied = ['/etc/x', '/tmp/x', '/opt/x', '/x', '/var/tmp/x', '/home/x', '/usr/local/x', '/root/x', '/dev/shm/x', '/dev/mqueue/x'];
  for (const p of denied) assert.match(r.output, new RegExp(`^DENIED ${p}$`, 'm'), p);
  assert.match(r.output, /^WROTE \/work\/written.txt$/m);
  const back = await manager.exec(sandbox, ['cat', '/work/written.txt']);
  assert.equal(back.output, 'x');
  const dirs = await manager.exec(sandbox, WRITABLE_DIRS);
  assert.deepEqual(dirs.output.trim().split('\n'), ['/work', '/work/pkg']);
});

test('control: the write probes see a writable root file system', async () => {
  const r = await python(control, WRITE_PROBE);
  assert.match(r.output, /^WROTE \/tmp\/x$/m);
  const dirs = await manager.exec(control, WRITABLE_DIRS);
  assert.ok(dirs.output.split('\n').includes('/tmp'));
});

const FORK_PROBE = (n: number) => `
import os, time
children, status = [], 'ALL_FORKED'
for i in range(${n}):
    try:
        pid = os.fork()
    except OSError as e:
        status = 'FORK_FAILED %d' % len(children)
        break
    if pid == 0:
        time.sleep(20)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
print(status)
`;

test('processes: forking past the pids limit fails', async () => {
  const r = await python(sandbox, FORK_PROBE(limits.pidsLimit + 8));
  assert.equal(r.exitCode, 0, r.output);
  const m = /^FORK_FAILED (\d+)$/m.exec(r.output);
  assert.ok(m, `expected a fork failure, got: ${r.output}`);
  assert.ok(Number(m[1]) < limits.pidsLimit);
});

test('control: the fork probe succeeds without a pids limit', async () => {
  const r = await python(control, FORK_PROBE(limits.pidsLimit + 8));
  assert.equal(r.output.trim(), 'ALL_FORKED');
});

test('identity: uid and gid 1000', async () => {
  const r = await manager.exec(sandbox, ['sh', '-c', 'id -u; id -g']);
  assert.equal(r.output, '1000\n1000\n');
});

const CAPS = ['grep', '-E', '^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):', '/proc/self/status'];

test('capabilities: none at all, in any set, and no privilege gain', async () => {
  const r = await manager.exec(sandbox, CAPS);
  const status = Object.fromEntries(r.output.trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
  assert.equal(status.CapEff, '0000000000000000');
  assert.equal(status.CapPrm, '0000000000000000');
  assert.equal(status.CapBnd, '0000000000000000');
  assert.equal(status.CapAmb, '0000000000000000');
  assert.equal(status.NoNewPrivs, '1');
});

test('a test-runner sandbox: root keeps only uid and gid switching; the agent has no capability there either', async () => {
  const runner = await manager.create(image, { [RUN_LABEL]: runId }, {}, undefined, { testRunner: true });
  try {
    const caps = async (user: 'runner' | 'agent' | 'verifier') => {
      const r = await manager.exec(runner, CAPS, { user });
      return Object.fromEntries(r.output.trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
    };
    const root = await caps('runner');
    // CAP_SETGID is bit 6, CAP_SETUID bit 7: 0xc0, and nothing else in any set.
    assert.equal(root.CapEff, '00000000000000c0');
    assert.equal(root.CapBnd, '00000000000000c0');
    assert.equal(root.NoNewPrivs, '1');
    for (const user of ['agent', 'verifier'] as const) {
      const s = await caps(user);
      assert.equal(s.CapEff, '0000000000000000', `${user} has no effective capability`);
      assert.equal(s.CapPrm, '0000000000000000', `${user} has no permitted capability`);
    }
  } finally {
    await manager.remove(runner);
  }
});

test('control: the capability probe sees a bounding set without CapDrop', async () => {
  const r = await manager.exec(control, CAPS);
  assert.doesNotMatch(r.output, /^CapBnd:\s+0000000000000000$/m);
  assert.match(r.output, /^NoNewPrivs:\s+0$/m);
});

test('memory: allocating past the limit gets the process killed', async () => {
  const r = await python(sandbox, 'b = b"x" * (400 * 1024 * 1024); print("ALLOCATED")');
  assert.equal(r.exitCode, 137, r.output);
  assert.doesNotMatch(r.output, /ALLOCATED/);
  assert.equal(r.timedOut, false);
});

test('timeout: a long command is killed with its children, and reported', async () => {
  const r = await manager.exec(sandbox, ['sh', '-c', 'sleep 41 & sleep 42'], { timeoutMs: 1500 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, 137);
  assert.ok(r.durationMs >= 1500 && r.durationMs < 1500 + HOST_GRACE_MS, `took ${r.durationMs} ms`);
  const left = await python(sandbox, `
import os
print(sum(1 for p in os.listdir('/proc') if p.isdigit() and b'sleep\\x004' in open('/proc/%s/cmdline' % p, 'rb').read()))
`);
  assert.equal(left.output.trim(), '0', 'no sleep left running');
  const quick = await manager.exec(sandbox, ['true'], { timeoutMs: 1500 });
  assert.equal(quick.timedOut, false);
  assert.equal(quick.exitCode, 0);
});

test('output: capped at the limit, counted as truncated; stderr follows the marker on failure', async () => {
  const big = await python(sandbox, 'import sys; sys.stdout.write("x" * 100000)', {});
  assert.equal(big.exitCode, 0);
  assert.equal(Buffer.byteLength(big.output), limits.outputLimitBytes);
  assert.equal(big.truncated, true);
  const small = await manager.exec(sandbox, ['echo', 'hi'], { outputLimitBytes: 3 });
  assert.equal(small.output, 'hi\n');
  assert.equal(small.truncated, false);
  const failed = await python(sandbox, 'import sys; print("x" * 10000); sys.exit("boom")');
  assert.equal(failed.exitCode, 1);
  assert.ok(Buffer.byteLength(failed.output) <= limits.outputLimitBytes);
  assert.ok(failed.output.endsWith(`${STDERR_MARKER}boom\n`), failed.output.slice(-100));
  assert.equal(failed.truncated, true);
  const stdin = await manager.exec(sandbox, ['wc', '-c'], { stdin: 'four' });
  assert.equal(stdin.output.trim(), '4');
});

test('create() with a path outside /work is rejected and leaves no container', async () => {
  const before = (await managedContainersOfThisRun()).length;
  await assert.rejects(manager.create(image, { [RUN_LABEL]: runId }, { '../escape': 'x' }), /Invalid sandbox file path/);
  await assert.rejects(manager.create(image, { [RUN_LABEL]: runId }, { '/etc/evil': 'x' }), /Invalid sandbox file path/);
  // Fails after the container exists: more than the /work tmpfs holds.
  await assert.rejects(
    manager.create(image, { [RUN_LABEL]: runId }, { 'huge.txt': 'x'.repeat(80 * 1024 * 1024) }),
    /Writing files into sandbox/,
  );
  assert.equal((await managedContainersOfThisRun()).length, before);
});

test('environment image: public tools readable by the agent, private verifier code closed to it, neither writable', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tasksynth-envimage-'));
  let tag = '';
  try {
    cpSync(join(builtinEnvironmentsDir(), 'files'), dir, { recursive: true });
    writeFileSync(join(dir, 'environment.yaml'), readFileSync(join(dir, 'environment.yaml'), 'utf8').replace('name: files', 'name: demo'));
    mkdirSync(join(dir, 'verifier', 'lib'));
    writeFileSync(join(dir, 'verifier', 'lib', 'key.py'), 'ANSWER = "secret"\n');
    const pkg = loadEnvironment(dir);
    tag = await ensureEnvironmentImage(docker, pkg, image);
    assert.match(tag, /^tasksynth-env-demo:[0-9a-f]{12}$/);
    assert.equal(await ensureEnvironmentImage(docker, pkg, image), tag, 'same inputs, same tag');
    const id = await manager.create(tag, { [RUN_LABEL]: runId }, {});
    try {
      const root = '/opt/tasksynth/env/demo';
      const listing = await manager.exec(id, ['find', root, '/opt/tasksynth/runtime', '-printf', '%u %m %p\\n'], { user: 'verifier' });
      const lines = listing.output.trim().split('\n').sort();
      assert.ok(lines.includes(`root 755 ${root}/tools`), listing.output);
      assert.ok(lines.includes(`root 644 ${root}/tools/files_tool.py`), listing.output);
      assert.ok(lines.includes(`1001 700 ${root}/verifier`), listing.output);
      assert.ok(lines.includes(`1001 600 ${root}/verifier/lib/key.py`), listing.output);
      assert.ok(lines.includes('root 644 /opt/tasksynth/runtime/run_verifier.py'), listing.output);
      for (const argv of [['cat', `${root}/verifier/lib/key.py`], ['ls', `${root}/verifier`], ['cat', `${root}/verifier/probe.py`]]) {
        const r = await manager.exec(id, argv);
        assert.notEqual(r.exitCode, 0, `the agent ran ${argv.join(' ')}: ${r.output}`);
        assert.match(r.output, /Permission denied/);
      }
      const tools = await manager.exec(id, ['cat', `${root}/tools/files_tool.py`]);
      assert.match(tools.output, /In-sandbox tools/, 'the agent reads its tools');
      const verifierReads = await manager.exec(id, ['cat', `${root}/verifier/lib/key.py`], { user: 'verifier' });
      assert.equal(verifierReads.output, 'ANSWER = "secret"\n', 'the control: the verifier reads it');
      for (const who of ['agent', 'verifier'] as const) {
        const w = await manager.exec(id, ['sh', '-c', `echo hack >> ${root}/tools/files_tool.py || echo hack >> /opt/tasksynth/runtime/run_verifier.py`], { user: who });
        assert.notEqual(w.exitCode, 0, `${who} changed a tool`);
      }
    } finally {
      await manager.remove(id);
    }
    writeFileSync(join(dir, 'verifier', 'lib', 'key.py'), 'ANSWER = "changed"\n');
    const changed = await ensureEnvironmentImage(docker, loadEnvironment(dir), image);
    assert.notEqual(changed, tag, 'a changed file gives a new tag');
    await docker.getImage(changed).remove();
    await assert.rejects(ensureEnvironmentImage(docker, pkg, 'tasksynth-base:000000000000'), /Base image .* is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (tag) await docker.getImage(tag).remove().catch(() => undefined);
  }
});

test('layer image: a failed build throws the builder\'s message', async () => {
  // A stand-in engine whose build stream ends normally with an error event, as Docker's does.
  const events = ['{"stream":"Step 1/3 : FROM base"}', '{"errorDetail":{"message":"COPY failed: boom"},"error":"COPY failed: boom"}'];
  const engine = {
    modem: docker.modem,
    getImage: (tag: string) => ({
      inspect: async () => {
        if (tag === 'base:1') return {};
        throw Object.assign(new Error('no such image'), { statusCode: 404 });
      },
    }),
    buildImage: async () => Readable.from(events.map((e) => `${e}\r\n`)),
  } as unknown as Parameters<typeof ensureLayerImage>[0];
  const spec = { repo: 'tasksynth-env-demo', baseTag: 'base:1', folders: [], debianPackages: [], labels: {} };
  await assert.rejects(ensureLayerImage(engine, spec), /^Error: Building tasksynth-env-demo:[0-9a-f]{12} failed: COPY failed: boom$/);
});

test('reap() removes managed containers older than the threshold only', async () => {
  const reapLabels = { [RUN_LABEL]: runId, 'tasksynth.test-reap': 'yes' };
  const old = await manager.create(image, reapLabels, {});
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const fresh = await manager.create(image, reapLabels, {});
  // Docker's creation times are whole seconds, hence the wide gap.
  assert.equal(await manager.reap(1200, reapLabels), 1);
  const left = await managedContainersOfThisRun();
  assert.ok(!left.includes(old), 'the old one is gone');
  assert.ok(left.includes(fresh), 'the fresh one is kept');
  await manager.remove(fresh);
});

test('remove() deletes the sandbox, and removing it again is fine', async () => {
  await manager.remove(sandbox);
  await manager.remove(sandbox);
  await assert.rejects(docker.getContainer(sandbox).inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  await manager.remove(control);
  assert.deepEqual(await managedContainersOfThisRun(), []);
});

