// Sandbox lifecycle: create a hardened container, build its initial state, run the agent's tools in it, stop every
// process the agent left before anything is read back, read the state as the verifier, remove it.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { ToolResult } from '../schemas/types.js';
import { composeOutput, runExec, type RawRun } from './exec.js';
import { hardenedContainerConfig, LABEL_MANAGED, LABEL_POOL, VERIFIER_DIR, WORK_DIR, type SandboxLimits, type SandboxUser } from './profile.js';
import { tarBuffer, tarEntriesFor } from './tar-files.js';

export { HOST_GRACE_MS, STDERR_MARKER, utf8Prefix } from './exec.js';
export { tarEntriesFor, type TarEntry } from './tar-files.js';

/** Exit status of a command killed by `timeout -s KILL` (128 + SIGKILL). */
const KILLED_STATUS = 137;
/** The verifier runtime's exit status for "agent processes are still running" (run_verifier.py). */
const AGENT_STILL_RUNNING = 3;
const REAP_ATTEMPTS = 5;
/** The most initial state a setup may build (the size of /work). */
const SETUP_STATE_LIMIT = 64 * 1024 * 1024;

/**
 * Shell that stops every process the agent may signal except itself: kill(-1) reaches all of them in one system
 * call, setsid or not, and new forks wait while it runs; a second one catches a child forked in between. (Its
 * exit status cannot tell whether any process was left: processes it may not signal count as found. The probe's
 * runner checks /proc instead, see probe().)
 */
const KILL_AGENT_PROCESSES = 'kill -9 -1 2>/dev/null; kill -9 -1 2>/dev/null; true';


/** Docker's words for a refusal the sandbox's own limits cause: no pid left, no memory, an argument too long. */
const AGENT_CAUSED_REFUSAL = /resource temporarily unavailable|cannot allocate memory|out of memory|argument list too long|pids|fork/i;

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
}

export interface ExecOptions {
  user?: SandboxUser;
  workingDir?: string;
  timeoutMs?: number;
  outputLimitBytes?: number;
  stdin?: string | Buffer;
}

export class SandboxManager {
  constructor(
    private readonly docker: Docker,
    private readonly limits: SandboxLimits,
  ) {}

