// Real Docker, real images: a scripted hostile agent tries to make the probe (and so the verdict) report a pass it
// did not earn, through the tools of the double-shell test package (a bash shell) and of the built-in `files`
// package. Every attempt ends with a wrong (or no) answer, or harms only its own episode; each asserts the verdict
// and the specific mechanism that failed. Controls show the planted files are real: when the agent's own
// interpreter or shell loads them, they do what they were written to do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { projectRoot } from '../../config/paths.js';
import { generateTasks } from '../../environments/generate.js';
import { ensureEnvironmentImage } from '../../environments/image.js';
import { verifierArgv } from '../../environments/layout.js';
import { loadEnvironment, type EnvironmentPackage } from '../../environments/package.js';
import { probeTaskState, startTaskSandbox, taskRequest } from '../../environments/task-sandbox.js';
import { baseImageTag } from '../../sandboxes/base-image.js';
import { connectDocker, pingDocker } from '../../sandboxes/docker-client.js';
import { LABEL_RUN, type SandboxLimits } from '../../sandboxes/profile.js';
import { SandboxManager } from '../../sandboxes/sandbox.js';
import { SUBMIT_TOOL, type TaskSpec, type ToolCall } from '../../schemas/types.js';
import { runRollout, type RolloutTrace } from '../../verification/rollout.js';
import { verifyOutcome } from '../../verification/verify.js';

const limits: SandboxLimits = { memoryMb: 256, pidsLimit: 64, cpus: 1, timeoutMs: 10_000, outputLimitBytes: 4096 };
const labels = { [LABEL_RUN]: `tamper-${process.pid}` };
const docker = connectDocker();
const sandboxes = new SandboxManager(docker, limits);

const SUBMIT: ToolCall = { name: SUBMIT_TOOL, arguments: {} };
const VERIFIER_DIR = '/opt/tasksynth/env/double-shell/verifier';
const FILES_VERIFIER_DIR = '/opt/tasksynth/env/files/verifier';
/** Text of the double-shell package's private verifier/answer_key.txt: must never reach the agent or a report. */
const KEY_TEXT = 'only the verifier may read this';
const USER_SITE = '/work/.local/lib/python3.11/site-packages';

interface Fact {
  type: string;
  truncated?: boolean;
  text?: string;
  readable?: boolean;
  size?: number;
  target?: string | null;
}
interface TreeState {
  tree: Record<string, Fact>;
  entries: number;
  complete: boolean;
  planted?: string;
}

interface Setup {
  pkg: EnvironmentPackage;
  image: string;
  task: TaskSpec;
  /** The judged file and the word the task wants in it, and a word that is wrong. */
  file: string;
  right: string;
  wrong: string;
}
let shell: Setup;
let files: Setup;

async function prepare(dir: string): Promise<{ pkg: EnvironmentPackage; image: string; task: TaskSpec }> {
  const pkg = loadEnvironment(dir);
  const image = await ensureEnvironmentImage(docker, pkg, baseImageTag());
  const id = await sandboxes.create(image, labels);
  try {
    const [task] = await generateTasks(sandboxes, id, pkg, { scope: `tamper-${process.pid}`, seed: 7, tier: 0, count: 1, offset: 0 });
    return { pkg, image, task: task! };
  } finally {
    await sandboxes.remove(id);
  }
}

before(
  async () => {
    await pingDocker(docker);
    const [s, f] = await Promise.all([
      prepare(join(projectRoot(), 'tests', 'fixtures', 'environments', 'double-shell')),
      prepare(join(projectRoot(), 'environments', 'files')),
    ]);
    const right = /^Write the word (\w+) into answer\.txt\.$/.exec(s.task.prompt)?.[1];
    const wrong = /^printf (\w+) > answer\.txt$/.exec(String(s.task.mutants[0]!.calls[0]!.arguments.command))?.[1];
    assert.ok(right && wrong && right !== wrong, `unexpected double-shell task: ${JSON.stringify(s.task)}`);
    shell = { ...s, file: 'answer.txt', right, wrong };
    const write = f.task.reference[0]!.arguments as { path: string; content: string };
    const fWrong = f.task.mutants.find((m) => m.name === 'wrong word')!.calls[0]!.arguments.content as string;
    files = { ...f, file: write.path, right: write.content, wrong: fWrong };
  },
  { timeout: 10 * 60_000 },
);

after(async () => {
  await sandboxes.reap(0, labels);
});

const sh = (command: string): ToolCall => ({ name: 'shell', arguments: { command } });
const writeFile = (path: string, content: string): ToolCall => ({ name: 'write_file', arguments: { path, content } });
const readFile = (path: string): ToolCall => ({ name: 'read_file', arguments: { path } });

