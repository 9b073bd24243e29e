// Every built-in environment package against the real Docker engine: the same seed gives the same tasks and the
// same initial state (its fingerprint), every gate holds on a task of each tier (the reference passes; ablations,
// null, random and mutants fail; no guess passes), the top tier's reference needs more tool calls than tier 0's,
// and a task whose prompt is planted in an evaluation file is dropped by decontamination while the others pass.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { builtinEnvironmentsDir, EnvironmentCatalog } from '../../environments/catalog.js';
import { generateTasks } from '../../environments/generate.js';
import { ensureEnvironmentImage } from '../../environments/image.js';
import { baseImageTag } from '../../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { LABEL_RUN } from '../../sandboxes/profile.js';
import { SandboxManager } from '../../sandboxes/sandbox.js';
import { DEFAULT_GATE_SETTINGS } from '../../verification/gates.js';
import { runGates } from '../../verification/run-gates.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvaluationIndex } from '../../data/dedup/decontamination.js';
import { wordNgrams, words } from '../../data/dedup/word-ngrams.js';
import { taskFingerprint } from '../../environments/task-fingerprint.js';
import type { TaskSpec } from '../../schemas/types.js';

const docker = connectDocker();
const sandboxes = new SandboxManager(docker, { memoryMb: 256, pidsLimit: 64, cpus: 1, timeoutMs: 10_000, outputLimitBytes: 4096 });
const labels = { [LABEL_RUN]: `builtin-${process.pid}` };
const catalog = new EnvironmentCatalog();
const builtins = catalog.all().filter((pkg) => pkg.dir.startsWith(builtinEnvironmentsDir()));

before(async () => pingDocker(docker));
after(async () => {
  await sandboxes.reap(0, labels);
});

test('every built-in package loads', () => {
  assert.deepEqual([...catalog.broken.keys()], []);
  assert.ok(builtins.some((pkg) => pkg.name === 'files'));
});

for (const pkg of builtins) {
  test(`${pkg.name}: same seed, same tasks; every gate holds on each tier; harder tiers need more calls`, { timeout: 15 * 60_000 }, async () => {
    const image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
    const id = await sandboxes.create(image, labels);
    const referenceLength: number[] = [];
    const tasks: TaskSpec[] = [];
    try {
      for (const { tier } of pkg.tiers) {
        const request = { scope: 'builtin', seed: 11, tier, count: 1, offset: 2 };
        const [task] = await generateTasks(sandboxes, id, pkg, request);
        assert.deepEqual(await generateTasks(sandboxes, id, pkg, request), [task], `${pkg.name} t${tier} is deterministic`);
        tasks.push(task);
        if (tier === 1) {
          const [a, b] = await Promise.all([1, 2].map(() => taskFingerprint(sandboxes, pkg, image, task, labels)));
          assert.equal(a.exact, b.exact, `${pkg.name} t1: setup writes the same initial state every time`);
        }
        const report = await runGates(sandboxes, pkg, image, task, DEFAULT_GATE_SETTINGS, { concurrency: 4, labels });
        assert.equal(report.failure, null, `${pkg.name} t${tier}: ${report.failure}`);
        assert.ok(report.outcomes.some((o) => o.gate === 'mutant'), `${pkg.name} t${tier} has mutants`);
        referenceLength.push(task.reference.length);
      }
    } finally {
      await sandboxes.remove(id);
    }
    assert.ok(referenceLength.at(-1)! > referenceLength[0], `${pkg.name}: reference calls per tier ${referenceLength.join(', ')}`);

    // Decontamination: the tier-1 prompt planted (inside other text) in an evaluation file drops that task only.
    const planted = tasks[1];
    const dir = mkdtempSync(join(tmpdir(), 'tasksynth-eval-'));
    const file = join(dir, 'eval.jsonl');
    const content = `${JSON.stringify({ question: `Benchmark item. ${planted.prompt} Good luck.` })}\n`;
    writeFileSync(file, content);
    const index = EvaluationIndex.load([{ path: file, sha256: createHash('sha256').update(content).digest('hex') }], 13);
    assert.ok(index.overlap(planted.prompt), `${pkg.name}: the planted prompt is found`);
    // Other prompts are kept unless they share a 13-gram with the planted one (a package's own boilerplate can).
    const plantedGrams = wordNgrams(planted.prompt, 13);
    for (const other of tasks.filter((t) => t !== planted && words(t.prompt).length >= 13)) {
      const shares = [...wordNgrams(other.prompt, 13)].some((g) => plantedGrams.has(g));
      assert.equal(index.overlap(other.prompt) !== null, shares, `${pkg.name} t${other.tier}: dropped only when it overlaps`);
    }
  });
}