  /**
   * Creates and starts a hardened container with `files` in /work; returns its id. Leaves nothing behind on
   * failure. With a `name`, a container of that name left by an earlier attempt (a worker that died mid-create)
   * is replaced, so retrying the same sandbox never leaks one.
   */
  async create(
    image: string,
    labels: Record<string, string>,
    files: Record<string, string> = {},
    name?: string,
    opts: { testRunner?: boolean } = {},
  ): Promise<string> {
    // Validate before anything exists, so a bad path costs no container.
    const entries = tarEntriesFor(files);
    const config = hardenedContainerConfig({ image, labels, limits: this.limits, name, testRunner: opts.testRunner });
    const container = await this.docker.createContainer(config).catch(async (err: unknown) => {
      if (!name || statusCodeOf(err) !== 409) throw err;
      await this.remove(name);
      return this.docker.createContainer(config);
    });
    try {
      await container.start();
      if (entries.length > 0) await this.untarIntoWork(container.id, await tarBuffer(entries));
      return container.id;
    } catch (err) {
      await this.remove(container.id).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The agent's /work as a tar stream (the agent's processes stopped first), to verify in a fresh sandbox with only
   * the agent's final files. Null when there is more than /work can hold, or nothing could be read: the agent's
   * doing either way.
   */
  async archiveWork(id: string): Promise<Buffer | null> {
    await this.stopAgentProcesses(id);
    const run = await this.raw(id, ['tar', '-c', '-f', '-', '-C', WORK_DIR, '.'], { user: 'agent', outputLimitBytes: SETUP_STATE_LIMIT });
    // tar exits 2 after skipping a file it may not read (mode 000): what it could read is still the state.
    if (run.hostTimedOut || run.stdout.truncated || run.stdout.kept === 0) return null;
    return run.stdout.bytes();
  }

  /** putArchive cannot write into a tmpfs on a read-only rootfs, so the agent user untars from stdin. */
  async untarIntoWork(id: string, archive: Buffer): Promise<void> {
    const fail = (why: string): never => {
      throw new Error(`Writing files into sandbox ${id.slice(0, 12)} failed: ${why}`);
    };
    const untar = this.timeoutWrapped(['tar', '-x', '-f', '-', '-C', WORK_DIR], this.limits.timeoutMs);
    const run = await this.raw(id, untar, { user: 'agent', stdin: archive, outputLimitBytes: 4096 }).catch((err: unknown) =>
      fail(err instanceof Error ? err.message : String(err)),
    );
    if (run.hostTimedOut) fail('timed out');
    if (run.exitCode !== 0) fail(run.stderr.bytes().toString('utf8').trim() || `exit code ${run.exitCode}`);
  }

  /**
   * Builds the initial state: `setupArgv` runs as the verifier and writes it under `dir` (in the verifier's own
   * tmpfs, with `request` plus {out: dir} on stdin); the tree is then handed to the agent's /work as a tar stream,
   * so large state never travels through workflow payloads. A failing setup is the package's fault: SandboxError.
   */
  async setup(id: string, setupArgv: string[], request: Record<string, unknown>): Promise<void> {
    const out = `${VERIFIER_DIR}/state`;
    // Built once per container: a sandbox reset for another rollout of the same task hands the same state again.
    const done = `${VERIFIER_DIR}/state.done`;
    const script = `{ [ -e ${done} ] || { mkdir -p ${out} && "$@" 1>&2 && : > ${done}; }; } && tar -c -f - -C ${out} .`;
    const run = await this.raw(id, ['sh', '-c', script, 'setup', ...setupArgv], {
      user: 'verifier',
      stdin: Buffer.from(JSON.stringify({ ...request, out })),
      outputLimitBytes: SETUP_STATE_LIMIT,
    });
    if (run.hostTimedOut || run.exitCode !== 0 || run.stdout.truncated) {
      const why = run.hostTimedOut ? 'timed out' : run.stdout.truncated ? `state larger than ${SETUP_STATE_LIMIT} bytes` : `exit ${run.exitCode}`;
      throw new SandboxError(`setup failed (${why}): ${run.stderr.bytes().toString('utf8').trim().slice(-800)}`);
    }
    await this.untarIntoWork(id, run.stdout.bytes());
  }

  /**
   * Runs argv (no shell unless argv asks for one) in /work, as the agent unless told otherwise.
   * Output is stdout, plus stderr after STDERR_MARKER when the exit code is not 0, capped at the output limit.
   */
  async exec(id: string, argv: string[], opts: ExecOptions = {}): Promise<ToolResult> {
    if (argv.length === 0) throw new Error('exec needs a command (argv is empty)');
    const timeoutMs = opts.timeoutMs ?? this.limits.timeoutMs;
    return this.result(await this.raw(id, this.timeoutWrapped(argv, timeoutMs), { ...opts, user: opts.user ?? 'agent' }), timeoutMs, opts);
  }

  /**
   * One tool call of the agent: argv runs as the agent, killed with its whole process group at the timeout; then
   * every process the agent still has is killed too (setsid or not), so nothing outlives its tool call. (A
   * package's own tool may also report what it stopped, as shell-ops's `shell` does for its process group.)
   */
  async toolCall(id: string, argv: string[], opts: Omit<ExecOptions, 'user'> = {}): Promise<ToolResult> {
    if (argv.length === 0) throw new Error('a tool call needs a command (argv is empty)');
    const timeoutMs = opts.timeoutMs ?? this.limits.timeoutMs;
    const seconds = Math.max(1, Math.round(timeoutMs)) / 1000;
    // Killed before too: a call that killed this very wrapper leaves no stop behind it, and a shell that cannot
    // fork (its pids taken) exits at once, so the stop must come before the first fork.
    const script = `${KILL_AGENT_PROCESSES}; timeout -s KILL ${seconds} "$@"; rc=$?; ${KILL_AGENT_PROCESSES}; exit $rc`;
    return this.agentCaused(id, 'the tool', async () => {
      const run = await this.raw(id, ['sh', '-c', script, 'tool', ...argv], { ...opts, user: 'agent' });
      return this.result(run, timeoutMs, opts);
    });
  }

  /**
   * Runs `fn`; when Docker refuses it for a reason the agent brings about (its processes fill the pids limit, it
   * ate the memory, an argument too long for exec) while the container is still there, the refusal becomes a
   * failed result of the agent's own episode (exit -1) instead of an error that would retry and reject the task.
   * Any other error (a container that is gone, a daemon that does not answer) is still an error.
   */
  private async agentCaused(id: string, what: string, fn: () => Promise<ToolResult>): Promise<ToolResult> {
    let result: ToolResult;
    try {
      result = await fn();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const state = await this.docker
        .getContainer(id)
        .inspect()
        .then((info) => info.State, () => undefined);
      const agentsDoing = state?.OOMKilled === true || (state?.Running === true && AGENT_CAUSED_REFUSAL.test(why));
      if (!agentsDoing) throw error;
      return { exitCode: -1, output: `${what} could not run in the sandbox: ${why}`, truncated: false, timedOut: false, durationMs: 0 };
    }
    // A call killed because its whole container stopped (a Docker daemon restart) is not the agent's result: it
    // fails, so the caller retries or moves the episode instead of recording a killed call as what the tool did.
    if (result.exitCode !== 0) {
      const state = await this.docker.getContainer(id).inspect().then((info) => info.State, () => undefined);
      if (!state || (!state.Running && !state.OOMKilled)) throw new Error(`the sandbox stopped during ${what}'s call (exit ${result.exitCode})`);
    }
    return result;
  }

  /**
   * Empties /work for another rollout in the same container: the agent's processes stopped, everything under
   * /work (all the agent's own) made writable and deleted. Returns false when /work is not empty afterwards, and
   * the caller then uses a fresh container instead.
   */
  async resetWork(id: string): Promise<boolean> {
    await this.stopAgentProcesses(id);
    const script = `chmod -R u+rwX ${WORK_DIR} 2>/dev/null; find ${WORK_DIR} -mindepth 1 -delete 2>/dev/null; [ -z "$(ls -A ${WORK_DIR})" ]`;
    const run = await this.raw(id, ['sh', '-c', script], { user: 'agent', outputLimitBytes: 1024 });
    return run.exitCode === 0;
  }

  /** Kills every process of the agent's uid (the container's keeper runs as the verifier and stays). */
  async stopAgentProcesses(id: string): Promise<void> {
    await this.raw(id, ['sh', '-c', KILL_AGENT_PROCESSES], { user: 'agent', outputLimitBytes: 1024 });
  }

  /**
   * Reads the final state: stops the agent's processes, then runs `probeArgv` as the verifier, which refuses to
   * start while any agent process is left (the stop is retried then). Returns the raw result; the caller parses.
   */
  async probe(
    id: string,
    probeArgv: string[],
    request: Record<string, unknown>,
    outputLimitBytes: number,
    user: 'verifier' | 'runner' = 'verifier',
  ): Promise<ToolResult> {
    let result: ToolResult | undefined;
    // Retried only within one tool timeout, so the whole probe stays inside its activity's bound.
    const deadline = performance.now() + this.limits.timeoutMs;
    for (let attempt = 0; attempt < REAP_ATTEMPTS && (attempt === 0 || performance.now() < deadline); attempt++) {
      result = await this.agentCaused(id, 'the probe', async () => {
        await this.stopAgentProcesses(id);
        return this.exec(id, probeArgv, {
          user,
          workingDir: '/',
          stdin: JSON.stringify({ ...request, root: WORK_DIR }),
          outputLimitBytes,
        });
      });
      if (result.exitCode !== AGENT_STILL_RUNNING) return result;
    }
    return result!;
  }

  private raw(id: string, cmd: string[], opts: ExecOptions & { user: SandboxUser; outputLimitBytes?: number }): Promise<RawRun> {
    return runExec(this.docker, id, cmd, {
      user: opts.user,
      workingDir: opts.workingDir,
      stdin: typeof opts.stdin === 'string' ? Buffer.from(opts.stdin, 'utf8') : opts.stdin,
      timeoutMs: opts.timeoutMs ?? this.limits.timeoutMs,
      outputLimitBytes: opts.outputLimitBytes ?? this.limits.outputLimitBytes,
    });
  }

  private result(run: RawRun, timeoutMs: number, opts: ExecOptions): ToolResult {
    const limit = opts.outputLimitBytes ?? this.limits.outputLimitBytes;
    const timedOut = run.hostTimedOut || (run.exitCode === KILLED_STATUS && run.durationMs >= timeoutMs);
    const { output, truncated } = composeOutput(run, limit);
    return { exitCode: run.exitCode, output, truncated, timedOut, durationMs: Math.round(run.durationMs) };
  }

  /** `timeout` kills the command's whole process group from inside, so the sandbox is not left busy. */
  private timeoutWrapped(argv: string[], timeoutMs: number): string[] {
    const seconds = Math.max(1, Math.round(timeoutMs)) / 1000;
    return ['timeout', '-s', 'KILL', String(seconds), ...argv];
  }

  /** The image a container was created from, and its labels but the managed one (for a sibling sandbox). */
  async describe(id: string): Promise<{ image: string; labels: Record<string, string> }> {
    const { Config } = await this.docker.getContainer(id).inspect();
    // Nor the warm pool's: a sibling was never in a pool.
    const { [LABEL_MANAGED]: _managed, [LABEL_POOL]: _pool, ...labels } = Config.Labels ?? {};
    return { image: Config.Image, labels };
  }

  /** Gives a container the name `name`; a container an earlier attempt left under that name is replaced. */
  async rename(id: string, name: string): Promise<void> {
    const container = this.docker.getContainer(id);
    await container.rename({ name }).catch(async (err: unknown) => {
      if (statusCodeOf(err) !== 409) throw err;
      await this.remove(name);
      await container.rename({ name });
    });
  }

  async isRunning(id: string): Promise<boolean> {
    return (await this.docker.getContainer(id).inspect()).State.Running === true;
  }

  /**
   * Reports each container carrying `label` that stops or is removed from now on (`onStop`, with its id), until
   * the returned function is called. `onEnd` when the daemon ends the stream (it restarted, or the connection
   * broke): from then on nothing is reported, and any such container may have stopped unseen.
   */
  async watchStops(label: string, onStop: (id: string) => void, onEnd: () => void): Promise<() => void> {
    const abort = new AbortController();
    const filters = { type: ['container'], event: ['die', 'destroy'], label: [label] };
    const stream = (await this.docker.getEvents({ filters, abortSignal: abort.signal } as never)) as unknown as NodeJS.ReadableStream;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const event = JSON.parse(line) as { id?: string; Actor?: { ID?: string } };
          const id = event.Actor?.ID ?? event.id;
          if (id) onStop(id);
        } catch {
          // Not an event line; the next one is read as usual.
        }
      }
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (!abort.signal.aborted) onEnd();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
    return () => abort.abort();
  }

  /** The id of the container named `name`, or null when there is none. */
  async idOf(name: string): Promise<string | null> {
    return this.docker
      .getContainer(name)
      .inspect()
      .then((info) => info.Id, (err: unknown) => {
        if (statusCodeOf(err) === 404) return null;
        throw err;
      });
  }

  /** Force-removes a container; one that is already gone is fine. */
  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404) return;
      if (code === 409 && /already in progress/i.test(String((err as Error).message))) return;
      throw err;
    }
  }

  /**
   * Removes managed containers created more than `olderThanMs` ago (leftovers of crashed runs); returns how many.
   * `withLabels` narrows it further, e.g. to one run.
   */
  async reap(olderThanMs: number, withLabels: Record<string, string> = {}): Promise<number> {
    const label = [`${LABEL_MANAGED}=true`, ...Object.entries(withLabels).map(([k, v]) => `${k}=${v}`)];
    const found = await this.docker.listContainers({ all: true, filters: { label } });
    const cutoffSec = (Date.now() - olderThanMs) / 1000;
    let removed = 0;
    for (const c of found) {
      if (c.Created < cutoffSec) {
        await this.remove(c.Id);
        removed++;
      }
    }
    return removed;
  }
}

function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A Docker container name for a sandbox id (any string): readable, valid, and unique by a hash of the id. */
export function sandboxName(id: string): string {
  const readable = id.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 80);
  return `tasksynth-${readable}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}
