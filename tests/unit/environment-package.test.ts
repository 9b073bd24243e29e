// Environment packages load from folders, and a broken one is refused naming the file and the field. What a
// generator prints is checked before any task is used (a broken verifier is one whose schema does not compile).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { builtinEnvironmentsDir, EnvironmentCatalog, packageDirs } from '../../environments/catalog.js';
import { checkGeneratedTasks, GeneratorError } from '../../environments/generate.js';
import { toolArgv, toolInput, verifierArgv } from '../../environments/layout.js';
import { EnvironmentError, loadEnvironment } from '../../environments/package.js';
import { SUBMIT_TOOL } from '../../schemas/types.js';

const scratch = mkdtempSync(join(tmpdir(), 'tasksynth-envpkg-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const filesDir = join(builtinEnvironmentsDir(), 'files');

/** A copy of the built-in `files` package, with `edit` applied to its manifest text. */
function packageCopy(name: string, edit: (manifest: string) => string = (m) => m): string {
  const dir = join(scratch, name);
  cpSync(filesDir, dir, { recursive: true });
  const manifest = join(dir, 'environment.yaml');
  writeFileSync(manifest, edit(readFileSync(manifest, 'utf8')));
  return dir;
}

const problemsOf = (dir: string): string[] => {
  try {
    loadEnvironment(dir);
  } catch (error) {
    assert.ok(error instanceof EnvironmentError, String(error));
    assert.match(error.message, new RegExp(`invalid environment package .*${dir.split('/').pop()}/environment\\.yaml`));
    return error.problems;
  }
  assert.fail('the package was accepted');
};

test('the built-in files package loads: tools, tiers, programs and a content hash', () => {
  const pkg = loadEnvironment(filesDir);
  assert.equal(pkg.name, 'files');
  assert.equal(pkg.maxTier, 3);
  assert.deepEqual(pkg.tools.map((t) => t.name), ['list_files', 'read_file', 'write_file']);
  assert.deepEqual(pkg.tools.filter((t) => t.mutates).map((t) => t.name), ['write_file']);
  assert.match(pkg.hash, /^[0-9a-f]{64}$/);
  assert.ok(pkg.privateFiles.some((f) => f.rel === 'probe.py'));
  assert.ok(!pkg.publicFiles.some((f) => f.rel.endsWith('probe.py')), 'the probe is not among the public files');
});

test('a user folder loads like a built-in one, and its hash follows its content', () => {
  const dir = packageCopy('mine', (m) => m.replace('name: files', 'name: mine'));
  const a = loadEnvironment(dir);
  writeFileSync(join(dir, 'verifier', 'probe.py'), `${readFileSync(join(dir, 'verifier', 'probe.py'), 'utf8')}\n# changed\n`);
  const b = loadEnvironment(dir);
  assert.notEqual(a.hash, b.hash);
  const catalog = new EnvironmentCatalog([dir]);
  assert.ok(catalog.names().includes('files') && catalog.names().includes('mine'), catalog.names().join(', '));
  assert.throws(() => catalog.resolve({ name: 'mine', version: a.version, hash: a.hash }), /changed since the run started/);
});

test('a folder of packages lists each package folder in it', () => {
  const parent = join(scratch, 'many');
  mkdirSync(parent);
  cpSync(filesDir, join(parent, 'one'), { recursive: true });
  mkdirSync(join(parent, 'not-a-package'));
  assert.deepEqual(packageDirs(parent), [join(parent, 'one')]);
});

test('a broken package does not stop the others: asking for it gives its error', () => {
  const parent = join(scratch, 'mixed');
  mkdirSync(parent);
  cpSync(filesDir, join(parent, 'fine'), { recursive: true });
  writeFileSync(join(parent, 'fine', 'environment.yaml'), readFileSync(join(filesDir, 'environment.yaml'), 'utf8').replace('name: files', 'name: fine'));
  cpSync(filesDir, join(parent, 'bent'), { recursive: true });
  writeFileSync(join(parent, 'bent', 'environment.yaml'), 'name: bent\n');
  const catalog = new EnvironmentCatalog([parent]);
  assert.ok(catalog.names().includes('fine'));
  assert.ok(!catalog.names().includes('bent'));
  assert.throws(() => catalog.get('bent'), (e: unknown) => e instanceof EnvironmentError && /must have required property 'version'/.test(e.message));
});

test('two folders that give the same name are refused', () => {
  const dir = packageCopy('again');
  assert.throws(() => new EnvironmentCatalog([dir]), /\/name "files" is already the name of the package in/);
});

test('broken manifests are refused with the field that is wrong', () => {
  assert.deepEqual(problemsOf(packageCopy('nomanifest-syntax', (m) => `${m}\ntools: [oops\n`)).length > 0, true);
  assert.ok(problemsOf(packageCopy('no-probe', (m) => m.replace('probe: probe.py\n', ''))).some((p) => /must have required property 'probe'/.test(p)));
  assert.ok(problemsOf(packageCopy('bad-name', (m) => m.replace('name: files', 'name: Files!'))).some((p) => p.startsWith('/name ')));
  assert.ok(problemsOf(packageCopy('extra', (m) => `${m}colour: blue\n`)).some((p) => /must NOT have additional properties.*colour/.test(p)));
  assert.ok(problemsOf(packageCopy('submit-tool', (m) => m.replace('name: list_files', 'name: submit'))).some((p) => p.startsWith('/tools/0/name')));
  assert.ok(problemsOf(packageCopy('tier-order', (m) => m.replace('{ tier: 2,', '{ tier: 5,'))).some((p) => /\/tiers\/2\/tier must be 2/.test(p)));
  assert.ok(problemsOf(packageCopy('missing-program', (m) => m.replace('probe: probe.py', 'probe: nothere.py'))).some((p) => /\/probe nothere\.py is not in the private folder/.test(p)));
  assert.ok(problemsOf(packageCopy('missing-tool-file', (m) => m.replace('{tools}/files_tool.py", read_file', '{tools}/gone.py", read_file'))).some((p) => /\/tools\/1\/argv\/2 names gone\.py/.test(p)));
  assert.ok(problemsOf(packageCopy('dup-tool', (m) => m.replace('name: read_file', 'name: list_files'))).some((p) => /\/tools\/1\/name "list_files" is used by an earlier tool/.test(p)));
  assert.ok(problemsOf(packageCopy('bad-params', (m) => m.replace('properties: { path: { type: string,', 'properties: { path: { type: strnig,'))).some((p) => p.startsWith('/tools/1/parameters')));
  assert.ok(problemsOf(packageCopy('escape', (m) => m.replace('probe: probe.py', 'probe: ../probe.py'))).some((p) => p.startsWith('/probe ')));
  const noFolder = packageCopy('no-verifier');
  rmSync(join(noFolder, 'verifier'), { recursive: true });
  assert.ok(problemsOf(noFolder).some((p) => /\/layer\/private folder verifier\/ is missing/.test(p)));
  assert.ok(problemsOf(join(scratch, 'does-not-exist')).some((p) => /does not exist/.test(p)));
});

test('argv in the image: {tools} expands, arguments travel as JSON on stdin, verifier programs run isolated', () => {
  assert.deepEqual(toolArgv('files', ['python3', '-I', '{tools}/files_tool.py', 'read_file']), [
    'python3', '-I', '/opt/tasksynth/env/files/tools/files_tool.py', 'read_file',
  ]);
  assert.equal(toolInput({ name: 'read_file', arguments: { path: 'a b' } }), '{"path":"a b"}');
  const argv = verifierArgv('files', 'probe.py', { requireNoAgentProcesses: true });
  assert.deepEqual(argv.slice(0, 3), ['python3', '-I', '-B']);
  assert.ok(argv.includes('--require-no-agent-processes'));
  assert.equal(argv.at(-2), '/opt/tasksynth/env/files/verifier');
});

// What a generator prints, checked without Docker.
const pkg = loadEnvironment(filesDir);
const request = { scope: 'unit', seed: 1, tier: 0, count: 1, offset: 0 };
const goodTask = () => ({
  index: 0,
  prompt: 'Create a file named a.txt that contains the word apple.',
  tools: ['write_file'],
  reference: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'apple' } }, { name: SUBMIT_TOOL, arguments: {} }],
  outcomeSchema: { type: 'object', required: ['state'] },
  mutants: [{ name: 'wrong word', calls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'pear' } }, { name: SUBMIT_TOOL, arguments: {} }] }],
});
const generatorError = (task: Record<string, unknown>): string => {
  try {
    checkGeneratedTasks(pkg, request, { tasks: [task] });
  } catch (error) {
    assert.ok(error instanceof GeneratorError, String(error));
    return error.message;
  }
  assert.fail('the generated task was accepted');
};

