// Sandbox lifecycle: create a hardened container, seed /work, run tools in it, remove it.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import type { ToolResult } from '../schemas/types.js';
import {
  LABEL_MANAGED,
  SANDBOX_USER,
  WORK_DIR,
  hardenedContainerConfig,
  type SandboxLimits,
} from './profile.js';

/** Put between stdout and stderr in a failed tool's output. */
export const STDERR_MARKER = '\n--- stderr ---\n';
/** Extra wait on the host beyond the in-container timeout before giving up on an exec. */
export const HOST_GRACE_MS = 5_000;
/** Exit status of a command killed by `timeout -s KILL` (128 + SIGKILL). */
const KILLED_STATUS = 137;

export type TarEntry = { name: string; type: 'directory' } | { name: string; type: 'file'; content: Buffer };

/**
 * The tar entries that put `files` (relative path -> text) under /work, parents first.
 * Throws on a path that could land outside /work or is not in plain form.
 */
export function tarEntriesFor(files: Record<string, string>): TarEntry[] {
  const dirs = new Set<string>();
  const names = Object.keys(files).sort();
  for (const name of names) {
    checkRelativePath(name);
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const name of names) {
    if (dirs.has(name)) throw new Error(`Invalid sandbox file path "${name}": it is also a directory of another file`);
  }
  const entries: TarEntry[] = [...dirs].sort().map((name) => ({ name, type: 'directory' as const }));
  for (const name of names) entries.push({ name, type: 'file', content: Buffer.from(files[name] ?? '', 'utf8') });
  return entries;
}

function checkRelativePath(name: string): void {
  const bad = (why: string): never => {
    throw new Error(`Invalid sandbox file path ${JSON.stringify(name)}: ${why}`);
  };
  if (name.length === 0) bad('empty');
  if (/[\u0000-\u001f]/.test(name)) bad('control characters are not allowed');
  if (name.startsWith('/')) bad('absolute paths are not allowed; give a path relative to /work');
  for (const part of name.split('/')) {
    if (part === '..') bad('".." is not allowed');
    if (part === '.' || part === '') bad('use a plain relative path (no "." parts, no empty parts, no trailing "/")');
  }
}