/** One scripted rollout ending in submit; the last call is always submit. */
function attempt(env: Setup, name: string, calls: ToolCall[]): Promise<RolloutTrace> {
  return runRollout(sandboxes, env.pkg, env.image, env.task, { gate: 'mutant', name, calls: [...calls, SUBMIT], mustPass: false }, labels);
}

const stateOf = (trace: RolloutTrace): TreeState => {
  assert.equal(trace.probeError, null, `the probe failed: ${trace.probeError}`);
  return trace.outcome.state as TreeState;
};
const outputOf = (trace: RolloutTrace, step: number) => trace.steps[step]!.result!.output;
const exitOf = (trace: RolloutTrace, step: number) => trace.steps[step]!.result!.exitCode;

/** Asserts the verdict failed while the probe worked, and the judged file holds what the agent really left. */
function assertFailedWithRealState(env: Setup, trace: RolloutTrace, judged: Fact): TreeState {
  const state = stateOf(trace);
  assert.equal(trace.verdict.passed, false, `a tamper attempt passed: ${JSON.stringify(trace.outcome.state)}`);
  assert.deepEqual(pick(state.tree[env.file], Object.keys(judged)), judged);
  assert.equal(state.planted, undefined, 'the probe printed a planted fake state');
  return state;
}

function pick(fact: Fact | undefined, keys: string[]): Partial<Fact> | undefined {
  if (!fact) return undefined;
  return Object.fromEntries(keys.map((k) => [k, fact[k as keyof Fact]]));
}

/** The fake probe output a planted module prints in place of the real one: it would pass the task. */
const fakeState = (env: Setup, name: string) =>
  JSON.stringify({ complete: true, entries: 1, planted: name, tree: { [env.file]: { type: 'file', readable: true, truncated: false, text: env.right } } });

/**
 * A Python module a hostile agent plants: logs its name to /work/hooks.log, rewrites the judged file with the
 * right word (both only where the running uid may write), and swaps stdout so the process prints a fake passing
 * state instead of its own output. With `shadows`, it then loads the real module it hides and passes it on, so
 * the program importing it keeps working.
 */
