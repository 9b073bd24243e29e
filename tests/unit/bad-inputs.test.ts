// Bad input never hurts: every input a user gives that is wrong (configs, environment packages, model files,
// export paths, options) ends the command with exit 2 and a message that names what is wrong and where, and
// nothing is written to the state directory. Each case runs the real CLI in a fresh TASKSYNTH_HOME.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../config/paths.js';
import { resolveModelPath } from '../../inference/model-path.js';

const dir = mkdtempSync(join(tmpdir(), 'tasksynth-bad-input-'));
const cli = join(projectRoot(), 'dist', 'cli', 'main.js');
const good = 'name: bad-input\nfamily: files\nseed: 1\ntiers: [0]\ntasksPerTier: 1\nepisodesPerTask: 2\n';

/** Writes a file in the case folder and returns its path. */
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A config: the good one with `extra` lines appended (later keys of the same name are refused as duplicates). */
const config = (name: string, text: string) => file(`${name}.yaml`, text);
const variant = (name: string, replace: Record<string, string>) => {
  let text = good;
  for (const [from, to] of Object.entries(replace)) text = text.replace(from, to);
  return config(name, text);
};

/** A copy of a built-in-like package (the test double) with one file changed, in its own env folder. */
function brokenPackage(name: string, change: (manifest: string) => string): string {
  const envs = join(dir, `envs-${name}`);
  const pkg = join(envs, 'double-shell');
  cpSync(join(projectRoot(), 'tests', 'fixtures', 'environments', 'double-shell'), pkg, { recursive: true });
  const manifest = join(pkg, 'environment.yaml');
  writeFileSync(manifest, change(readFileSync(manifest, 'utf8')));
  return envs;
}

interface Case {
  name: string;
  args: () => string[];
  message: RegExp;
  uid?: number;
}

