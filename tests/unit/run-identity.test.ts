// What a run id stands for: one config, one model (by its file's content) and one set of environment packages.
// A finished run is shown, never computed again; an id reused for anything else is refused before anything starts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIdentity, runIdFor } from '../../client/run-id.js';
import { loadConfig } from '../../config/load-config.js';
import { projectRoot } from '../../config/paths.js';
import { Store } from '../../data/store.js';
import { EnvironmentCatalog } from '../../environments/catalog.js';
import { environmentRef } from '../../environments/package.js';
import { resolveModelPath } from '../../inference/model-path.js';
import { engineFingerprint } from '../../worker/queue-names.js';

const dir = mkdtempSync(join(tmpdir(), 'tasksynth-run-identity-'));
const cli = join(projectRoot(), 'dist', 'cli', 'main.js');

test('a server\'s concurrency and retries do not change a run\'s id; early stop does, and off is as if unset', () => {
  const base = loadConfig(join(projectRoot(), 'examples', 'quickstart.yaml'));
  const id = (change: (c: typeof base) => void) => {
    const c = structuredClone(base);
    change(c);
    return runIdFor(c, 'openai-0123456789', ['h1']);
  };
  const same = id(() => undefined);
  assert.equal(id((c) => Object.assign(c.model, { retries: 9, concurrency: 64 })), same);
  assert.equal(id((c) => delete (c.acceptance as { earlyStop?: boolean }).earlyStop), same);
  assert.notEqual(id((c) => (c.acceptance.earlyStop = true)), same, 'early stop changes which episodes run');
  assert.notEqual(id((c) => (c.model.temperature = 0.5)), same);
});

test('the embedded model is named by its file\'s content: a copy is the same model, changed bytes are another', () => {
  const a = join(dir, 'a.gguf');
  writeFileSync(a, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64, 1)]));
  const copy = join(dir, 'copy-of-a.gguf');
  copyFileSync(a, copy);
  const changed = join(dir, 'a-changed', 'a.gguf');
  mkdirSync(join(dir, 'a-changed'));
  writeFileSync(changed, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64, 2)]));
  const hashOf = (path: string) => engineFingerprint({ engine: 'embedded', path }).split('-').at(-1);
  assert.match(engineFingerprint({ engine: 'embedded', path: a }), /^embedded-a-[0-9a-f]{12}$/);
  assert.equal(hashOf(copy), hashOf(a));
  assert.notEqual(hashOf(changed), hashOf(a), 'same file name, other content: another model');
  assert.throws(() => engineFingerprint({ engine: 'embedded', path: join(dir, 'missing.gguf') }), /missing\.gguf: no such file/);
});

test('running a finished run again prints its summary and starts nothing; its id for another config is refused (exit 2)', () => {
  const home = join(dir, 'home');
  const config = join(dir, 'job.yaml');
  writeFileSync(config, 'name: job\nfamily: files\nseed: 3\ntiers: [0]\ntasksPerTier: 1\nepisodesPerTask: 2\n');
  const other = join(dir, 'other.yaml');
  writeFileSync(other, 'name: job\nfamily: files\nseed: 4\ntiers: [0]\ntasksPerTier: 1\nepisodesPerTask: 2\n');

  const model = resolveModelPath();
  const loaded = loadConfig(config);
  const fingerprint = engineFingerprint({ ...loaded.model, path: model });
  const hashes = [environmentRef(new EnvironmentCatalog().get('files')).hash];
  const runId = runIdFor(loaded, fingerprint, hashes);
  const store = Store.open(join(home, 'data', 'tasksynth.db'));
  store.upsertRun({ id: runId, name: 'job', config: loaded, identity: runIdentity(loaded, fingerprint, hashes), model: fingerprint });
  store.finishRun(runId, 'completed');
  store.close();

  // Nothing listens on this address: a command that tried to start the run would fail.
  const env = { ...process.env, TASKSYNTH_HOME: home, TASKSYNTH_MODEL: model, TEMPORAL_ADDRESS: '127.0.0.1:9' };
  const again = spawnSync(process.execPath, [cli, 'run', '--config', config], { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`run ${runId} already finished .*A new run needs a new id`));
  assert.ok(!existsSync(join(home, 'temporal')), 'no Temporal server was started');

  const reused = spawnSync(process.execPath, [cli, 'run', '--config', other, '--run-id', runId], { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(reused.status, 2, reused.stderr);
  assert.match(reused.stderr, new RegExp(`run id ${runId} already names a run with another config or environment package`));
});
