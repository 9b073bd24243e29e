// Measures how large each package's task space is: N tasks generated per tier (default 2000, BENCH_TASKS), and
// how many are distinct (prompt, tools, reference and outcome schema; the schema holds the expected answer or
// state, so two draws over different data differ there) against how many the same number of draws would give
// from a space of exactly N^2 tasks, the baseline. Near duplicates are counted on prompts alone (MinHash over word
// 5-grams, Jaccard >= 0.9, within a tier): an upper bound, since a task's initial state only makes it more distinct.
// Run: npm run build && node dist/bench/task-space.js [NAME...]  (needs Docker and the base image).
import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import Table from 'cli-table3';
import { EnvironmentCatalog } from '../environments/catalog.js';
import { generateTasks } from '../environments/generate.js';
import { ensureEnvironmentImage } from '../environments/image.js';
import { baseImageTag } from '../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../sandboxes/docker-client.js';
import { DEFAULT_LIMITS } from '../sandboxes/profile.js';
import { SandboxManager } from '../sandboxes/sandbox.js';
import { estimatedJaccard, signatureOf } from '../data/dedup/fingerprint.js';
import { bandKeys } from '../data/dedup/lsh-bands.js';
import { wordNgrams } from '../data/dedup/word-ngrams.js';

const N = Number(process.env.BENCH_TASKS ?? 2000);
// Batches of the size a run asks for at most (32), rounded up: a generator builds each task's data in memory.
const BATCH = 50;
const labels = { 'tasksynth.bench': 'task-space' };

/** Expected distinct values among n uniform draws from a space of size m. */
const expectedDistinct = (n: number, m: number) => m * (1 - (1 - 1 / m) ** n);

function nearDuplicates(prompts: string[]): number {
  const buckets = new Map<string, number[]>();
  const signatures: number[][] = [];
  let near = 0;
  prompts.forEach((prompt, i) => {
    const sig = signatureOf(wordNgrams(prompt, 5));
    signatures.push(sig);
    const keys = bandKeys(sig).map((k, band) => `${band}:${k}`);
    const candidates = new Set(keys.flatMap((k) => buckets.get(k) ?? []));
    if ([...candidates].some((j) => estimatedJaccard(sig, signatures[j]) >= 0.9)) {
      near++;
      return;
    }
    keys.forEach((k) => buckets.set(k, [...(buckets.get(k) ?? []), i]));
  });
  return near;
}

async function main(): Promise<void> {
  const docker = connectDocker();
  await pingDocker(docker);
  const catalog = new EnvironmentCatalog();
  const names = process.argv.slice(2);
  const packages = names.length > 0 ? names.map((n) => catalog.get(n)) : catalog.all();
  const sandboxes = new SandboxManager(docker, { ...DEFAULT_LIMITS, timeoutMs: 120_000 });
  const table = new Table({
    head: ['package', 'tier', 'generated', 'distinct tasks', `baseline: distinct of ${N} draws from ${N * N}`, 'distinct prompts', 'prompt near-dups (>= 0.9)', 'seconds'],
    style: { head: [], border: [] },
  });
  for (const pkg of packages) {
    const image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
    for (const { tier } of pkg.tiers) {
      const started = Date.now();
      const id = await sandboxes.create(image, labels);
      const bodies = new Set<string>();
      const prompts: string[] = [];
      try {
        for (let offset = 0; offset < N; offset += BATCH) {
          const tasks = await generateTasks(sandboxes, id, pkg, { scope: 'bench', seed: 1, tier, count: Math.min(BATCH, N - offset), offset });
          for (const t of tasks) {
            bodies.add(createHash('sha256').update(stableStringify([t.prompt, t.tools, t.reference, t.outcomeSchema])).digest('hex'));
            prompts.push(t.prompt);
          }
        }
      } finally {
        await sandboxes.remove(id);
      }
      table.push([
        pkg.name, tier, prompts.length, bodies.size, expectedDistinct(N, N * N).toFixed(0), new Set(prompts).size, nearDuplicates(prompts),
        ((Date.now() - started) / 1000).toFixed(1),
      ]);
      process.stderr.write(`${pkg.name} t${tier} done\n`);
    }
  }
  console.log(table.toString());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
