import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../config/paths.js';
import { ConfigError, loadConfig, parseConfigText, validateConfig } from '../../config/load-config.js';

const quickstart = join(projectRoot(), 'examples', 'quickstart.yaml');
const minimal = { name: 'x', family: 'files', seed: 1, tiers: [0], tasksPerTier: 1, episodesPerTask: 2 };

const problemsOf = (value: unknown): string[] => {
  try {
    validateConfig(value, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('config was accepted');
};

test('the quickstart config loads', () => {
  const cfg = loadConfig(quickstart);
  assert.ok(cfg.families.length >= 3, 'the quickstart runs several families');
  assert.ok(cfg.families.every((f) => f.tiers.includes(0)));
});

test('defaults are filled in', () => {
  const cfg = validateConfig(minimal, 'minimal.yaml');
  assert.equal(cfg.maxSteps, 4);
  assert.equal(cfg.model.engine, 'embedded');
  assert.equal(cfg.sandbox.pidsLimit, 64);
  assert.equal(cfg.concurrency.tasks, 2);
  assert.equal(cfg.acceptance.maxPassRate, 1);
  assert.equal(cfg.acceptance.earlyStop, false, 'every task runs its k episodes unless asked otherwise');
  assert.equal(cfg.model.retries, 4);
  assert.equal(cfg.model.concurrency, undefined, 'the engine picks: one call for embedded, 8 for openai');
});

test('model.concurrency is for a server; the embedded engine serves one call at a time', () => {
  const problems = problemsOf({ ...minimal, model: { concurrency: 4 } });
  assert.ok(problems.some((p) => p.startsWith('/model/concurrency 4: the embedded engine serves one call at a time')), problems.join('\n'));
  const served = validateConfig({ ...minimal, model: { engine: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', concurrency: 64 } }, 'server.yaml');
  assert.equal(served.model.concurrency, 64);
  assert.ok(problemsOf({ ...minimal, model: { engine: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: 'm', concurrency: 0 } }).some((p) => p.startsWith('/model/concurrency')));
});

test('a field of the wrong type is named by its path', () => {
  const problems = problemsOf({ ...minimal, episodesPerTask: 'four' });
  assert.ok(problems.some((p) => p.startsWith('/episodesPerTask')), problems.join('\n'));
});

test('an unknown field is named', () => {
  const problems = problemsOf({ ...minimal, sandbox: { memoryMB: 10 } });
  assert.ok(problems.some((p) => p.includes('/sandbox') && p.includes('memoryMB')), problems.join('\n'));
});

test('an openai engine without baseUrl is refused', () => {
  const problems = problemsOf({ ...minimal, model: { engine: 'openai' } });
  assert.ok(problems.some((p) => p.includes('baseUrl')), problems.join('\n'));
});

test('cross-field rules: pass-rate range and tiers the family has', () => {
  assert.ok(problemsOf({ ...minimal, acceptance: { minPassRate: 0.9, maxPassRate: 0.5 } })[0].includes('minPassRate'));
  assert.ok(problemsOf({ ...minimal, tiers: [0, 9] }).some((p) => p.startsWith('/tiers')));
});

test('YAML syntax errors name the line', () => {
  assert.throws(() => parseConfigText('name: [x\nseed: 1', 'broken.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /broken\.yaml/);
    assert.match(e.message, /line \d+/);
    return true;
  });
});

test('the CLI rejects a bad config with exit code 2 and writes nothing', () => {
  const home = mkdtempSync(join(tmpdir(), 'tasksynth-config-'));
  const bad = join(home, 'bad.yaml');
  writeFileSync(bad, 'name: bad\nfamily: files\nseed: 1\ntiers: [0]\ntasksPerTier: 0\nepisodesPerTask: 2\n');
  const before = readdirSync(home);
  const out = spawnSync(process.execPath, [join(projectRoot(), 'dist', 'cli', 'main.js'), 'run', '--config', bad], {
    env: { ...process.env, TASKSYNTH_HOME: join(home, 'state') },
    encoding: 'utf8',
  });
  assert.equal(out.status, 2, out.stderr);
  assert.match(out.stderr, /\/tasksPerTier/);
  assert.match(out.stderr, /bad\.yaml/);
  assert.deepEqual(readdirSync(home), before);
  assert.equal(existsSync(join(home, 'state')), false);
});

test('family names a package: built-in or under `environments`, read relative to the config; tiers within its range', () => {
  assert.ok(problemsOf({ ...minimal, family: 'trips' }).some((p) => /^\/family "trips" is not an environment package here \(known: [^)]*\bfiles\b/.test(p)));
  assert.ok(problemsOf({ ...minimal, tiers: [0, 4] }).some((p) => /^\/tiers\/1 environment files has tiers 0\.\.3, not 4/.test(p)));
  assert.ok(problemsOf({ ...minimal, environments: ['no-such-folder'] }).some((p) => /^\/environments: .*does not exist/.test(p)));
  const fixtures = join(projectRoot(), 'tests', 'fixtures', 'environments');
  const cfg = validateConfig({ ...minimal, family: 'double-gameable', environments: ['double-gameable'], tiers: [4] }, 'x.yaml', fixtures);
  assert.deepEqual(cfg.environments, [join(fixtures, 'double-gameable')]);
  assert.deepEqual(cfg.gates, { randomRollouts: 4, randomSteps: 6 });
});

test('families: each with its tiers, count and seed; the one-family shorthand normalizes to the same', () => {
  const cfg = validateConfig(
    { name: 'mix', seed: 5, episodesPerTask: 2, families: [{ name: 'files', tiers: [2, 0], tasks: 4 }, { name: 'sql-analytics', tiers: [1], tasksPerTier: 2, seed: 9 }] },
    'mix.yaml',
  );
  assert.deepEqual(cfg.families, [
    { name: 'files', tiers: [0, 2], tasks: 4, seed: 5 },
    { name: 'sql-analytics', tiers: [1], tasksPerTier: 2, seed: 9 },
  ]);
  assert.deepEqual(validateConfig(minimal, 'minimal.yaml').families, [{ name: 'files', tiers: [0], tasksPerTier: 1, seed: 1 }]);
  assert.deepEqual(cfg.dedup, { exact: true, near: true, nearThreshold: 0.9 });
  assert.deepEqual(cfg.decontamination, { files: [], ngram: 13 });
});

test('families: mistakes are named by their path', () => {
  const base = { name: 'x', episodesPerTask: 2 };
  assert.ok(problemsOf({ ...base }).some((p) => p.startsWith('/families is missing')));
  assert.ok(problemsOf({ ...minimal, families: [{ name: 'files', tiers: [0], tasks: 1 }] }).some((p) => p.includes('cannot be combined')));
  assert.ok(problemsOf({ ...base, families: [{ name: 'files', tiers: [0] }] }).some((p) => p.startsWith('/families/0 needs exactly one of tasks')));
  assert.ok(problemsOf({ ...base, families: [{ name: 'files', tiers: [0], tasks: 1, tasksPerTier: 1 }] }).some((p) => p.startsWith('/families/0 needs exactly one')));
  assert.ok(problemsOf({ ...base, families: [{ name: 'files', tiers: [0], tasks: 1 }, { name: 'files', tiers: [1], tasks: 1 }] }).some((p) => p.includes('listed twice')));
  assert.ok(problemsOf({ ...base, families: [{ name: 'nope', tiers: [0], tasks: 1 }] }).some((p) => p.startsWith('/families/0/name "nope"')));
  assert.ok(problemsOf({ ...base, families: [{ name: 'files', tiers: [0, 9], tasks: 1 }] }).some((p) => p.startsWith('/families/0/tiers')));
});

test('evaluation files are read relative to the config and hashed; a missing one is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tasksynth-config-'));
  writeFileSync(join(dir, 'eval.txt'), 'some benchmark prompt');
  const cfg = validateConfig({ ...minimal, decontamination: { files: ['eval.txt'] } }, 'c.yaml', dir);
  assert.equal(cfg.decontamination.files[0].path, join(dir, 'eval.txt'));
  assert.match(cfg.decontamination.files[0].sha256, /^[0-9a-f]{64}$/);
  const problems = problemsOf({ ...minimal, decontamination: { files: ['/nonexistent/eval.jsonl'] } });
  assert.ok(problems.some((p) => p.startsWith('/decontamination/files/0 cannot read evaluation file /nonexistent/eval.jsonl')), problems.join('\n'));
});