const bigConfig = () => {
  const path = join(dir, 'big.yaml');
  const fd = openSync(path, 'w');
  writeSync(fd, good);
  const chunk = Buffer.alloc(1024 * 1024, '#');
  for (let i = 0; i < 100; i++) writeSync(fd, chunk);
  closeSync(fd);
  return path;
};
const aliasBomb = () =>
  config('bomb', ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`), 'h: [*g,*g,*g,*g,*g,*g,*g,*g,*g]', ''].join('\n'));
const model = (name: string, content: Buffer | string) => variant(`model-${name}`, { 'episodesPerTask: 2\n': `episodesPerTask: 2\nmodel: { path: ${file(name, content)} }\n` });
const truncatedModel = () => readFileSync(resolveModelPath()).subarray(0, 2 * 1024 * 1024);
const run = (path: string) => ['run', '--config', path];

const cases: Case[] = [
  // Config files that are not configs at all.
  { name: 'empty config', args: () => run(config('empty', '')), message: /empty\.yaml:\n {2}- the file is empty/ },
  { name: 'whitespace config', args: () => run(config('blank', '\n  \n')), message: /the file is empty/ },
  { name: 'binary config', args: () => run(file('binary.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]))), message: /binary\.yaml:\n {2}- is not text \(a NUL byte at offset 4\)/ },
  { name: 'config not UTF-8', args: () => run(file('latin1.yaml', Buffer.from('name: caf\xe9\n', 'latin1'))), message: /is not UTF-8 text/ },
  { name: 'config is a directory', args: () => { mkdirSync(join(dir, 'adir.yaml'), { recursive: true }); return run(join(dir, 'adir.yaml')); }, message: /adir\.yaml:\n {2}- is a directory/ },
  { name: 'config missing', args: () => run(join(dir, 'nowhere.yaml')), message: /nowhere\.yaml:\n {2}- cannot read file: ENOENT/ },
  { name: '100 MB config', args: () => run(bigConfig()), message: /big\.yaml:\n {2}- is 100\.\d MiB; a config is at most 1 MiB/ },
  { name: 'YAML alias bomb', args: () => run(aliasBomb()), message: /bomb\.yaml:\n {2}- cannot expand the YAML: Excessive alias count/ },
  { name: 'YAML syntax error', args: () => run(config('syntax', 'name: x\nfamily: [files\n')), message: /syntax\.yaml:\n {2}- .*line \d+/ },
  { name: 'JSON syntax error', args: () => run(file('broken.json', '{"name": "x",')), message: /broken\.json:\n {2}- .*line \d+/ },
  { name: 'duplicate key', args: () => run(config('dup', `${good}seed: 2\n`)), message: /dup\.yaml:\n {2}- Map keys must be unique/ },
  { name: 'top level is a list', args: () => run(config('list', '- name: x\n')), message: /the top level is a list; a config is a mapping/ },
  { name: 'top level is a string', args: () => run(config('scalar', '"run everything"\n')), message: /the top level is a string/ },
  // Fields: wrong types, out of range, unknown names (with the nearest known one).
  { name: 'wrong type', args: () => run(variant('type', { 'episodesPerTask: 2': 'episodesPerTask: three' })), message: /\/episodesPerTask must be integer/ },
  { name: 'zero episodes', args: () => run(variant('zero-k', { 'episodesPerTask: 2': 'episodesPerTask: 0' })), message: /\/episodesPerTask must be >= 1/ },
  { name: 'too many episodes', args: () => run(variant('huge-k', { 'episodesPerTask: 2': 'episodesPerTask: 1000000' })), message: /\/episodesPerTask must be <= \d+/ },
  { name: 'negative tasks', args: () => run(variant('neg', { 'tasksPerTier: 1': 'tasksPerTier: -1' })), message: /\/tasksPerTier must be >= 1/ },
  { name: 'fractional seed', args: () => run(variant('seed', { 'seed: 1': 'seed: 1.5' })), message: /\/seed must be integer/ },
  { name: 'tier beyond the package', args: () => run(variant('tier', { 'tiers: [0]': 'tiers: [9]' })), message: /\/tiers\/0 .*(<= 4|tiers 0\.\.3, not 9)/ },
  { name: 'no tiers', args: () => run(variant('no-tiers', { 'tiers: [0]': 'tiers: []' })), message: /\/tiers must NOT have fewer than 1 items/ },
  { name: 'misspelled key', args: () => run(variant('typo', { 'episodesPerTask: 2': 'episodesPerTsk: 2' })), message: /additional properties: "episodesPerTsk" \(did you mean "episodesPerTask"\?\)/ },
  { name: 'misspelled nested key', args: () => run(config('nested', `${good}model: { temprature: 0.5 }\n`)), message: /\/model must NOT have additional properties: "temprature" \(did you mean "temperature"\?\)/ },
  { name: 'unknown key far from any', args: () => run(config('unknown', `${good}colour: blue\n`)), message: /"colour" \(known: [^)]*episodesPerTask/ },
  { name: 'unknown family', args: () => run(variant('family', { 'family: files': 'family: trips' })), message: /\/family "trips" is not an environment package here \(known: / },
  { name: 'family listed twice', args: () => run(config('twice', 'name: x\nepisodesPerTask: 2\nfamilies:\n  - { name: files, tiers: [0], tasks: 1 }\n  - { name: files, tiers: [1], tasks: 1 }\n')), message: /is listed twice/ },
  { name: 'families and shorthand', args: () => run(config('both', `${good}families: [{ name: files, tiers: [0], tasks: 1 }]\n`)), message: /\/families cannot be combined with \/family/ },
  { name: 'tasks and tasksPerTier', args: () => run(config('count', 'name: x\nepisodesPerTask: 2\nfamilies: [{ name: files, tiers: [0], tasks: 1, tasksPerTier: 1 }]\n')), message: /\/families\/0 needs exactly one of tasks/ },
  { name: 'acceptance band upside down', args: () => run(config('band', `${good}acceptance: { minPassRate: 0.9, maxPassRate: 0.1 }\n`)), message: /minPassRate must not exceed \/acceptance\/maxPassRate/ },
  { name: 'negative temperature', args: () => run(config('temp', `${good}model: { temperature: -1 }\n`)), message: /\/model\/temperature must be >= 0/ },
  { name: 'zero steps', args: () => run(config('steps', `${good}maxSteps: 0\n`)), message: /\/maxSteps must be >= 1/ },
  { name: 'unknown engine', args: () => run(config('engine', `${good}model: { engine: gpt }\n`)), message: /\/model\/engine must be equal to one of the allowed values/ },
  { name: 'openai engine without a server', args: () => run(config('openai', `${good}model: { engine: openai, model: m }\n`)), message: /baseUrl/ },
  { name: 'zero task concurrency', args: () => run(config('conc', `${good}concurrency: { tasks: 0 }\n`)), message: /\/concurrency\/tasks must be >= 1/ },
  { name: 'near threshold above 1', args: () => run(config('near', `${good}dedup: { nearThreshold: 2 }\n`)), message: /\/dedup\/nearThreshold must be <= 1/ },
  { name: 'missing evaluation file', args: () => run(config('eval', `${good}decontamination: { files: [eval.jsonl] }\n`)), message: /\/decontamination\/files\/0 cannot read evaluation file .*eval\.jsonl/ },
  { name: 'missing environments folder', args: () => run(config('envs', `${good}environments: [no-such-folder]\n`)), message: /\/environments: .*no-such-folder/ },
  // Model files.
  { name: 'model file missing', args: () => run(variant('model-missing', { 'episodesPerTask: 2\n': 'episodesPerTask: 2\nmodel: { path: absent.gguf }\n' })), message: /\/model\/path no model file at .*absent\.gguf/ },
  { name: 'adapter file missing', args: () => run(config('adapter-missing', `${good}model: { adapter: absent-lora.gguf }\n`)), message: /\/model\/adapter no adapter file at .*absent-lora\.gguf/ },
  { name: 'adapter with a server', args: () => run(config('adapter-openai', `${good}model: { engine: openai, baseUrl: 'http://127.0.0.1:9/v1', model: m, adapter: a.gguf }\n`)), message: /\/model\/adapter: a LoRA adapter applies to the embedded engine only/ },
  { name: 'adapter scale alone', args: () => run(config('adapter-scale', `${good}model: { adapterScale: 2 }\n`)), message: /\/model\/adapterScale needs \/model\/adapter/ },
  { name: 'adapter is a text file', args: () => run(config('adapter-text', `${good}model: { path: ${resolveModelPath()}, adapter: ${file('notes-lora.gguf', 'these are my notes\n')} }\n`)), message: /notes-lora\.gguf: not a GGUF file/ },
  { name: 'model is a text file', args: () => run(model('notes.gguf', 'these are my notes\n')), message: /model .*notes\.gguf: not a GGUF file \(it starts with "these ar"/ },
  { name: 'model is empty', args: () => run(model('empty.gguf', '')), message: /model .*empty\.gguf: not a GGUF file/ },
  { name: 'model is a truncated GGUF', args: () => run(model('cut.gguf', truncatedModel())), message: /model .*cut\.gguf does not load: / },
  // Environment packages.
  { name: 'package manifest YAML error', args: () => ['envs', 'list', '--env-dir', brokenPackage('yaml', (m) => `${m}\ntools: [\n`)], message: /environment\.yaml/ },
  { name: 'package manifest unknown key', args: () => ['envs', 'list', '--env-dir', brokenPackage('key', (m) => `${m}\nflavour: mint\n`)], message: /environment\.yaml[\s\S]*"flavour"/ },
  { name: 'package without tiers', args: () => ['envs', 'list', '--env-dir', brokenPackage('tiers', (m) => m.replace(/tiers:\n(  - .*\n)+/, 'tiers: []\n'))], message: /environment\.yaml[\s\S]*\/tiers/ },
  { name: 'package names a missing program', args: () => ['envs', 'list', '--env-dir', brokenPackage('probe', (m) => m.replace('probe: probe.py', 'probe: nowhere.py'))], message: /nowhere\.py/ },
  { name: 'package tool without {tools} argv', args: () => ['envs', 'list', '--env-dir', brokenPackage('argv', (m) => m.replace('argv: [python3, -I, "{tools}/shell_tool.py"]', 'argv: []'))], message: /\/tools\/0\/argv/ },
  { name: 'env dir that is not there', args: () => ['envs', 'list', '--env-dir', join(dir, 'no-envs')], message: /no-envs/ },
  // Paths to write to.
  { name: 'export to a directory', args: () => ['export', '--out', dir], message: /--out .* is a directory: name a file, e.g\. .*train\.jsonl/ },
  { name: 'export under a file', args: () => ['export', '--out', join(file('plain.txt', 'x'), 'train.jsonl')], message: /plain\.txt is a file, not a directory/ },
  { name: 'export without permission', uid: 65534, args: () => { const locked = join(dir, 'locked'); mkdirSync(locked, { recursive: true }); chmodSync(locked, 0o755); chmodSync(dir, 0o755); return ['export', '--out', join(locked, 'sub', 'train.jsonl')]; }, message: /cannot write in .*locked \(EACCES\)/ },
  { name: 'run --export to a directory', args: () => ['run', '--config', config('good', good), '--export', dir], message: /--export .* is a directory/ },
  // Options.
  { name: 'unknown command', args: () => ['synthesize'], message: /Unknown argument: synthesize|Unknown command/ },
  { name: 'run without --config', args: () => ['run'], message: /Missing required argument: config/ },
  { name: 'misspelled option', args: () => ['run', '--confg', 'x.yaml'], message: /Unknown argument|Missing required argument: config/ },
  { name: 'export format unknown', args: () => ['export', '--format', 'parquet', '--out', join(dir, 'x.jsonl')], message: /Invalid values:[\s\S]*format/ },
  { name: 'zero sandboxes per host', args: () => ['run', '--config', config('good4', good), '--max-sandboxes', '0'], message: /--max-sandboxes 0: give a whole number, at least 1/ },
  { name: 'worker with a fractional sandbox cap', args: () => ['worker', '--max-sandboxes', '2.5'], message: /--max-sandboxes 2\.5: give a whole number/ },
  { name: 'schedule for a malformed store id', args: () => ['schedule', 'create', 'x', '--config', config('good5', good), '--every', '1h', '--store-id', 'a b/c'], message: /--store-id "a b\/c": a store id is/ },
  { name: 'replay without a target', args: () => ['replay'], message: /give --workflow-id \(one workflow\) or --run/ },
  { name: 'replay of a run, step by step', args: () => ['replay', '--run', 'r', '--steps'], message: /mutually exclusive/ },
  // Training, evaluation and the loop.
  { name: 'adapter name ending in .gguf', args: () => ['train', '--name', 'mine.gguf'], message: /--name mine\.gguf: .*not ending in \.gguf/ },
  { name: 'train with no store', args: () => ['train', '--name', 'mine'], message: /no tasksynth database at .*nothing to train on yet/ },
  { name: 'train for zero epochs', args: () => ['train', '--name', 'mine', '--epochs', '0'], message: /--epochs 0: give a number above 0/ },
  { name: 'train with a fractional rank', args: () => ['train', '--name', 'mine', '--rank', '1.5'], message: /--rank 1\.5: give a whole number, at least 1/ },
  { name: 'eval of an unknown adapter', args: () => ['eval', '--adapter', 'nope'], message: /--adapter nope: no tasksynth database/ },
  { name: 'eval with k of 0', args: () => ['eval', '--adapter', 'nope', '--k', '0'], message: /--k 0: give a whole number, at least 1/ },
  { name: 'adapter by an unknown name', args: () => ['run', '--config', config('adapter-name', `${good}model: { adapter: my-lora }\n`)], message: /\/model\/adapter no adapter named "my-lora"/ },
  { name: 'loop from a config with an adapter', args: () => ['loop', '--name', 'l', '--config', config('loop-adapter', `${good}model: { adapter: ${file('loop-lora.gguf', 'x')} }\n`)], message: /the loop starts from the base model; remove \/model\/adapter/ },
  { name: 'schedule with two timetables', args: () => ['schedule', 'create', 'x', '--config', config('good2', good), '--every', '1h', '--cron', '0 3 * * *'], message: /exactly one of --every and --cron/ },
  { name: 'schedule with a bad interval', args: () => ['schedule', 'create', 'x', '--config', config('good3', good), '--every', 'fortnightly'], message: /--every "fortnightly" is not a duration/ },
];

test(`the bad-input table has at least 50 cases (${cases.length})`, () => {
  assert.ok(cases.length >= 50);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
});

for (const c of cases) {
  // Only root can run a case as another user (to be refused a directory).
  const skip = c.uid !== undefined && process.getuid?.() !== 0;
  test(`bad input: ${c.name} -> exit 2, named, nothing written`, { skip }, () => {
    const home = join(dir, `home-${c.name.replace(/\W+/g, '-')}`);
    const out = spawnSync(process.execPath, [cli, ...c.args()], {
      env: { ...process.env, TASKSYNTH_HOME: home, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 120_000,
      ...(c.uid === undefined ? {} : { uid: c.uid, gid: c.uid }),
    });
    assert.equal(out.status, 2, `exit ${out.status} (signal ${out.signal})\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
    assert.match(out.stderr, c.message);
    assert.doesNotMatch(out.stderr, /^\s+at /m, 'no stack trace');
    assert.ok(!existsSync(home) || readdirSync(home).length === 0, `${home} was written: ${existsSync(home) ? readdirSync(home).join(', ') : ''}`);
  });
}

test('an unreachable Temporal service is named with its address (exit 1), and --run alone is not a usage error', () => {
  const home = join(dir, 'home-unreachable');
  const out = spawnSync(process.execPath, [cli, 'replay', '--run', 'some-run'], {
    env: { ...process.env, TASKSYNTH_HOME: home, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(out.status, 1, out.stderr);
  assert.match(out.stderr, /cannot connect to Temporal at 127\.0\.0\.1:1: .*check TEMPORAL_ADDRESS/);
  assert.ok(!existsSync(home) || readdirSync(home).length === 0);
});