function plantedModule(env: Setup, name: string, shadows = false): string {
  const lines = [
    '# Planted by a hostile agent: if this runs inside the probe, the probe prints a fake passing state.',
    'import atexit, io, posix, sys',
    'def _put(path, data, flags):',
    '    try:',
    '        fd = posix.open(path, flags, 0o666)',
    '    except OSError:',
    '        return',
    '    try:',
    '        posix.write(fd, data)',
    '    finally:',
    '        posix.close(fd)',
    `_put("/work/hooks.log", b"${name}\\n", posix.O_WRONLY | posix.O_CREAT | posix.O_APPEND)`,
    `_put("/work/${env.file}", b"${env.right}", posix.O_WRONLY | posix.O_CREAT | posix.O_TRUNC)`,
    'if not getattr(sys, "planted", False):',
    '    sys.planted = True',
    '    sys.stdout = io.StringIO()',
    `    atexit.register(posix.write, 1, ${JSON.stringify(fakeState(env, name))}.encode())`,
  ];
  if (shadows) {
    lines.push(
      '_name = __name__',
      'del sys.modules[_name]',
      '_saved = sys.path[:]',
      'sys.path[:] = [p for p in sys.path if p not in ("", ".", "/work")]',
      'try:',
      '    _real = __import__(_name)',
      'finally:',
      '    sys.path[:] = _saved',
      'globals().update({k: v for k, v in vars(_real).items() if not k.startswith("__")})',
      'sys.modules[_name] = _real',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Shell that writes `content` to `path` (a quoted heredoc: no expansion). */
const plantFile = (path: string, content: string) => `cat > ${path} <<'PLANTED_EOF'\n${content}PLANTED_EOF\n`;

/** Shell that lists every process of the agent's uid as "PROC <pid> <cmdline>". */
const LIST_AGENT_PROCESSES =
  'for p in /proc/[0-9]*; do [ "$(stat -c %u "$p" 2>/dev/null)" = 1000 ] || continue; ' +
  'echo "PROC ${p#/proc/} $(tr "\\0" " " < "$p/cmdline" 2>/dev/null)"; done';

/**
 * Shell lines that leave the wrong answer and an empty hooks.log, both writable by anyone in a /work anyone may
 * write: a planted hook that ran in the probe (another uid) could then change the answer.
 */
const wrongAnswerOpenToAll = () => [`printf ${shell.wrong} > answer.txt`, ': > hooks.log', 'chmod 666 answer.txt hooks.log', 'chmod 777 /work'];

describe('start-up hooks in the agent\'s user site-packages (HOME is /work)', () => {
  const plant = () =>
    sh(
      [
        ...wrongAnswerOpenToAll(),
        `mkdir -p ${USER_SITE}`,
        plantFile(`${USER_SITE}/usercustomize.py`, plantedModule(shell, 'usercustomize')),
        plantFile(`${USER_SITE}/sitecustomize.py`, plantedModule(shell, 'sitecustomize')),
        plantFile(`${USER_SITE}/planted_pth.py`, plantedModule(shell, 'pth')),
        `echo 'import planted_pth' > ${USER_SITE}/planted.pth`,
        `ls ${USER_SITE}`,
      ].join('\n'),
    );

  test('the fake state the hooks print would pass the task', () => {
    assert.equal(verifyOutcome(shell.task.outcomeSchema, { submitted: {}, state: JSON.parse(fakeState(shell, 'x')) }).passed, true);
  });

  test('the probe loads none of them: real state, no fake, nothing logged', async () => {
    const trace = await attempt(shell, 'user site hooks', [plant(), sh('cat answer.txt; echo; cat hooks.log')]);
    assert.equal(exitOf(trace, 0), 0, outputOf(trace, 0));
    assert.match(outputOf(trace, 0), /planted\.pth/);
    // The tools' own interpreters (python3 -I) did not load them either.
    assert.equal(outputOf(trace, 1), `${shell.wrong}\n`);
    const state = assertFailedWithRealState(shell, trace, { type: 'file', text: shell.wrong });
    // The verifier could have written hooks.log (mode 666 in a mode 777 /work), yet it is empty.
    assert.deepEqual(pick(state.tree['hooks.log'], ['type', 'text']), { type: 'file', text: '' });
  });

  test('control: the agent\'s own python3 (no -I) loads the .pth and usercustomize.py', async () => {
    const trace = await attempt(shell, 'user site hooks, control', [plant(), sh('python3 -c \'print("real output")\''), sh('cat hooks.log')]);
    assert.equal(outputOf(trace, 1), fakeState(shell, 'pth'));
    // Debian's own sitecustomize (earlier on sys.path) shadows the one in the user site even without -I.
    assert.deepEqual(outputOf(trace, 2).trim().split('\n'), ['pth', 'usercustomize']);
    assert.equal(trace.verdict.passed, true, 'the hooks rewrote answer.txt as the agent');
  });
});

describe('modules planted in the working directory', () => {
  const names = ['json', 'os', 'runpy', 'tasksynth_state', 'shell_tasks', 'run_verifier', 'generate', 'probe', 'files_tasks'];
  const plant = () =>
    sh(
      [
        ...wrongAnswerOpenToAll(),
        ...names.map((n) => plantFile(`/work/${n}.py`, plantedModule(shell, n, true))),
      ].join('\n'),
    );

  test('the probe imports none of them', async () => {
    const trace = await attempt(shell, 'cwd modules', [plant()]);
    assert.equal(exitOf(trace, 0), 0, outputOf(trace, 0));
    const state = assertFailedWithRealState(shell, trace, { type: 'file', text: shell.wrong });
    assert.deepEqual(pick(state.tree['hooks.log'], ['type', 'text']), { type: 'file', text: '' });
    for (const n of names) assert.equal(state.tree[`${n}.py`]?.type, 'file', `${n}.py was planted`);
  });

  test('control: the agent\'s own python3 in /work imports the planted json.py', async () => {
    const trace = await attempt(shell, 'cwd modules, control', [plant(), sh('python3 -c \'import json; print(json.dumps("real output"))\''), sh('cat hooks.log')]);
    assert.equal(outputOf(trace, 1), fakeState(shell, 'json'));
    assert.deepEqual(outputOf(trace, 2).trim().split('\n'), ['json']);
    assert.equal(trace.verdict.passed, true);
  });

  test('files: modules and start-up hooks planted with write_file are not imported by its probe', async () => {
    const planted: Array<[string, string]> = [
      ...['files_tasks', 'tasksynth_state', 'json', 'runpy', 'probe', 'sitecustomize', 'usercustomize'].map(
        (n): [string, string] => [`${n}.py`, plantedModule(files, n, !n.endsWith('customize'))],
      ),
      [`.local/lib/python3.11/site-packages/usercustomize.py`, plantedModule(files, 'usercustomize')],
      [`.local/lib/python3.11/site-packages/sitecustomize.py`, plantedModule(files, 'sitecustomize')],
      [`.local/lib/python3.11/site-packages/planted_pth.py`, plantedModule(files, 'pth')],
      [`.local/lib/python3.11/site-packages/planted.pth`, 'import planted_pth\n'],
    ];
    const trace = await attempt(files, 'files: planted modules', [
      ...planted.map(([path, text]) => writeFile(path, text)),
      writeFile(files.file, files.wrong),
    ]);
    trace.steps.slice(0, -1).forEach((s, i) => assert.equal(s.result!.exitCode, 0, `step ${i}: ${s.result!.output}`));
    const state = assertFailedWithRealState(files, trace, { type: 'file', text: files.wrong });
    assert.equal(state.tree['hooks.log'], undefined);
  });
});

describe('the exec environment', () => {
  const plant = () =>
    sh(
      [
        ...wrongAnswerOpenToAll(),
        `printf 'echo bashrc >> /work/hooks.log; printf ${shell.right} > /work/answer.txt\\n' > .bashrc`,
        `printf 'echo profile >> /work/hooks.log; printf ${shell.right} > /work/answer.txt\\n' > .profile`,
        'mkdir -p pyhooks',
        plantFile('pyhooks/sitecustomize.py', plantedModule(shell, 'sitecustomize')),
        'export PYTHONPATH=/work/pyhooks BASH_ENV=/work/.bashrc ENV=/work/.profile',
        '(export PYTHONPATH=/work/pyhooks BASH_ENV=/work/.bashrc; exec sleep 30) >/dev/null 2>&1 < /dev/null &',
        'echo planted',
      ].join('\n'),
    );

  test('.bashrc, .profile and exported variables reach neither later tool calls nor the probe', async () => {
    const trace = await attempt(shell, 'environment', [
      plant(),
      sh('echo "PYTHONPATH=[$PYTHONPATH] BASH_ENV=[$BASH_ENV] ENV=[$ENV]"; cat answer.txt; echo; cat hooks.log'),
    ]);
    assert.equal(exitOf(trace, 0), 0, outputOf(trace, 0));
    assert.equal(outputOf(trace, 1), `PYTHONPATH=[] BASH_ENV=[] ENV=[]\n${shell.wrong}\n`);
    const state = assertFailedWithRealState(shell, trace, { type: 'file', text: shell.wrong });
    assert.deepEqual(pick(state.tree['hooks.log'], ['type', 'text']), { type: 'file', text: '' });
  });

  test('control: a login shell, an interactive shell and PYTHONPATH do load them', async () => {
    const trace = await attempt(shell, 'environment, control', [
      plant(),
      sh('bash -l -c true; bash -i -c true 2>/dev/null; PYTHONPATH=/work/pyhooks python3 -c "print(1)"; echo; cat hooks.log'),
    ]);
    assert.equal(outputOf(trace, 1), `${fakeState(shell, 'sitecustomize')}\nprofile\nbashrc\nsitecustomize\n`);
    assert.equal(trace.verdict.passed, true);
  });
});

describe('symlinks', () => {
  test('answer.txt linked to a file in /work holding the right word is reported as a link, not followed', async () => {
    const trace = await attempt(shell, 'symlink to right word', [
      sh(`printf ${shell.right} > right.txt; ln -s right.txt answer.txt; ln -s ${VERIFIER_DIR} keys; cat answer.txt`),
    ]);
    // Control: whatever follows the link reads the right word.
    assert.equal(outputOf(trace, 0), shell.right);
    const state = assertFailedWithRealState(shell, trace, { type: 'symlink', target: 'right.txt' });
    assert.equal(state.tree['answer.txt']!.text, undefined);
    assert.deepEqual(state.tree.keys, { type: 'symlink', target: VERIFIER_DIR });
    assert.ok(!Object.keys(state.tree).some((k) => k.startsWith('keys/')), 'the probe walked into a linked directory');
  });

  test('answer.txt linked to the verifier\'s answer key: a link in the report, the key never read', async () => {
    const trace = await attempt(shell, 'symlink to answer key', [sh(`ln -s ${VERIFIER_DIR}/answer_key.txt answer.txt; cat answer.txt`)]);
    assert.notEqual(exitOf(trace, 0), 0);
    assert.match(outputOf(trace, 0), /Permission denied/);
    assertFailedWithRealState(shell, trace, { type: 'symlink', target: `${VERIFIER_DIR}/answer_key.txt` });
    assert.ok(!JSON.stringify(trace).includes(KEY_TEXT), 'the answer key leaked');
  });

  test('a judged path under a linked folder is never read through the link (the verifier\'s files, its setup state)', async () => {
    const id = await startTaskSandbox(sandboxes, shell.pkg, shell.image, shell.task, labels);
    try {
      const planted = await sandboxes.toolCall(id, ['sh', '-c', `ln -s ${VERIFIER_DIR} sub && ln -s /verifier/state st && ls -l`]);
      assert.equal(planted.exitCode, 0, planted.output);
      const read = await sandboxes.exec(id, ['python3', '-I', '-c', [
        'import json, sys',
        'sys.path.insert(0, "/opt/tasksynth/runtime")',
        'import tasksynth_state',
        'print(json.dumps(tasksynth_state.read_tree("/work", always=["sub/answer_key.txt", "st/readme.txt"])))',
      ].join('\n')], { user: 'verifier', workingDir: '/' });
      assert.equal(read.exitCode, 0, read.output);
      const tree = (JSON.parse(read.output) as TreeState).tree;
      assert.ok(!read.output.includes(KEY_TEXT), `the key was read through the link: ${read.output}`);
      assert.deepEqual(tree['sub/answer_key.txt'], { type: 'missing', blockedBy: 'sub', blockerType: 'symlink' });
      assert.deepEqual(tree['st/readme.txt'], { type: 'missing', blockedBy: 'st', blockerType: 'symlink' });
      // Control: the verifier's own uid can read the key by its real path.
      const control = await sandboxes.exec(id, ['cat', `${VERIFIER_DIR}/answer_key.txt`], { user: 'verifier' });
      assert.match(control.output, new RegExp(KEY_TEXT));
    } finally {
      await sandboxes.remove(id);
    }
  });

  test('the right word followed by more text than the probe reads does not pass', async () => {
    const trace = await attempt(shell, 'padded past the cap', [sh(`printf '%s%1100s%s' ${shell.right} '' 'and a wrong answer after it' > answer.txt`)]);
    const state = assertFailedWithRealState(shell, trace, { type: 'file', truncated: true });
    assert.match(state.tree['answer.txt']!.text ?? '', new RegExp(`^${shell.right} +$`), 'what was read alone would match');
  });
});

describe('lingering processes', () => {
  // Each writes the right word (atomically, by rename) 2 s after it started, long after the tool call that started
  // it has ended; detached every way a shell allows.
  const put = (env: Setup, tag: string) => `printf ${env.right} > /work/.${tag}; mv -f /work/.${tag} /work/answer.txt`;
  const linger = (env: Setup) =>
    [
      `printf ${env.wrong} > answer.txt`,
      `setsid sh -c ': LINGER-setsid; sleep 2; ${put(env, 'a')}' >/dev/null 2>&1 < /dev/null &`,
      `nohup sh -c ': LINGER-nohup; sleep 2; ${put(env, 'b')}' >/dev/null 2>&1 < /dev/null &`,
      `( trap '' TERM HUP INT; : LINGER-trap; sleep 2; while :; do ${put(env, 'c')}; done ) >/dev/null 2>&1 < /dev/null &`,
      `setsid sh -c '(: LINGER-double-fork; sleep 2; ${put(env, 'd')}) &' >/dev/null 2>&1 < /dev/null &`,
      'disown -a',
    ].join('\n');

  test('processes started before submit are killed: the probe reads the wrong answer', async () => {
    const trace = await attempt(shell, 'lingering, then submit', [sh(linger(shell))]);
    assert.equal(exitOf(trace, 0), 0, outputOf(trace, 0));
    assertFailedWithRealState(shell, trace, { type: 'file', text: shell.wrong });
  });

  test('a later tool call finds the answer unchanged and no process of the earlier call', async () => {
    const trace = await attempt(shell, 'lingering, then look', [sh(linger(shell)), sh(`sleep 3; cat answer.txt; echo; ${LIST_AGENT_PROCESSES}`)]);
    const lines = outputOf(trace, 1).trim().split('\n');
    assert.equal(lines[0], shell.wrong);
    const procs = lines.filter((l) => l.startsWith('PROC '));
    assert.ok(procs.some((l) => l.includes('shell_tool.py')), `the listing sees the tool call itself: ${lines.join('\n')}`);
    assert.deepEqual(procs.filter((l) => /LINGER|sleep 2 /.test(l)), []);
    assertFailedWithRealState(shell, trace, { type: 'file', text: shell.wrong });
  });

  test('control: alive, the same processes do write the right word', async () => {
    const trace = await attempt(shell, 'lingering, control', [sh(`${linger(shell)}\nsleep 3; cat answer.txt`)]);
    assert.equal(outputOf(trace, 0), shell.right);
    assert.equal(trace.verdict.passed, true);
  });

  test('a process that escaped every tool call is killed by the probe, which refuses to read while it lives', async () => {
    const { pkg, image, task } = shell;
    const id = await startTaskSandbox(sandboxes, pkg, image, task, labels);
    try {
      // Started outside a tool call, so the per-call kill never saw it.
      const started = await sandboxes.exec(id, [
        'bash',
        '-c',
        `printf ${shell.wrong} > answer.txt; ( trap '' TERM HUP INT; sleep 3; while :; do ${put(shell, 'e')}; done ) >/dev/null 2>&1 < /dev/null &`,
      ]);
      assert.equal(started.exitCode, 0, started.output);
      const refused = await sandboxes.exec(id, verifierArgv(pkg.name, pkg.probe, { requireNoAgentProcesses: true }), {
        user: 'verifier',
        workingDir: '/',
        stdin: JSON.stringify({ ...taskRequest(task), root: '/work' }),
      });
      assert.equal(refused.exitCode, 3, refused.output);
      assert.match(refused.output, /agent processes still running/);
      const reading = await probeTaskState(sandboxes, pkg, id, task);
      assert.ok(reading.ok, reading.ok ? '' : reading.error);
      assert.equal((reading.state as TreeState).tree['answer.txt']?.text, shell.wrong);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const later = await sandboxes.exec(id, ['sh', '-c', `cat /work/answer.txt; echo; ${LIST_AGENT_PROCESSES}`], { user: 'verifier', workingDir: '/' });
      assert.equal(later.output, `${shell.wrong}\n`, 'the loop still ran after the probe');
    } finally {
      await sandboxes.remove(id);
    }
  });
});

describe('the private verifier folder', () => {
  test('double-shell: the answer key and the verifier code cannot be read, listed, copied or linked', async () => {
    const tries = [
      `cat ${VERIFIER_DIR}/answer_key.txt`,
      `ls ${VERIFIER_DIR}`,
      `cat ${VERIFIER_DIR}/generate.py`,
      `cp ${VERIFIER_DIR}/shell_tasks.py /work/`,
      `ln ${VERIFIER_DIR}/answer_key.txt /work/key`,
      `cat /proc/1/root${VERIFIER_DIR}/answer_key.txt`,
      'ls /verifier',
    ];
    const trace = await attempt(shell, 'read the verifier', [...tries.map(sh), sh(`printf ${shell.wrong} > answer.txt`)]);
    tries.forEach((t, i) => {
      assert.notEqual(exitOf(trace, i), 0, `${t}: ${outputOf(trace, i)}`);
      assert.match(outputOf(trace, i), /Permission denied|Operation not permitted/, t);
    });
    assert.ok(!JSON.stringify(trace).includes(KEY_TEXT), 'the answer key leaked');
    const state = assertFailedWithRealState(shell, trace, { type: 'file', text: shell.wrong });
    assert.equal(state.tree.key, undefined);
    assert.equal(state.tree['shell_tasks.py'], undefined);
  });

  test('files: its tools read and write nothing outside /work', async () => {
    const outside = [
      readFile(`../${FILES_VERIFIER_DIR.slice(1)}/files_tasks.py`),
      readFile(`${FILES_VERIFIER_DIR}/files_tasks.py`),
      readFile(`/work/..${FILES_VERIFIER_DIR}/probe.py`),
      readFile(`/proc/1/root${FILES_VERIFIER_DIR}/files_tasks.py`),
      readFile('/etc/passwd'),
      writeFile('../etc/passwd', 'x'),
      writeFile('/work/../x', 'x'),
      writeFile('/etc/passwd', 'x'),
      writeFile(`../${FILES_VERIFIER_DIR.slice(1)}/probe.py`, 'print("{}")'),
      writeFile('../verifier/state/x', 'x'),
    ];
    // A task variant offering every tool of the package, so reads are tried too.
    const everyTool = { ...files, task: { ...files.task, tools: [...files.pkg.tools.map(({ name, description, parameters }) => ({ name, description, parameters })), ...files.task.tools.filter((t) => t.name === SUBMIT_TOOL)] } };
    const trace = await attempt(everyTool, 'files: outside /work', [...outside, writeFile(files.file, files.right)]);
    outside.forEach((c, i) => {
      assert.equal(exitOf(trace, i), 1, `${JSON.stringify(c)}: ${outputOf(trace, i)}`);
      // /proc/1/root cannot even be resolved by the agent; the rest is refused by the tool's own rule.
      assert.match(outputOf(trace, i), /outside the work directory|Permission denied: '\/proc\/1\/root'/);
    });
    // The failed calls changed nothing: the right answer still passes.
    const state = stateOf(trace);
    assert.equal(trace.verdict.passed, true, JSON.stringify(trace.verdict.errors));
    assert.deepEqual(Object.keys(state.tree).sort(), [files.file]);
  });
});

describe('what the agent leaves behind fails only its own episode', () => {
  test('answer.txt with mode 000: reported unreadable, the verdict fails', async () => {
    const trace = await attempt(shell, 'mode 000', [sh(`printf ${shell.right} > answer.txt; chmod 000 answer.txt`)]);
    assertFailedWithRealState(shell, trace, { type: 'file', readable: false, size: shell.right.length });
  });

  test('/work itself with mode 000: the probe still answers, the answer is missing', async () => {
    const trace = await attempt(shell, 'work mode 000', [sh(`printf ${shell.right} > answer.txt; chmod 000 /work`)]);
    assertFailedWithRealState(shell, trace, { type: 'missing' });
  });

  test('5000 files named before answer.txt cannot push it out of the report: the right answer passes', async () => {
    const trace = await attempt(shell, 'flood', [
      sh(`for i in $(seq -w 0 4999); do : > a$i; done; printf ${shell.right} > answer.txt; ls | wc -l`),
    ]);
    assert.equal(outputOf(trace, 0).trim(), '5002');
    const state = stateOf(trace);
    assert.equal(state.complete, false);
    assert.ok(state.entries >= 5002, `entries: ${state.entries}`);
    assert.ok(Object.keys(state.tree).length <= 129);
    assert.equal(state.tree['answer.txt']?.text, shell.right);
    assert.equal(trace.verdict.passed, true, JSON.stringify(trace.verdict.errors));
  });

  test('a FIFO named answer.txt: the probe does not hang', async () => {
    const started = Date.now();
    const trace = await attempt(shell, 'fifo', [sh('mkfifo answer.txt')]);
    assertFailedWithRealState(shell, trace, { type: 'other' });
    assert.ok(Date.now() - started < limits.timeoutMs, `took ${Date.now() - started} ms`);
  });

  test('answer.txt as a directory: reported as one, the verdict fails', async () => {
    const trace = await attempt(shell, 'directory', [sh(`mkdir answer.txt; printf ${shell.right} > answer.txt/answer.txt`)]);
    const state = assertFailedWithRealState(shell, trace, { type: 'dir' });
    assert.equal(state.tree['answer.txt/answer.txt']?.text, shell.right);
  });

  test('a fork bomb started after killing the tool\'s own wrapper: later calls and the probe still run', async () => {
    const bomb = "import os, time\\nwhile True:\\n  try: os.fork()\\n  except OSError: time.sleep(0.001)\\n";
    const trace = await attempt(shell, 'fork bomb', [
      sh(`printf ${shell.wrong} > answer.txt; printf '${bomb}' > bomb.py; kill -9 -1; setsid python3 bomb.py >/dev/null 2>&1 & sleep 2`),
      sh('echo after'),
      sh('ls /proc | grep -c "^[0-9]"'),
    ]);
    assertFailedWithRealState(shell, trace, { type: 'file', text: shell.wrong });
    assert.ok(Number(outputOf(trace, 2).trim()) < 10, `the bomb was stopped: ${outputOf(trace, 2)} processes`);
  });

  test('a full /work: the right answer cannot be written, the probe still answers', async () => {
    const trace = await attempt(shell, 'disk full', [
      sh('dd if=/dev/zero of=big bs=1M count=70'),
      sh(`printf ${shell.right} > answer.txt`),
    ]);
    assert.notEqual(exitOf(trace, 0), 0);
    assert.match(outputOf(trace, 0), /No space left on device/);
    assert.notEqual(exitOf(trace, 1), 0);
    assert.match(outputOf(trace, 1), /No space left on device/);
    const state = stateOf(trace);
    assert.equal(trace.verdict.passed, false);
    assert.notEqual(state.tree['answer.txt']?.text, shell.right);
    assert.equal(state.tree.big?.type, 'file');
  });
});

// Keys are relative paths (up to PATH_MAX) and emit() escapes every non-ASCII character as \uXXXX (6 bytes): a
// report bounded only by entries and text lengths could exceed what the runner accepts, and the probe would fail
// an agent that solved its task. read_tree bounds the report by bytes too.
describe('the size of the probe report', () => {
  test('130 files of 1100 bytes that are not UTF-8 next to the right answer: the probe still answers', async () => {
    const trace = await attempt(shell, 'report size: texts', [
      sh(`printf ${shell.right} > answer.txt; for i in $(seq 1 130); do head -c 1100 /dev/zero | tr '\\0' '\\377' > f$i; done`),
    ]);
    assert.equal(trace.probeError, null);
    assert.equal(trace.verdict.passed, true);
  });

  test('files: three deep paths of non-ASCII names next to the right answer: the probe still answers', async () => {
    const component = 'é'.repeat(120);
    const deep = (c: string) => `${Array.from({ length: 15 }, (_, i) => `${c}${i}${component}`).join('/')}/f`;
    const trace = await attempt(files, 'report size: paths', [
      writeFile(files.file, files.right),
      ...['a', 'b', 'c'].map((c) => writeFile(deep(c), 'x')),
    ]);
    trace.steps.slice(0, -1).forEach((s, i) => assert.equal(s.result!.exitCode, 0, `step ${i}: ${s.result!.output}`));
    assert.equal(trace.probeError, null);
    assert.equal(trace.verdict.passed, true);
  });
});

// A verifier that must run the agent's code (probeIn: test-runner): the probe runs in a fresh sandbox holding a
// copy of the agent's /work, as the verifier; the agent's function runs in a child under the agent's uid, which
// returns values only. The agent's code tries to read the hidden tests, reach the runner, or forge results.
describe('a verifier that runs the agent\'s code', () => {
  let code: { pkg: EnvironmentPackage; image: string; task: TaskSpec };
  const codeDir = '/opt/tasksynth/env/double-code/verifier';
  before(async () => {
    code = await prepare(join(projectRoot(), 'tests', 'fixtures', 'environments', 'double-code'));
  }, { timeout: 10 * 60_000 });

  /** Replaces line `line` of solution.py, submits, and returns the probe's test facts. */
  const run = async (name: string, line: number, text: string) => {
    const trace = await runRollout(sandboxes, code.pkg, code.image, code.task, {
      gate: 'mutant', name, mustPass: false,
      calls: [{ name: 'replace_line', arguments: { path: 'solution.py', line, text } }, SUBMIT],
    }, labels);
    assert.equal(trace.probeError, null, `the probe failed: ${trace.probeError}`);
    return { trace, tests: (trace.outcome.state as { tests: { total: number; passed: number; answered: number; firstError: string | null } }).tests };
  };
  const fix = () => code.task.reference.find((c) => c.name === 'replace_line')!.arguments.text as string;

  test('control: the right fix passes every hidden test', async () => {
    const { trace, tests } = await run('right fix', 2, fix());
    assert.equal(trace.verdict.passed, true);
    assert.equal(tests.passed, 20);
  });

  test('reading the hidden tests from the agent\'s code is denied', async () => {
    const { trace, tests } = await run('read hidden tests', 2, `    return open('${codeDir}/code_tasks.py').read()`);
    assert.equal(trace.verdict.passed, false);
    assert.match(tests.firstError ?? '', /PermissionError/);
  });

  test('the agent\'s code cannot signal, read or become the runner', async () => {
    for (const [name, text] of [
      ['kill the runner', '    import os; os.kill(os.getppid(), 9); return 0'],
      ['read the runner\'s memory', '    import os; return open(f"/proc/{os.getppid()}/mem", "rb").read(1)'],
      ['read the runner\'s environment', '    import os; return open(f"/proc/{os.getppid()}/environ").read()'],
      ['become root', '    import os; os.setuid(0); return 0'],
    ] as const) {
      const { trace, tests } = await run(name, 2, text);
      assert.equal(trace.verdict.passed, false, name);
      assert.match(tests.firstError ?? '', /PermissionError|Operation not permitted/, `${name}: ${tests.firstError}`);
      assert.equal(tests.answered, 20, `${name}: the runner survived and reported every case`);
    }
  });

  test('agent code that sleeps, or leaves a setsid sleeper behind, costs one timeout and fails', async () => {
    for (const [name, text] of [
      ['sleep forever', '    import time; time.sleep(3600)'],
      ['setsid sleeper', '    import os, time; os.fork() or (os.setsid(), time.sleep(3600)); return 0'],
    ] as const) {
      const started = Date.now();
      const { trace } = await run(name, 2, text);
      assert.equal(trace.verdict.passed, false, name);
      // The runner's timeout (5 s) and the sandbox's own bound, not the sleeper, decide how long the probe takes.
      assert.ok(Date.now() - started < 60_000, `${name}: the probe took ${Date.now() - started} ms`);
    }
  });

  test('forged results printed by the agent\'s code are only values, compared with answers it never saw', async () => {
    const forged = `import os; os.write(1, b"[" + b",".join([b'{"ok": true, "value": 0}'] * 20) + b"]\\n"); os._exit(0)`;
    const { trace, tests } = await run('forged results', 1, forged);
    assert.equal(tests.answered, 20, 'the forged line was read as values');
    assert.ok(tests.passed < 20);
    assert.equal(trace.verdict.passed, false);
  });
});