async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const mtime = new Date();
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', mode: 0o755, mtime });
    else pack.entry({ name: e.name, type: 'file', mode: 0o644, mtime }, e.content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Keeps the first `limit` bytes written and counts the rest. */
class CappedSink extends Writable {
  private readonly chunks: Buffer[] = [];
  kept = 0;
  total = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.total += chunk.length;
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    done();
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The longest prefix of `buf` of at most `max` bytes that does not split a UTF-8 character. */
export function utf8Prefix(buf: Buffer, max: number): Buffer {
  if (buf.length <= max) return buf;
  let end = Math.max(0, max);
  // Step back over continuation bytes to the lead byte, then drop that incomplete character.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

interface RawRun {
  exitCode: number;
  stdout: CappedSink;
  stderr: CappedSink;
  hostTimedOut: boolean;
  durationMs: number;
}

function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  async create(image: string, labels: Record<string, string>, files: Record<string, string>, name?: string): Promise<string> {
    // Validate before anything exists, so a bad path costs no container.
    const entries = tarEntriesFor(files);
    const config = hardenedContainerConfig({ image, labels, limits: this.limits, name });
    const container = await this.docker.createContainer(config).catch(async (err: unknown) => {
      if (!name || statusCodeOf(err) !== 409) throw err;
      await this.remove(name);
      return this.docker.createContainer(config);
    });
    try {
      await container.start();
      if (entries.length > 0) await this.writeFiles(container.id, entries);
      return container.id;
    } catch (err) {
      await this.remove(container.id).catch(() => undefined);
      throw err;
    }
  }

  /** putArchive cannot write into a tmpfs on a read-only rootfs, so the agent user untars from stdin. */
  private async writeFiles(id: string, entries: TarEntry[]): Promise<void> {
    const archive = await tarBuffer(entries);
    const fail = (why: string): never => {
      throw new Error(`Writing files into sandbox ${id.slice(0, 12)} failed: ${why}`);
    };
    const untar = this.timeoutWrapped(['tar', '-x', '-f', '-', '-C', WORK_DIR], this.limits.timeoutMs);
    const run = await this.run(id, untar, { stdin: archive, timeoutMs: this.limits.timeoutMs, outputLimitBytes: 4096 }).catch(
      (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
    );
    if (run.hostTimedOut) fail('timed out');
    if (run.exitCode !== 0) fail(run.stderr.bytes().toString('utf8').trim() || `exit code ${run.exitCode}`);
  }

  /**
   * Runs argv (no shell unless argv asks for one) as the agent user in /work.
   * Output is stdout, plus stderr after STDERR_MARKER when the exit code is not 0, capped at the output limit.
   */
  async exec(
    id: string,
    argv: string[],
    opts: { timeoutMs?: number; outputLimitBytes?: number; stdin?: string } = {},
  ): Promise<ToolResult> {
    if (argv.length === 0) throw new Error('exec needs a command (argv is empty)');
    const timeoutMs = opts.timeoutMs ?? this.limits.timeoutMs;
    const limit = opts.outputLimitBytes ?? this.limits.outputLimitBytes;
    const run = await this.run(id, this.timeoutWrapped(argv, timeoutMs), {
      stdin: opts.stdin === undefined ? undefined : Buffer.from(opts.stdin, 'utf8'),
      timeoutMs,
      outputLimitBytes: limit,
    });
    const timedOut = run.hostTimedOut || (run.exitCode === KILLED_STATUS && run.durationMs >= timeoutMs);
    const { output, truncated } = composeOutput(run, limit);
    return { exitCode: run.exitCode, output, truncated, timedOut, durationMs: Math.round(run.durationMs) };
  }

  /** `timeout` kills the command's whole process group from inside, so the sandbox is not left busy. */
  private timeoutWrapped(argv: string[], timeoutMs: number): string[] {
    const seconds = Math.max(1, Math.round(timeoutMs)) / 1000;
    return ['timeout', '-s', 'KILL', String(seconds), ...argv];
  }

  private async run(
    id: string,
    cmd: string[],
    opts: { stdin?: Buffer; timeoutMs: number; outputLimitBytes: number },
  ): Promise<RawRun> {
    const started = performance.now();
    const exec = await this.docker.getContainer(id).exec({
      Cmd: cmd,
      User: SANDBOX_USER,
      WorkingDir: WORK_DIR,
      AttachStdin: opts.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Privileged: false,
    });
    const stream = (await exec.start({ hijack: true, stdin: opts.stdin !== undefined })) as Duplex;
    const stdout = new CappedSink(opts.outputLimitBytes);
    const stderr = new CappedSink(opts.outputLimitBytes);
    this.docker.modem.demuxStream(stream, stdout, stderr);

    let hostTimedOut = false;
    let streamError: Error | undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        // The daemon or the command is stuck past the inner timeout: stop waiting.
        hostTimedOut = true;
        stream.destroy();
        resolve();
      }, opts.timeoutMs + HOST_GRACE_MS);
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      stream.once('end', finish);
      stream.once('close', finish);
      // E.g. EPIPE when the command exits without reading all its input; the exit code below decides.
      stream.on('error', (err: Error) => {
        streamError ??= err;
      });
      // Half-close after writing so the command sees end of input.
      if (opts.stdin !== undefined) stream.end(opts.stdin);
    });

    let exitCode = -1;
    if (!hostTimedOut) {
      // The stream can end a moment before the daemon records the exit code.
      for (let i = 0; i < 200; i++) {
        const info = await exec.inspect();
        if (!info.Running && info.ExitCode !== null) {
          exitCode = info.ExitCode;
          break;
        }
        await sleep(10);
      }
      if (exitCode === -1 && streamError) throw streamError;
    }
    return { exitCode, stdout, stderr, hostTimedOut, durationMs: performance.now() - started };
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

/** stdout, and on failure stderr after the marker; stderr keeps at least half the budget so the error stays visible. */
function composeOutput(run: RawRun, limit: number): { output: string; truncated: boolean } {
  const out = run.stdout.bytes();
  const err = run.stderr.bytes();
  let truncated = run.stdout.truncated;
  if (run.exitCode === 0 || run.stderr.total === 0) {
    return { output: utf8Prefix(out, limit).toString('utf8'), truncated };
  }
  truncated ||= run.stderr.truncated;
  const marker = Buffer.from(STDERR_MARKER, 'utf8');
  const errPart = utf8Prefix(err, Math.max(Math.floor(limit / 2), limit - marker.length - out.length));
  const outPart = utf8Prefix(out, Math.max(0, limit - marker.length - errPart.length));
  if (errPart.length < err.length || outPart.length < out.length) truncated = true;
  const joined = utf8Prefix(Buffer.concat([outPart, marker, errPart]), limit);
  if (joined.length < outPart.length + marker.length + errPart.length) truncated = true;
  return { output: joined.toString('utf8'), truncated };
}

/** A Docker container name for a sandbox id (any string): readable, valid, and unique by a hash of the id. */
export function sandboxName(id: string): string {
  const readable = id.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 80);
  return `tasksynth-${readable}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}
