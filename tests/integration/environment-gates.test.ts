// The gates with the real Docker engine: deliberately gameable test packages (doubles, one flaw per tier) are
// rejected by the gate aimed at their flaw; broken packages (manifest, probe, verifier, setup) are caught with
// a clear error; the built-in `files` package passes every gate, including a tier 3 no guess passes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot } from '../../config/paths.js';
import { builtinEnvironmentsDir } from '../../environments/catalog.js';
import { generateTasks, GeneratorError } from '../../environments/generate.js';
import { ensureEnvironmentImage } from '../../environments/image.js';
import { loadEnvironment, type EnvironmentPackage } from '../../environments/package.js';
import { startTaskSandbox } from '../../environments/task-sandbox.js';
import { baseImageTag } from '../../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { LABEL_RUN } from '../../sandboxes/profile.js';
import { SandboxManager } from '../../sandboxes/sandbox.js';
import type { TaskSpec } from '../../schemas/types.js';
import { DEFAULT_GATE_SETTINGS, type GateKind } from '../../verification/gates.js';
import { runGates } from '../../verification/run-gates.js';

const docker = connectDocker();
const limits = { memoryMb: 256, pidsLimit: 64, cpus: 1, timeoutMs: 10_000, outputLimitBytes: 4096 };
const sandboxes = new SandboxManager(docker, limits);
const labels = { [LABEL_RUN]: `gates-${process.pid}` };
const fixtures = join(projectRoot(), 'tests', 'fixtures', 'environments');
const scratch = mkdtempSync(join(tmpdir(), 'tasksynth-gates-'));
const cli = join(projectRoot(), 'dist', 'cli', 'main.js');

before(async () => pingDocker(docker));
after(async () => {
  await sandboxes.reap(0, labels);
  rmSync(scratch, { recursive: true, force: true });
});

async function tasksOf(pkg: EnvironmentPackage, tier: number, count = 1): Promise<{ image: string; tasks: TaskSpec[] }> {
  const image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
  const id = await sandboxes.create(image, labels);
  try {
    return { image, tasks: await generateTasks(sandboxes, id, pkg, { scope: 'gates-test', seed: 4, tier, count, offset: 0 }) };
  } finally {
    await sandboxes.remove(id);
  }
}

/** A copy of the double-gameable package with one verifier file replaced. */
function brokenCopy(name: string, file: string, content: string): EnvironmentPackage {
  const dir = join(scratch, name);
  cpSync(join(fixtures, 'double-gameable'), dir, { recursive: true });
  writeFileSync(join(dir, 'environment.yaml'), readFileSync(join(dir, 'environment.yaml'), 'utf8').replace('name: double-gameable', `name: ${name}`));
  writeFileSync(join(dir, 'verifier', file), content);
  return loadEnvironment(dir);
}

