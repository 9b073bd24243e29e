// Dedup and decontamination on their own (no Docker): fingerprints of tar archives like those a sandbox returns,
// the store's screening with an in-memory database, and evaluation files on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import tar from 'tar-stream';
import { EvaluationFileError, EvaluationIndex } from '../../data/dedup/decontamination.js';
import { fingerprintTask } from '../../data/dedup/fingerprint.js';
import { Store } from '../../data/store.js';
import type { TaskSpec } from '../../schemas/types.js';

async function archive(files: Record<string, string>, mtime = new Date(0)): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, text] of Object.entries(files)) pack.entry({ name: `./${name}`, mode: 0o644, mtime }, Buffer.from(text));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const tools = [{ name: 'submit', description: 'submit', parameters: { type: 'object' } }];
const prose = (seed: number, n = 300) => {
  const words = ['alpha', 'bravo', 'delta', 'echo', 'golf', 'hotel', 'india', 'kilo', 'lima', 'mike', 'oscar', 'papa', 'romeo', 'sierra', 'tango'];
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return `${words[x % words.length]}${x % 97}`;
  }).join(' ');
};

function screeningStore() {
  const store = Store.open(':memory:');
  store.upsertRun({ id: 'r', name: 'r', config: null });
  const screen = async (id: string, family: string, prompt: string, files: Record<string, string>, nearThreshold: number | null = 0.9) => {
    const task = { id, family, environment: { name: family, version: '1', hash: 'h' }, tier: 0, seed: 1, index: 0, prompt, tools } as unknown as TaskSpec;
    store.upsertTask('r', task);
    const fingerprint = await fingerprintTask(task, await archive(files));
    return store.screenings.screen({ runId: 'r', taskId: id, family, fingerprint, contamination: null, exact: true, nearThreshold });
  };
  return { store, screen };
}

test('the exact fingerprint ignores timestamps and archive order but not a byte of content or mode', async () => {
  const task = { prompt: 'Do the thing.', tools };
  const a = await fingerprintTask(task, await archive({ 'a.txt': 'one', 'b/c.txt': 'two' }, new Date(0)));
  const b = await fingerprintTask(task, await archive({ 'b/c.txt': 'two', 'a.txt': 'one' }, new Date()));
  const c = await fingerprintTask(task, await archive({ 'a.txt': 'one', 'b/c.txt': 'tw0' }));
  const d = await fingerprintTask({ ...task, prompt: 'Do the other thing.' }, await archive({ 'a.txt': 'one', 'b/c.txt': 'two' }));
  assert.equal(a.exact, b.exact);
  assert.notEqual(a.exact, c.exact);
  assert.notEqual(a.exact, d.exact);
  assert.equal(a.entries, 2);
});

test('screening drops exact and near duplicates within a family, keeps distinct tasks and other families', async () => {
  const { store, screen } = screeningStore();
  const text = prose(1);
  assert.equal((await screen('t1', 'fam', 'Count the words.', { 'data.txt': text })).verdict, 'kept');
  const exact = await screen('t2', 'fam', 'Count the words.', { 'data.txt': text });
  assert.equal(exact.verdict, 'exact-duplicate');
  assert.equal(exact.duplicateOf, 't1');
  // One word changed in 300: word 5-grams are ~98% alike.
  const near = await screen('t3', 'fam', 'Count the words.', { 'data.txt': text.replace(/^\S+/, 'zulu') });
  assert.equal(near.verdict, 'near-duplicate', near.detail);
  assert.ok(near.similarity! >= 0.9 && near.similarity! < 1);
  assert.equal((await screen('t4', 'fam', 'Count the words.', { 'data.txt': prose(2) })).verdict, 'kept');
  assert.equal((await screen('t5', 'other', 'Count the words.', { 'data.txt': text.replace(/^\S+/, 'zulu') })).verdict, 'kept', 'near duplicates are looked for within a family');
  assert.equal((await screen('t6', 'fam', 'Count the words.', { 'data.txt': text.replace(/^\S+/, 'yankee') }, null)).verdict, 'kept', 'near check off');
  // A retried screening returns the verdict already recorded, even when the index has changed since.
  assert.equal((await screen('t3', 'fam', 'Count the words.', { 'data.txt': prose(9) })).verdict, 'near-duplicate');
  assert.equal(store.screenings.ofRun('r').size, 6);
  store.close();
});

test('decontamination drops a prompt sharing a 13-gram with an evaluation file, and only then', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tasksynth-eval-'));
  const prompt = 'Book the cheapest flight from Lisbon to Oslo on 2026-05-03 and a hotel with at least four stars for two nights.';
  const lines = [
    JSON.stringify({ id: 1, messages: [{ role: 'user', content: `Please: ${prompt}` }] }),
    JSON.stringify({ id: 2, question: 'What is the capital of France?' }),
  ];
  const file = join(dir, 'eval.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const sha256 = createHash('sha256').update(lines.join('\n') + '\n').digest('hex');
  const index = EvaluationIndex.load([{ path: file, sha256 }], 13);
  const hit = index.overlap(`${prompt} Then submit.`);
  assert.equal(hit?.file, file);
  assert.equal(hit?.ngram.split(' ').length, 13);
  // Twelve words in common are not an overlap; punctuation and case do not hide one.
  assert.equal(index.overlap('Book the cheapest flight from Lisbon to Oslo on 2026 05 03 or else.'), null);
  assert.ok(index.overlap(prompt.toUpperCase().replace(/ /g, ' , ')));
  // A prompt shorter than 13 words overlaps when all its words appear in a row in an evaluation text.
  assert.ok(index.overlap('the capital of France'));
  assert.equal(index.overlap('the capital of Spain'), null);

  writeFileSync(file, 'not json\n');
  assert.throws(() => EvaluationIndex.load([{ path: file, sha256 }], 13), (e: unknown) => e instanceof EvaluationFileError && /changed since/.test(e.message));
  const broken = createHash('sha256').update('not json\n').digest('hex');
  assert.throws(() => EvaluationIndex.load([{ path: file, sha256: broken }], 13), /line 1 is not JSON/);
});