test('a well-formed generated task becomes a task spec with the package hash and a submit tool', () => {
  const [task] = checkGeneratedTasks(pkg, request, { tasks: [goodTask()] });
  assert.equal(task.id, 'unit/files/t0/s1/0');
  assert.equal(task.environment.hash, pkg.hash);
  assert.deepEqual(task.tools.map((t) => t.name), ['write_file', SUBMIT_TOOL]);
  assert.deepEqual(task.mutatingTools, ['write_file']);
  assert.equal(task.guess, null);
});

test('a broken verifier (an outcome schema that does not compile) is caught naming the task', () => {
  const message = generatorError({ ...goodTask(), outcomeSchema: { type: 'objekt' } });
  assert.match(message, /environment files, tier 0, seed 1, task 0: \/outcomeSchema \(the task's verifier\) does not compile/);
});

test('generated tasks that cannot be right are refused with the field', () => {
  assert.match(generatorError({ ...goodTask(), tools: ['rm_rf'] }), /\/tools\/0 names "rm_rf", which is not a tool of the package/);
  assert.match(generatorError({ ...goodTask(), reference: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } }] }), /\/reference does not end with a submit call/);
  assert.match(generatorError({ ...goodTask(), reference: [{ name: 'write_file', arguments: { path: 3 } }, { name: SUBMIT_TOOL, arguments: {} }] }), /\/reference\/0\/arguments do not fit write_file's parameters/);
  assert.match(generatorError({ ...goodTask(), reference: [{ name: 'read_file', arguments: { path: 'a' } }, { name: SUBMIT_TOOL, arguments: {} }] }), /\/reference\/0\/name calls "read_file", which this task does not offer/);
  assert.match(generatorError({ ...goodTask(), mutants: [{ name: 'm', calls: [{ name: SUBMIT_TOOL, arguments: {} }, { name: SUBMIT_TOOL, arguments: {} }] }] }), /\/mutants\/0\/calls\/0 submits before the last call/);
  const answerTask = { ...goodTask(), submit: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } };
  answerTask.reference = [{ name: SUBMIT_TOOL, arguments: { answer: 'x' } } as never];
  answerTask.mutants = [];
  assert.match(generatorError(answerTask), /\/guess is missing: an answer task must state the answers a guess picks from/);
  assert.match(generatorError({ ...goodTask(), prompt: 7 }), /printed invalid tasks/);
  assert.throws(() => checkGeneratedTasks(pkg, { ...request, count: 2 }, { tasks: [goodTask()] }), /printed tasks \[0\] but was asked for \[0,1\]/);
});