const gameable: Array<{ tier: number; gate: GateKind; reason: RegExp }> = [
  { tier: 0, gate: 'null', reason: /^gameable: / },
  { tier: 1, gate: 'random', reason: /^gameable: the random policy passes/ },
  { tier: 2, gate: 'mutant', reason: /^gameable: mutant: wrong word passes though it breaks a requirement/ },
  { tier: 3, gate: 'guess', reason: /^gameable: a guess passes too often \(1 of 3 candidates pass: chance 33\.33%/ },
  { tier: 4, gate: 'ablation', reason: /^gameable: the reference without step 1 \(write_file\) still passes/ },
];

for (const { tier, gate, reason } of gameable) {
  test(`the ${gate} gate rejects a deliberately gameable task (double-gameable tier ${tier})`, { timeout: 180_000 }, async () => {
    const pkg = loadEnvironment(join(fixtures, 'double-gameable'));
    const { image, tasks } = await tasksOf(pkg, tier);
    const report = await runGates(sandboxes, pkg, image, tasks[0], DEFAULT_GATE_SETTINGS, { concurrency: 4, labels });
    assert.equal(report.outcomes[0].passed, true, `the reference passes: ${report.outcomes[0].detail}`);
    assert.ok(report.outcomes.some((o) => o.gate === gate && o.passed), `the ${gate} gate saw the flaw: ${JSON.stringify(report.outcomes)}`);
    assert.match(report.failure ?? '', reason);
  });
}

test('files: every gate holds on every tier; dropping the reference\'s write fails; no guess passes tier 3', { timeout: 300_000 }, async () => {
  const pkg = loadEnvironment(join(builtinEnvironmentsDir(), 'files'));
  for (const tier of [0, 1, 2, 3]) {
    const { image, tasks } = await tasksOf(pkg, tier);
    const report = await runGates(sandboxes, pkg, image, tasks[0], DEFAULT_GATE_SETTINGS, { concurrency: 4, labels });
    assert.equal(report.failure, null, `tier ${tier}: ${report.failure}`);
    const kinds = new Set(report.outcomes.map((o) => o.gate));
    for (const kind of ['reference', 'null', 'random', 'mutant'] as const) assert.ok(kinds.has(kind), `tier ${tier} ran the ${kind} gate`);
    if (tier < 3) {
      const ablations = report.traces.filter((t) => t.plan.gate === 'ablation');
      assert.ok(ablations.length >= 1, `tier ${tier} has a state-changing step to drop`);
      for (const a of ablations) {
        assert.equal(a.verdict.passed, false, `${a.plan.name} must fail`);
        assert.equal(a.steps.length, tasks[0].reference.length - 1, 'one step fewer than the reference');
      }
    } else {
      const guess = report.outcomes.find((o) => o.gate === 'guess');
      assert.ok(guess && !guess.passed, `tier 3 has a guess gate that holds: ${guess?.detail}`);
      assert.match(guess.detail, /^1 of (1[1-9][0-9]|[2-9][0-9][0-9]) candidates pass/);
    }
  }
});

test('a package whose probe runs the agent\'s code (test-runner sandbox): every gate holds, no sandbox is left', { timeout: 300_000 }, async () => {
  const pkg = loadEnvironment(join(fixtures, 'double-code'));
  assert.equal(pkg.probeIn, 'test-runner');
  const { image, tasks } = await tasksOf(pkg, 0);
  const report = await runGates(sandboxes, pkg, image, tasks[0], DEFAULT_GATE_SETTINGS, { concurrency: 2, labels });
  assert.equal(report.failure, null, report.failure ?? '');
  assert.deepEqual((report.traces[0].outcome.state as { tests: unknown }).tests, { total: 20, passed: 20, answered: 20, firstError: null });
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${labels[LABEL_RUN]}`] } });
  assert.equal(left.length, 0, 'the test-runner sandboxes were removed');
});

test('a broken probe is caught: the reference gate fails with the probe\'s own error', { timeout: 180_000 }, async () => {
  const pkg = brokenCopy('double-broken-probe', 'probe.py', 'raise RuntimeError("the probe broke")\n');
  const { image, tasks } = await tasksOf(pkg, 2);
  const report = await runGates(sandboxes, pkg, image, tasks[0], DEFAULT_GATE_SETTINGS, { concurrency: 2, labels });
  assert.match(report.failure ?? '', /^reference solution fails: probe of environment double-broken-probe failed \(exit 1\).*the probe broke/s);
  assert.equal(report.traces.length, 1, 'nothing else runs once the reference fails');
});

test('a broken verifier is caught at generation: an outcome schema that does not compile names the task', { timeout: 180_000 }, async () => {
  const brokenGenerator = [
    'from gameable import make_task',
    'from tasksynth_state import run_generator',
    'def broken(seed, tier, index):',
    '    return {**make_task(seed, tier, index), "outcomeSchema": {"type": "objekt"}}',
    'run_generator(broken)',
    '',
  ].join('\n');
  const pkg = brokenCopy('double-broken-verifier', 'generate.py', brokenGenerator);
  await assert.rejects(tasksOf(pkg, 2), (error: Error) => {
    assert.ok(error instanceof GeneratorError, String(error));
    assert.match(error.message, /environment double-broken-verifier, tier 2, seed 4, task 0: \/outcomeSchema \(the task's verifier\) does not compile/);
    return true;
  });
  const crashing = brokenCopy('double-crashing-generator', 'generate.py', 'import sys\nsys.exit("no tasks today")\n');
  await assert.rejects(tasksOf(crashing, 0), /generator of environment double-crashing-generator \(tier 0, seed 4\) failed \(exit 1\): .*no tasks today/s);
});

test('a broken setup is caught when the sandbox starts, and leaves no container', { timeout: 180_000 }, async () => {
  const pkg = brokenCopy('double-broken-setup', 'setup.py', 'raise ValueError("cannot build the state")\n');
  const { image, tasks } = await tasksOf(pkg, 0);
  await assert.rejects(startTaskSandbox(sandboxes, pkg, image, tasks[0], labels), /setup failed \(exit 1\): .*cannot build the state/s);
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${labels[LABEL_RUN]}`] } });
  assert.equal(left.length, 0);
});

test('envs check: a broken manifest exits 2 naming file and field; the gameable double exits 1 with its table', { timeout: 600_000 }, async () => {
  const broken = join(scratch, 'double-broken-manifest');
  cpSync(join(fixtures, 'double-gameable'), broken, { recursive: true });
  writeFileSync(join(broken, 'environment.yaml'), readFileSync(join(broken, 'environment.yaml'), 'utf8').replace('probe: probe.py', 'probe: 42'));
  const bad = spawnSync(process.execPath, [cli, 'envs', 'check', '--env-dir', broken, '--tasks', '1'], { encoding: 'utf8' });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /double-broken-manifest\/environment\.yaml/);
  assert.match(bad.stderr, /\/probe must be string/);

  const out = spawnSync(process.execPath, [cli, 'envs', 'check', 'double-gameable', '--env-dir', join(fixtures, 'double-gameable'), '--tasks', '1', '--seed', '4'], { encoding: 'utf8' });
  assert.equal(out.status, 1, out.stderr);
  for (const tier of [0, 1, 2, 3, 4]) assert.match(out.stdout, new RegExp(`double-gameable .* ${tier} .* 1 .* 100% .* 1 \\(100%\\)`));
  assert.match(out.stderr, /more than 5% of a tier's tasks were rejected/);
});
